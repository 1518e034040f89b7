"""Rebuild examples/mirrors/github.com/example-lab/ad-risk.git, the README's example mirror.

The examples' registrations pin commits of this repository; its commits have
fixed authors and times, so rebuilding it gives the same SHAs:

    python examples/build_mirror.py
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pygit2

MIRROR = Path(__file__).parent / "mirrors" / "github.com" / "example-lab" / "ad-risk.git"
HISTORY = [
    ("2026-02-10T09:00:00", "start the AD risk model", "v1"),
    ("2026-02-28T17:30:00", "L2 logistic regression, C=0.5", "v2"),
    ("2026-03-30T16:45:00", "recalibrate on the new sites", "v3"),
    ("2026-05-04T10:15:00", "try gradient boosting", "v4"),
]


def main() -> None:
    shutil.rmtree(MIRROR, ignore_errors=True)
    repo = pygit2.init_repository(str(MIRROR), bare=True, initial_head="main")
    parents: list[pygit2.Oid] = []
    for when, message, version in HISTORY:
        stamp = int(datetime.fromisoformat(when).replace(tzinfo=UTC).timestamp())
        person = pygit2.Signature("Example Lab", "lab@example.org", stamp, 0)
        training = repo.TreeBuilder()
        script = f'"""Train the AD risk model ({version})."""\n'
        blob = repo.create_blob(script.encode())
        training.insert("train_ad_risk.py", blob, pygit2.GIT_FILEMODE_BLOB)
        root = repo.TreeBuilder()
        root.insert("README.md", repo.create_blob(b"# ad-risk\n"), pygit2.GIT_FILEMODE_BLOB)
        root.insert("training", training.write(), pygit2.GIT_FILEMODE_TREE)
        oid = repo.create_commit(
            "refs/heads/main", person, person, message + "\n", root.write(), parents
        )
        parents = [oid]
        print(oid, when, message)
    for sample in ("description", "hooks", "info"):  # what `init` adds that no reader needs
        path = MIRROR / sample
        shutil.rmtree(path) if path.is_dir() else path.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
