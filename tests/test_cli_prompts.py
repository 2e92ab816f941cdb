"""Interactive `new`: only missing answers are asked, and a bad answer is asked again."""

from __future__ import annotations

import fcntl
import os
import select
import subprocess
import termios
import time
from pathlib import Path

import click
import pytest
from flaskcutter import prompts
from flaskcutter.template import load_template

from .cli_support import Sandbox, answers, invoke, isolate, script


@pytest.fixture(autouse=True)
def box(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Sandbox:
    box = isolate(tmp_path, monkeypatch)
    monkeypatch.setattr(prompts, "stdin_is_interactive", lambda: True)
    return box


def all_answered_but(*keys: str) -> list[str]:
    """--set for every key's default except ``keys`` and the names, so only those are asked."""
    template = load_template()
    sets = []
    for key in template.keys:
        if key in keys or key in {"project_name", "project_slug", "package_name"}:
            continue
        default = template.default(key)
        shown = str(default).lower() if isinstance(default, bool) else str(default)
        sets += ["--set", f"{key}={shown}"]
    return sets


class Terminal:
    """`flaskcutter` on a pseudo-terminal of its own, as a person runs it: its
    controlling terminal, so Ctrl-C typed there is a SIGINT from the line discipline."""

    def __init__(self, args: list[str], cwd: Path, env: dict[str, str]) -> None:
        self.master, slave = os.openpty()

        def take_terminal() -> None:  # in the child, after setsid (start_new_session)
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)

        self.proc = subprocess.Popen(  # noqa: S603 - our own script, fixed argv
            [str(script()), *args],
            cwd=cwd,
            env={**os.environ, **env},
            stdin=slave,
            stdout=slave,
            stderr=slave,
            start_new_session=True,
            preexec_fn=take_terminal,  # noqa: PLW1509 - no threads touch this fork
        )
        os.close(slave)
        self.seen = b""

    def read_until(self, needle: bytes, timeout: float = 60) -> bool:
        """Read output until ``needle`` appears (True) or the program ends (False)."""
        deadline = time.monotonic() + timeout  # a missing answer must fail, not hang
        while needle not in self.seen and time.monotonic() < deadline:
            if not select.select([self.master], [], [], 1)[0]:
                continue
            try:
                chunk = os.read(self.master, 4096)
            except OSError:  # EIO: the program has exited and closed the terminal
                break
            if not chunk:
                break
            self.seen += chunk
        return needle in self.seen

    def type(self, keys: bytes) -> None:
        os.write(self.master, keys)

    def interrupt(self) -> None:
        """Type Ctrl-C once the program waits on the terminal, as a person would.

        A SIGINT in the instant between printing a question and reading the answer is
        caught by Python but not seen by the read() that follows, which then waits; no
        one types that fast, so the test waits until the program sleeps: once the
        question is on screen, the only thing it sleeps on is the read.
        """
        stat = Path(f"/proc/{self.proc.pid}/stat")
        deadline = time.monotonic() + 30
        # "pid (comm) state ...": comm may hold spaces, so split after ")".
        while stat.read_text().rsplit(")", 1)[1].split()[0] != "S":
            if time.monotonic() > deadline:
                break
            time.sleep(0.05)
        self.type(b"\x03")  # Ctrl-C: the terminal turns it into SIGINT

    def finish(self) -> int:
        self.read_until(b"\0never printed\0")
        os.close(self.master)
        if self.proc.poll() is None:
            self.proc.kill()
        return self.proc.wait(timeout=60)

    def text(self) -> str:
        return self.seen.decode(errors="replace")


def test_enter_everywhere_gives_the_defaults(box: Sandbox) -> None:
    result = invoke(["new", "--no-git"], input="Blog\n" + "\n" * 30)
    assert result.exit_code == 0, result.output
    assert "Project name (human readable)" in result.stdout
    assert "Database backend (sqlite, postgresql) [sqlite]" in result.stdout
    assert "directory blog, package blog" in result.stdout
    recorded = answers(box.work / "blog")
    assert recorded["layout"] == "blueprints"
    assert recorded["author_name"] == "Ada Tester"  # the git identity is the default


