"""`--git`: one commit of the new project, never of its secrets."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from .cli_support import GIT_EMAIL, GIT_NAME, Sandbox, assert_refused, invoke, isolate, snapshot


@pytest.fixture(autouse=True)
def box(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Sandbox:
    return isolate(tmp_path, monkeypatch)


def git(project: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=project, capture_output=True, text=True, check=True
    ).stdout


def test_git_is_on_by_default_with_one_commit_and_no_secrets(box: Sandbox) -> None:
    result = invoke(["new", "Blog"])
    assert result.exit_code == 0, result.output
    project = box.work / "blog"
    assert git(project, "rev-list", "--count", "HEAD").strip() == "1"
    tracked = git(project, "ls-files").splitlines()
    assert ".env" not in tracked
    assert (project / ".env").is_file()
    assert {".env.example", ".flaskcutter.json", "pyproject.toml"} <= set(tracked)
    assert git(project, "status", "--porcelain") == ""
    assert "Create blog with flaskcutter" in git(project, "log", "-1", "--format=%s")
    assert git(project, "log", "-1", "--format=%an <%ae>").strip() == f"{GIT_NAME} <{GIT_EMAIL}>"


def test_without_a_git_identity_the_author_answers_sign_the_commit(box: Sandbox) -> None:
    box.gitconfig.write_text("")
    result = invoke(["new", "Blog", "--set", "author_name=Zoë O'Hara"])
    assert result.exit_code == 0, result.output
    author = git(box.work / "blog", "log", "-1", "--format=%an <%ae>").strip()
    assert author == "Zoë O'Hara <you@example.com>"


def test_no_git_makes_no_repository(box: Sandbox) -> None:
    result = invoke(["new", "Blog", "--no-git"])
    assert result.exit_code == 0, result.output
    assert not (box.work / "blog" / ".git").exists()


def test_a_failing_commit_leaves_nothing(box: Sandbox) -> None:
    # Commit signing with a "gpg" that always fails makes `git commit` fail.
    box.gitconfig.write_text(
        f"[user]\n\tname = {GIT_NAME}\n\temail = {GIT_EMAIL}\n"
        "[commit]\n\tgpgsign = true\n[gpg]\n\tprogram = false\n"
    )
    before = snapshot(box.work)
    assert_refused(invoke(["new", "Blog"]), 1, "git commit failed", "--no-git")
    assert snapshot(box.work) == before
    assert list(box.systmp.iterdir()) == []
