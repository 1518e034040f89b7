"""``registration_from_git``: a training script's code pin from the working tree it runs in."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from atlas_registry import InputError, ModelRegistration, registration_from_git
from atlas_registry.client.git_pin import public_repo_url
from tests.payloads import logistic_regression


def git(folder: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(folder), *args], capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "ad-risk"
    (root / "training").mkdir(parents=True)
    (root / "training" / "train.py").write_text("print('training')\n", "utf-8")
    git(root, "init", "-q")
    git(root, "config", "user.email", "t@example.org")
    git(root, "config", "user.name", "trainer")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "first")
    git(
        root, "remote", "add", "origin", "https://builder:s3cret@github.com/example-lab/ad-risk.git"
    )
    return root


def test_the_pin_names_the_commit_the_remote_and_the_script(repo: Path) -> None:
    pin = registration_from_git(repo / "training" / "train.py")
    assert pin == {
        "code_repo_url": "https://github.com/example-lab/ad-risk.git",  # no credentials
        "code_commit_sha": git(repo, "rev-parse", "HEAD"),
        "code_entrypoint": "training/train.py",
    }
    registration = ModelRegistration(title="AD risk", metadata=logistic_regression(), **pin)
    assert registration.code_entrypoint == "training/train.py"
    assert registration_from_git(repo)["code_entrypoint"] is None  # a folder names no script


def test_a_tree_with_uncommitted_changes_is_refused_naming_them(repo: Path) -> None:
    (repo / "training" / "train.py").write_text("print('edited')\n", "utf-8")
    with pytest.raises(InputError, match=r"uncommitted changes \(training/train.py\)"):
        registration_from_git(repo / "training" / "train.py")
    git(repo, "commit", "-qam", "second")
    (repo / "notes.txt").write_text("untracked", "utf-8")  # not code that ran: allowed
    assert registration_from_git(repo)["code_commit_sha"] == git(repo, "rev-parse", "HEAD")


def test_an_untracked_script_or_a_folder_outside_git_is_refused(repo: Path, tmp_path: Path) -> None:
    (repo / "training" / "new.py").write_text("print('new')\n", "utf-8")
    with pytest.raises(InputError, match=r"the script training/new.py is not committed"):
        registration_from_git(repo / "training" / "new.py")
    outside = tmp_path / "plain"
    outside.mkdir()
    with pytest.raises(InputError, match="is not in a git working tree"):
        registration_from_git(outside)


@pytest.mark.parametrize(
    ("remote", "pinned"),
    [
        ("git@github.com:example-lab/ad-risk.git", "https://github.com/example-lab/ad-risk.git"),
        ("ssh://git@gitlab.example:2222/lab/ad.git", "https://gitlab.example/lab/ad.git"),
        ("https://oauth2:tok@gitlab.example/lab/ad", "https://gitlab.example/lab/ad"),
        ("http://mirror.local:8080/ad.git", "http://mirror.local:8080/ad.git"),
    ],
)
def test_remote_urls_become_http_addresses_without_credentials(remote: str, pinned: str) -> None:
    assert public_repo_url(remote) == pinned


def test_a_local_remote_is_named_without_the_newline_git_prints() -> None:
    with pytest.raises(InputError) as refused:
        public_repo_url("/srv/git/ad-risk\n")
    assert str(refused.value) == "the origin remote '/srv/git/ad-risk' is not an http(s) or SSH URL"


@pytest.mark.parametrize("remote", ["/srv/git/ad-risk.git", "file:///srv/git/ad.git", "ext::sh"])
def test_a_remote_that_is_not_an_address_is_refused(remote: str) -> None:
    with pytest.raises(InputError):
        public_repo_url(remote)