def test_choices_are_listed_once_and_read_in_any_case(box: Sandbox) -> None:
    result = invoke(
        ["new", "Blog", "--no-git", *all_answered_but("layout", "license")],
        input="SINGLE\napache-2.0\n\n",
    )
    assert result.exit_code == 0, result.output
    # The layout's question names both choices already; the licence's lists them.
    (layout,) = [line for line in result.stdout.splitlines() if "Layout:" in line]
    assert layout.count("single") == 1, layout
    assert "(MIT, BSD-3-Clause, Apache-2.0, Proprietary) [MIT]" in result.stdout
    recorded = answers(box.work / "blog")
    assert (recorded["layout"], recorded["license"]) == ("single", "Apache-2.0")


def test_a_summary_comes_before_writing_and_no_writes_nothing(box: Sandbox) -> None:
    args = ["new", "Blog", "--no-git", *all_answered_but("description")]
    result = invoke(args, input="A blog.\nn\n")
    assert result.exit_code == 1, result.output
    summary = result.stdout.split("Answers:", 1)[1]
    assert "description" in summary and "A blog." in summary
    assert "Create blog/ with these answers? [Y/n]" in result.stdout
    assert "cancelled: nothing was written" in result.stderr
    assert list(box.work.iterdir()) == []


def test_given_answers_are_not_asked_again(box: Sandbox) -> None:
    args = ["new", "Blog", "--no-git", "--layout", "single", "--db", "none", "--no-deploy"]
    result = invoke(args, input="\n" * 30)
    assert result.exit_code == 0, result.output
    for asked in ("One-line description", "Licence"):
        assert asked in result.stdout
    for skipped in ("Project name", "Layout", "SQLAlchemy", "Database backend", "Flask-Migrate"):
        assert skipped not in result.stdout
    assert answers(box.work / "blog")["layout"] == "single"


def test_nothing_to_ask_means_no_confirmation(box: Sandbox) -> None:
    result = invoke(["new", "Blog", "--no-git", *all_answered_but()], input="")
    assert result.exit_code == 0, result.output
    assert "with these answers?" not in result.stdout


def test_a_bad_package_name_asks_for_the_package_name(box: Sandbox) -> None:
    # "Flask" makes the package `flask`, which the rules refuse; so does typing it.
    result = invoke(["new", "--no-git"], input="Flask\nflask\nflask_blog\n" + "\n" * 30)
    assert result.exit_code == 0, result.output
    assert result.stderr.count('package_name "flask" is invalid') == 2
    assert result.stdout.count("Project name (human readable)") == 1
    assert result.stdout.count("Python import name") == 2
    recorded = answers(box.work / "flask")
    assert (recorded["project_name"], recorded["package_name"]) == ("Flask", "flask_blog")


def test_a_bad_package_name_from_the_command_line_is_asked_for_too(box: Sandbox) -> None:
    result = invoke(["new", "Flask", "--no-git"], input="flask_blog\n" + "\n" * 30)
    assert result.exit_code == 0, result.output
    assert 'package_name "flask" is invalid' in result.stderr
    assert answers(box.work / "flask")["package_name"] == "flask_blog"


def test_a_rejected_project_name_is_asked_again(box: Sandbox) -> None:
    result = invoke(["new", "--no-git"], input="{{ 7*7 }}\nBlog\n" + "\n" * 30)
    assert result.exit_code == 0, result.output
    assert 'project_name "{{ 7*7 }}" is invalid' in result.stderr
    assert result.stdout.count("Project name (human readable)") == 2
    assert (box.work / "blog").is_dir()


def test_every_rejected_answer_has_the_same_style(box: Sandbox) -> None:
    # e-mail (bad, good), layout (bad, good), SQLAlchemy (bad, good), then the summary.
    keys = ("author_email", "layout", "use_sqlalchemy")
    typed = "nobody\nme@example.com\ngrid\nsingle\nmaybe\nn\nperhaps\ny\n"
    result = invoke(["new", "Blog", "--no-git", *all_answered_but(*keys)], input=typed)
    assert result.exit_code == 0, result.output
    refused = [line for line in result.stderr.splitlines() if not line.startswith("note:")]
    assert refused == [
        "  author_email \"nobody\" is invalid: use an address such as 'you@example.com'",
        '  layout "grid" is invalid: choose one of blueprints, single',
        '  use_sqlalchemy "maybe" is invalid: it must be true or false',
        '  answer "perhaps" is invalid: type y or n',
    ]
    assert "Error:" not in result.output  # none of click's own messages
    recorded = answers(box.work / "blog")
    assert (recorded["author_email"], recorded["layout"]) == ("me@example.com", "single")
    assert recorded["use_sqlalchemy"] is False


