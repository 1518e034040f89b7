"""pygit2 against dulwich on what `pins verify` and `pins suggest` ask of a repository.

Builds one packed repository of ``--commits`` commits (10,000 by default) with
``git fast-import``, then times, for each library: opening the repository,
finding a commit by its full SHA and by a 7-character prefix, asking whether
the entrypoint exists at a commit, and listing the commits that touched the
entrypoint (newest first), the walk behind `pins suggest`. The registry uses
the faster one; docs/benchmarks.md records the figures.

    python -m bench.git_libraries [--commits 10000] [--json]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path
from typing import Any

ENTRYPOINT = "training/train.py"


def build_repository(root: Path, commits: int) -> list[str]:
    """A bare repository of ``commits`` commits on main, packed; returns their SHAs, oldest first.

    Every commit changes one of 100 source files; every 50th also changes the
    entrypoint, so a history walk must look at every commit and keep 1 in 50.
    """
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(root)], check=True)
    lines = []
    for n in range(commits):
        stamp = 1_700_000_000 + n * 60
        message = f"change {n}\n"
        lines.append("commit refs/heads/main")
        lines.append(f"mark :{n + 1}")
        lines.append(f"committer Bench <bench@example.org> {stamp} +0000")
        lines.append(f"data {len(message)}")
        lines.append(message.rstrip("\n"))
        if n:
            lines.append(f"from :{n}")
        body = f"value = {n}\n"
        lines.append(f"M 100644 inline src/module_{n % 100}.py")
        lines.append(f"data {len(body)}")
        lines.append(body.rstrip("\n"))
        if n % 50 == 0:
            lines.append(f"M 100644 inline {ENTRYPOINT}")
            lines.append(f"data {len(body)}")
            lines.append(body.rstrip("\n"))
        lines.append("")
    stream = "\n".join(lines) + "\n"
    subprocess.run(
        ["git", "-C", str(root), "fast-import", "--quiet"], input=stream.encode(), check=True
    )
    listed = subprocess.run(
        ["git", "-C", str(root), "rev-list", "--reverse", "main"],
        check=True,
        capture_output=True,
        text=True,
    )
    return listed.stdout.split()


def _timed(action: Callable[[], Any], repeat: int) -> float:
    """Median milliseconds of ``repeat`` runs."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def measure_pygit2(root: Path, target: str, repeat: int) -> dict[str, float]:
    import pygit2

    repo = pygit2.Repository(str(root))

    def walk() -> int:
        touched = 0
        for commit in repo.walk(repo.head.target, pygit2.enums.SortMode.TIME):
            here = _pygit2_entry(commit.tree, ENTRYPOINT)
            before = [_pygit2_entry(p.tree, ENTRYPOINT) for p in commit.parents]
            if here is not None and all(b != here for b in before):
                touched += 1
        return touched

    return {
        "open_ms": _timed(lambda: pygit2.Repository(str(root)), repeat),
        "full_sha_ms": _timed(lambda: repo[target], repeat),
        "short_sha_ms": _timed(lambda: repo.revparse_single(target[:7]), repeat),
        "entrypoint_exists_ms": _timed(
            lambda: _pygit2_entry(repo[target].tree, ENTRYPOINT), repeat
        ),
        "history_walk_ms": _timed(walk, max(1, repeat // 10)),
    }


def _pygit2_entry(tree: Any, path: str) -> Any:
    try:
        return tree[path].id
    except KeyError:
        return None


def measure_dulwich(root: Path, target: str, repo_sha_count: int, repeat: int) -> dict[str, float]:
    from dulwich.object_store import tree_lookup_path
    from dulwich.objectspec import parse_commit
    from dulwich.repo import Repo

    repo = Repo(str(root))
    wanted = ENTRYPOINT.encode()

    def exists() -> Any:
        commit: Any = repo[target.encode()]
        try:
            return tree_lookup_path(repo.object_store.__getitem__, commit.tree, wanted)
        except KeyError:
            return None

    def walk() -> int:
        return sum(1 for _ in repo.get_walker(paths=[wanted]))

    return {
        "open_ms": _timed(lambda: Repo(str(root)), repeat),
        "full_sha_ms": _timed(lambda: repo[target.encode()], repeat),
        "short_sha_ms": _timed(lambda: parse_commit(repo, target[:7].encode()), repeat),
        "entrypoint_exists_ms": _timed(exists, repeat),
        "history_walk_ms": _timed(walk, max(1, repeat // 10)),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commits", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    import pygit2

    workdir = Path(tempfile.mkdtemp(prefix="atlas-git-bench-"))
    try:
        shas = build_repository(workdir / "repo.git", args.commits)
        target = shas[len(shas) // 2]
        results = {
            "commits": args.commits,
            "pygit2": {"version": version("pygit2"), "libgit2": pygit2.LIBGIT2_VERSION}
            | measure_pygit2(workdir / "repo.git", target, args.repeat),
            "dulwich": {"version": version("dulwich")}
            | measure_dulwich(workdir / "repo.git", target, len(shas), args.repeat),
        }
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    keys = [k for k in results["pygit2"] if k.endswith("_ms")]
    print(f"{'median ms':<22}{'pygit2':>12}{'dulwich':>12}{'ratio':>10}")
    for key in keys:
        fast, slow = results["pygit2"][key], results["dulwich"][key]
        print(f"{key:<22}{fast:>12.3f}{slow:>12.3f}{slow / fast if fast else 0:>9.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
