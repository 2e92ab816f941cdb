"""Git: author defaults from the user's config, and a first commit in a new project."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from . import __version__
from .errors import GenerationError

# Set when flaskcutter runs inside a git hook; they would point git at another repo.
_REPO_OVERRIDES = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY")


def git_path() -> str | None:
    return shutil.which("git")


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in _REPO_OVERRIDES}


def _git(args: list[str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    git = git_path() or "git"
    return subprocess.run(  # noqa: S603 - fixed argv, no shell
        [git, *args],
        cwd=cwd,
        env=_env(),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )


def config_value(name: str, cwd: Path | None = None) -> str | None:
    """``git config --get NAME``, or None when git or the setting is missing."""
    if git_path() is None:
        return None
    try:
        result = _git(["config", "--get", name], cwd=cwd)
    except (OSError, subprocess.SubprocessError):
        return None
    value = result.stdout.strip()
    return value if result.returncode == 0 and value else None


# Template keys whose default is taken from the user's git identity.
AUTHOR_SETTINGS = {"author_name": "user.name", "author_email": "user.email"}


def author_defaults() -> dict[str, str]:
    """The author name and e-mail that git would put on a commit, where set.

    One ``git config --get-regexp`` for both settings: every git process is a few
    milliseconds of a `new` that is held to cookiecutter's own cost.
    """
    if git_path() is None:
        return {}
    pattern = "^(" + "|".join(re.escape(name) for name in AUTHOR_SETTINGS.values()) + ")$"
    try:
        # -z: a value may hold a newline; each entry is "name\nvalue\0".
        result = _git(["config", "-z", "--get-regexp", pattern])
    except (OSError, subprocess.SubprocessError):
        return {}
    settings: dict[str, str] = {}
    for entry in result.stdout.split("\0") if result.returncode == 0 else []:
        name, _, value = entry.partition("\n")
        settings[name] = value.strip()  # the last one wins, as with `git config --get`
    found = {key: settings.get(setting) for key, setting in AUTHOR_SETTINGS.items()}
    return {key: value for key, value in found.items() if value}


def clean_head(repo: Path, parts: Sequence[str]) -> str | None:
    """HEAD of the repository rooted at ``repo``, if ``parts`` of it are all committed.

    None when ``repo`` is not a repository's root (a template copied into some other
    repository must not record that one's commit), when git is missing, or when any of
    ``parts`` has uncommitted or untracked changes. One ``git status`` answers all three
    questions: ``--branch`` adds HEAD's commit to the porcelain output.
    """
    # The root of a work tree is where its .git (a folder, or a file for a worktree) is.
    if git_path() is None or not os.path.lexists(repo / ".git"):
        return None
    try:
        result = _git(["status", "--porcelain=v2", "--branch", "--", *parts], cwd=repo)
    except (OSError, subprocess.SubprocessError):
        return None
    if result.returncode != 0:
        return None
    head = None
    for line in result.stdout.splitlines():
        if not line.startswith("# "):
            return None  # a changed or untracked file among the parts
        if line.startswith("# branch.oid "):
            head = line.removeprefix("# branch.oid ").strip()
    return head if head and re.fullmatch("[0-9a-f]{40,64}", head) else None


def commit_message(answers: Mapping[str, Any]) -> str:
    return (
        f"Create {answers['project_slug']} with flaskcutter {__version__}\n\n"
        f"Layout {answers['layout']}; the answers are in .flaskcutter.json."
    )


def init_and_commit(project: Path, answers: Mapping[str, Any]) -> None:
    """``git init`` and one commit of everything not ignored (so never ``.env``)."""
    identity: list[str] = []
    # Without a configured identity git refuses to commit; fall back to the author.
    if config_value("user.name", cwd=project) is None:
        identity += ["-c", f"user.name={answers.get('author_name') or 'flaskcutter'}"]
    if config_value("user.email", cwd=project) is None:
        identity += ["-c", f"user.email={answers.get('author_email') or 'flaskcutter@localhost'}"]
    # --no-verify: the user's global commit hooks are not meant for a generated tree,
    # and one that fails would throw the whole project away.
    steps = {
        "init": ["init", "--quiet"],
        "add": ["add", "--all"],
        "commit": [*identity, "commit", "--quiet", "--no-verify", "-m", commit_message(answers)],
    }
    for step, args in steps.items():
        try:
            result = _git(args, cwd=project)
        except (OSError, subprocess.SubprocessError) as error:
            raise GenerationError(f"git {step} failed: {error}; retry with --no-git") from None
        if result.returncode != 0:
            lines = (result.stderr or result.stdout).strip().splitlines() or ["no output"]
            raise GenerationError(f"git {step} failed: {lines[-1]}; retry with --no-git")