def test_no_database_skips_the_database_questions(box: Sandbox) -> None:
    result = invoke(
        ["new", "Blog", "--no-git", *all_answered_but("use_sqlalchemy", "database", "use_migrate")],
        input="n\n\n",
    )
    assert result.exit_code == 0, result.output
    assert "Database backend" not in result.stdout
    assert "Flask-Migrate" not in result.stdout
    recorded = answers(box.work / "blog")
    assert (recorded["use_sqlalchemy"], recorded["use_migrate"]) == (False, False)


def test_typed_text_stays_text(box: Sandbox) -> None:
    result = invoke(["new", "Blog", "--no-git"], input="{{ 7*7 }}\n" + "\n" * 30)
    assert result.exit_code == 0, result.output
    assert answers(box.work / "blog")["description"] == "{{ 7*7 }}"


def test_no_input_never_prompts(box: Sandbox) -> None:
    result = invoke(["new", "Blog", "--no-git", "--no-input"], input="")
    assert result.exit_code == 0, result.output
    assert "Project name" not in result.stdout


def test_a_name_whose_directory_exists_asks_for_the_directory(box: Sandbox) -> None:
    (box.work / "blog").mkdir()
    result = invoke(["new", "--no-git"], input="Blog\nblog-two\n" + "\n" * 30)
    assert result.exit_code == 0, result.output
    assert "already exists" in result.stderr
    assert "Directory and distribution name" in result.stdout
    assert list((box.work / "blog").iterdir()) == []
    assert answers(box.work / "blog-two")["project_name"] == "Blog"


def test_an_explicit_name_whose_directory_exists_is_refused_before_any_question(
    box: Sandbox,
) -> None:
    (box.work / "blog").mkdir()
    result = invoke(["new", "Blog", "--no-git"], input="\n" * 30)
    assert result.exit_code == 1
    assert "already exists" in result.stderr
    assert "description" not in result.stdout


def test_a_real_terminal_gets_the_questions(box: Sandbox) -> None:
    terminal = Terminal(
        ["new", "Blog", "--no-git", *all_answered_but("layout")], box.work, box.env()
    )
    assert terminal.read_until(b"Layout:"), terminal.text()
    terminal.type(b"single\n")
    assert terminal.read_until(b"with these answers?"), terminal.text()
    terminal.type(b"\n")
    assert terminal.finish() == 0, terminal.text()
    assert answers(box.work / "blog")["layout"] == "single"


def test_ctrl_c_at_a_question_exits_130_and_writes_nothing(box: Sandbox) -> None:
    for stop_at in (b"Layout:", b"with these answers?"):
        terminal = Terminal(
            ["new", "Blog", "--no-git", *all_answered_but("layout")], box.work, box.env()
        )
        assert terminal.read_until(b"Layout:"), terminal.text()
        if stop_at != b"Layout:":
            terminal.type(b"\n")
            assert terminal.read_until(stop_at), terminal.text()
        terminal.interrupt()
        assert terminal.finish() == 130, (stop_at, terminal.text())
        lines = click.unstyle(terminal.text()).splitlines()
        assert lines[-1] == "error: interrupted: nothing was written", lines
        assert "Traceback" not in terminal.text()
        assert list(box.work.iterdir()) == [], stop_at


def test_input_that_ends_early_writes_nothing(box: Sandbox) -> None:
    result = invoke(["new", "--no-git"], input="Blog\n")
    assert result.exit_code == 1, result.output
    assert result.stderr.strip().endswith(
        "input ended before the questions did: nothing was written"
    )
    assert list(box.work.iterdir()) == []
