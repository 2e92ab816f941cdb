"""Real git repositories for the update, check and provenance tests.

The template repository is a copy of this repository's template with two commits:
``v1`` (the template as it is) and ``v2``, which changes a line, adds a file and deletes
one. Projects are made from ``v1`` with the real CLI and committed, so each test can copy
one and edit it the way a team would.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

from ..cli_support import GIT_EMAIL, GIT_NAME, copy_template

PROJECT = "{{cookiecutter.project_slug}}"
# What v2 changes, in files whose text the template's restructuring leaves alone.
CHANGED = ".gitignore"  # its first line gets longer
CHANGED_OLD = (
    '# A leading "/" anchors a pattern to the project root, so that a folder of the same\n'
)
CHANGED_NEW = '# A leading "/" anchors a pattern to the root of the project, so that a folder\n'
APPENDED = ".env.example"  # a line at its end
APPENDED_LINE = "# LOG_LEVEL=INFO\n"
ADDED = "CONTRIBUTING.md"
ADDED_TEXT = "# Contributing to {{ cookiecutter.project_name }}\n\nOpen a pull request.\n"
DELETED = ".pre-commit-config.yaml"
MARKERS = ("<<<<<<< ", "=======", ">>>>>>> ")

# A fixed identity and no user or system git config, so commits work anywhere.
GIT_ENV = {
    "GIT_AUTHOR_NAME": GIT_NAME,
    "GIT_AUTHOR_EMAIL": GIT_EMAIL,
    "GIT_COMMITTER_NAME": GIT_NAME,
    "GIT_COMMITTER_EMAIL": GIT_EMAIL,
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
}


def git(cwd: Path, *args: str) -> str:
    """Run git in ``cwd``; fail the test with git's own message when it fails."""
    done = subprocess.run(
        ["git", *args],
        cwd=cwd,
        env={**os.environ, **GIT_ENV},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, f"git {' '.join(args)}: {done.stderr}"
    return done.stdout.strip()


def commit_all(repo: Path, message: str) -> str:
    git(repo, "add", "--all")
    git(repo, "commit", "--quiet", "--no-verify", "-m", message)
    return git(repo, "rev-parse", "HEAD")


def make_template_repo(dest: Path) -> dict[str, str]:
    """The template in a git repository with commits tagged v1 and v2; returns their shas."""
    copy_template(dest)
    git(dest, "init", "--quiet", "--initial-branch=main")
    shas = {"v1": commit_all(dest, "v1: the template as it is")}
    git(dest, "tag", "v1")
    root = dest / PROJECT
    changed = root / CHANGED
    text = changed.read_text(encoding="utf-8")
    assert text.startswith(CHANGED_OLD), "the template's .gitignore no longer starts as expected"
    changed.write_text(CHANGED_NEW + text[len(CHANGED_OLD) :], encoding="utf-8")
    with (root / APPENDED).open("a", encoding="utf-8") as handle:
        handle.write(APPENDED_LINE)
    (root / ADDED).write_text(ADDED_TEXT, encoding="utf-8")
    (root / DELETED).unlink()
    shas["v2"] = commit_all(dest, "v2: a changed line, an added file, a deleted file")
    git(dest, "tag", "v2")
    return shas


def clone_project(project: Path, dest: Path) -> Path:
    """A private copy of a baked project, its git history included."""
    shutil.copytree(project, dest, symlinks=True)
    return dest


def has_markers(text: str) -> bool:
    return any(line.startswith(MARKERS) for line in text.splitlines())


def resolve_markers(path: Path, keep: str = "ours") -> None:
    """Resolve every conflict in ``path`` by keeping one side, as a person would."""
    out, side = [], None
    for line in path.read_text(encoding="utf-8").splitlines(keepends=True):
        if line.startswith("<<<<<<< "):
            side = "ours"
        elif line.startswith("=======") and side == "ours":
            side = "theirs"
        elif line.startswith(">>>>>>> ") and side == "theirs":
            side = None
        elif side is None or side == keep:
            out.append(line)
    path.write_text("".join(out), encoding="utf-8")


def tree(root: Path, skip: Sequence[str] = (".git",)) -> dict[str, bytes]:
    """Every file under ``root`` with its bytes, leaving out ``skip`` folders."""
    return {
        str(path.relative_to(root)): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and not set(path.relative_to(root).parts) & set(skip)
    }
