"""Helpers for the `flaskcutter` CLI tests: isolation, invocation, snapshots, templates."""

from __future__ import annotations

import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from flaskcutter.cli import main

from ..conftest import BIN, REPO

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SCRIPT = BIN / "flaskcutter"
TEMPLATE_PARTS = (
    "cookiecutter.json",
    "local_extensions.py",
    "hooks",
    "{{cookiecutter.project_slug}}",
)
GIT_NAME, GIT_EMAIL = "Ada Tester", "ada@example.com"


@dataclass(frozen=True)
class Sandbox:
    """A private home, git config, system temp dir and working directory for one test."""

    root: Path
    home: Path
    work: Path
    systmp: Path
    gitconfig: Path

    def env(self, **extra: str) -> dict[str, str]:
        """The same isolation as environment variables, for subprocesses."""
        return {
            "HOME": str(self.home),
            "GIT_CONFIG_GLOBAL": str(self.gitconfig),
            "GIT_CONFIG_NOSYSTEM": "1",
            "TMPDIR": str(self.systmp),
            **extra,
        }


def isolate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Sandbox:
    """Run the CLI as a user whose git identity, home and temp dir belong to this test."""
    box = Sandbox(
        root=tmp_path,
        home=tmp_path / "home",
        work=tmp_path / "work",
        systmp=tmp_path / "systmp",
        gitconfig=tmp_path / "home" / ".gitconfig",
    )
    for path in (box.home, box.work, box.systmp):
        path.mkdir()
    box.gitconfig.write_text(f"[user]\n\tname = {GIT_NAME}\n\temail = {GIT_EMAIL}\n")
    for key, value in box.env().items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("FLASKCUTTER_TEMPLATE", raising=False)
    # A user's Python writes bytecode, so the CLI under test must too: otherwise a
    # __pycache__ it leaves in the template would go unseen by the snapshots.
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    monkeypatch.delenv("PYTHONDONTWRITEBYTECODE", raising=False)
    monkeypatch.setattr(tempfile, "tempdir", str(box.systmp))
    monkeypatch.chdir(box.work)
    return box


def invoke(args: Sequence[str], input: str | None = None, **env: str) -> Result:
    """Run `flaskcutter ARGS` in-process; stdin is not a terminal, so no prompts."""
    return CliRunner().invoke(main, list(args), input=input, env=env or None)


def answers(project: Path) -> dict[str, Any]:
    return json.loads((project / ".flaskcutter.json").read_text(encoding="utf-8"))


def snapshot(root: Path) -> dict[str, tuple[str, int, bytes]]:
    """Every path under ``root`` (hidden ones too) with its type, mode and content."""
    found = {}
    for path in [root, *root.rglob("*")]:
        info = path.lstat()
        if stat.S_ISLNK(info.st_mode):
            content = os.readlink(path).encode()
        elif stat.S_ISREG(info.st_mode):
            content = path.read_bytes()
        else:
            content = b""
        found[str(path.relative_to(root))] = (stat.filemode(info.st_mode), info.st_size, content)
    return found


def assert_refused(result: Result, code: int, *needles: str) -> None:
    """One clear error line naming the value: right exit code, no traceback."""
    assert result.exit_code == code, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: "), lines
    assert "Traceback" not in result.output
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])


def copy_template(dest: Path, post_hook: str | None = None) -> Path:
    """A copy of the real template, optionally with a test-only post hook from fixtures/."""
    dest.mkdir(parents=True)
    for part in TEMPLATE_PARTS:
        source = REPO / part
        if source.is_dir():
            shutil.copytree(source, dest / part, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, dest / part)
    if post_hook is not None:
        shutil.copy2(FIXTURES / post_hook, dest / "hooks" / "post_gen_project.py")
    return dest


def script() -> Path:
    """The installed console script; the CLI tests need `pip install -e .` first."""
    if not SCRIPT.exists():
        pytest.fail(f"{SCRIPT} is missing: run `pip install -e .` in this venv", pytrace=False)
    return SCRIPT


def spawn_new(
    box: Sandbox, template: Path, marker: Path, *args: str, **extra_env: str
) -> subprocess.Popen[str]:
    """Start the installed `flaskcutter new` on a test template, for signal tests.

    The template's hooks touch ``marker`` when they reach the point under test.
    """
    env = {
        **os.environ,
        **box.env(FLASKCUTTER_TEMPLATE=str(template), FLASKCUTTER_TEST_MARKER=str(marker)),
        **extra_env,
    }
    return subprocess.Popen(
        [script(), "new", *args],
        cwd=box.work,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as a shell job would have
        # A shell starts background jobs with SIGINT ignored, and an ignored signal
        # stays ignored across exec; a real terminal's flaskcutter hears Ctrl-C.
        preexec_fn=_default_sigint,
    )


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def signal_and_wait(proc: subprocess.Popen[str], signum: int) -> str:
    """Deliver ``signum`` as a user would, wait for the CLI to exit, return its stderr."""
    try:
        if signum == signal.SIGINT:
            os.killpg(proc.pid, signum)  # Ctrl-C reaches the whole foreground group
        else:
            os.kill(proc.pid, signum)  # `kill PID` reaches flaskcutter alone
        return proc.communicate(timeout=30)[1]
    finally:
        if proc.poll() is None:
            proc.kill()
