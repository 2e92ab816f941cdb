"""Interactive `new`: only missing answers are asked, and a bad answer is asked again."""

from __future__ import annotations

from pathlib import Path

import pytest
from flaskcutter import prompts

from .cli_support import Sandbox, answers, invoke, isolate


@pytest.fixture(autouse=True)
def box(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Sandbox:
    box = isolate(tmp_path, monkeypatch)
    monkeypatch.setattr(prompts, "stdin_is_interactive", lambda: True)
    return box


def test_enter_everywhere_gives_the_defaults(box: Sandbox) -> None:
    result = invoke(["new", "--no-git"], input="Blog\n" + "\n" * 20)
    assert result.exit_code == 0, result.output
    assert "Project name (human readable)" in result.stdout
    assert "(blueprints, single) [blueprints]" in result.stdout  # choices are shown
    assert "directory blog, package blog" in result.stdout
    recorded = answers(box.work / "blog")
    assert recorded["layout"] == "blueprints"
    assert recorded["author_name"] == "Ada Tester"  # the git identity is the default


def test_given_answers_are_not_asked_again(box: Sandbox) -> None:
    args = ["new", "Blog", "--no-git", "--layout", "single", "--db", "none", "--no-deploy"]
    result = invoke(args, input="\n" * 20)
    assert result.exit_code == 0, result.output
    for asked in ("One-line description", "Licence"):
        assert asked in result.stdout
    for skipped in ("Project name", "Layout", "SQLAlchemy", "Database backend", "Flask-Migrate"):
        assert skipped not in result.stdout
    assert answers(box.work / "blog")["layout"] == "single"


def test_a_rejected_name_is_asked_again(box: Sandbox) -> None:
    result = invoke(["new", "--no-git"], input="Flask\n{{ 7*7 }}\nBlog\n" + "\n" * 20)
    assert result.exit_code == 0, result.output
    assert 'package_name "flask" is invalid' in result.stderr
    assert 'project_name "{{ 7*7 }}" is invalid' in result.stderr
    assert result.stdout.count("Project name (human readable)") == 3
    assert (box.work / "blog").is_dir()


def test_a_rejected_choice_or_email_is_asked_again(box: Sandbox) -> None:
    # description, author name, e-mail (bad, then good), version, python, layout (bad, good)
    typed = "\n\nnobody\nme@example.com\n\n\ngrid\nsingle\n" + "\n" * 20
    result = invoke(["new", "Blog", "--no-git"], input=typed)
    assert result.exit_code == 0, result.output
    assert 'author_email "nobody" is invalid' in result.stderr
    recorded = answers(box.work / "blog")
    assert (recorded["author_email"], recorded["layout"]) == ("me@example.com", "single")


def test_no_database_skips_the_database_questions(box: Sandbox) -> None:
    # description .. layout take defaults (6 answers), then "n" for SQLAlchemy.
    result = invoke(["new", "Blog", "--no-git"], input="\n" * 6 + "n\n" + "\n" * 20)
    assert result.exit_code == 0, result.output
    assert "Database backend" not in result.stdout
    assert "Flask-Migrate" not in result.stdout
    recorded = answers(box.work / "blog")
    assert (recorded["use_sqlalchemy"], recorded["use_migrate"]) == (False, False)


def test_typed_text_stays_text(box: Sandbox) -> None:
    result = invoke(["new", "Blog", "--no-git"], input="{{ 7*7 }}\n" + "\n" * 20)
    assert result.exit_code == 0, result.output
    assert answers(box.work / "blog")["description"] == "{{ 7*7 }}"


def test_no_input_never_prompts(box: Sandbox) -> None:
    result = invoke(["new", "Blog", "--no-git", "--no-input"], input="")
    assert result.exit_code == 0, result.output
    assert "Project name" not in result.stdout


def test_a_name_whose_directory_exists_is_asked_again(box: Sandbox) -> None:
    (box.work / "blog").mkdir()
    result = invoke(["new", "--no-git"], input="Blog\nBlog Two\n" + "\n" * 20)
    assert result.exit_code == 0, result.output
    assert "already exists" in result.stderr
    assert list((box.work / "blog").iterdir()) == []
    assert (box.work / "blog-two").is_dir()


def test_an_explicit_name_whose_directory_exists_is_refused_before_any_question(
    box: Sandbox,
) -> None:
    (box.work / "blog").mkdir()
    result = invoke(["new", "Blog", "--no-git"], input="\n" * 20)
    assert result.exit_code == 1
    assert "already exists" in result.stderr
    assert "description" not in result.stdout


def test_a_real_terminal_gets_the_questions(box: Sandbox) -> None:
    import os
    import pty
    import select
    import subprocess
    import time

    from .cli_support import script

    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [script(), "new", "--no-git", "--layout", "single"],
        cwd=box.work,
        env={**os.environ, **box.env()},
        stdin=slave,
        stdout=slave,
        stderr=slave,
        close_fds=True,
    )
    os.close(slave)
    # Enter for every other question, however many the template asks.
    os.write(master, b"Blog\n" + b"\n" * 20)
    seen, deadline = b"", time.monotonic() + 60
    while time.monotonic() < deadline:  # a missing answer must fail, not hang
        if not select.select([master], [], [], 1)[0]:
            continue
        try:
            chunk = os.read(master, 4096)
        except OSError:  # EIO: the program has exited and closed the terminal
            break
        if not chunk:
            break
        seen += chunk
    os.close(master)
    if proc.poll() is None:
        proc.kill()
    assert proc.wait(timeout=60) == 0, seen.decode(errors="replace")
    assert b"Project name (human readable)" in seen
    assert answers(box.work / "blog")["layout"] == "single"
