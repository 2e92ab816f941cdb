"""``--install``: make ``.venv``, install the project with its dev extra, run its tests.

Each step runs with its output captured behind a spinner; a failing step is named and
the tail of its output shown. The project itself is never removed here: it was
generated correctly, and the user may want to fix the environment and retry.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import click

from .errors import GenerationError

TAIL_LINES = 25
STEP_TIMEOUT = 900  # seconds; pip on a slow network is slow, but not this slow
PROBE_TIMEOUT = 10  # seconds for an interpreter to say its version
NEWEST_MINOR = 14  # the newest Python 3 looked for as python3.N


@dataclass(frozen=True)
class Step:
    title: str
    argv: list[str]


def venv_python(project: Path) -> Path:
    if os.name == "nt":
        return project / ".venv" / "Scripts" / "python.exe"
    return project / ".venv" / "bin" / "python"


def required_python(project: Path) -> tuple[int, int]:
    """The oldest Python the project admits, from ``requires-python = ">=X.Y"``."""
    text = (project / "pyproject.toml").read_text(encoding="utf-8")
    found = re.search(r'^requires-python = ">=(\d+)\.(\d+)"', text, re.MULTILINE)
    return (int(found.group(1)), int(found.group(2))) if found else sys.version_info[:2]


def python_version_of(executable: str) -> tuple[int, int] | None:
    """What an interpreter really is: a pyenv shim or a stale link may not run at all."""
    try:
        done = subprocess.run(  # noqa: S603 - an interpreter path, no shell
            [executable, "-c", "import sys; print(*sys.version_info[:2])"],
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            timeout=PROBE_TIMEOUT,
        )
        major, minor = done.stdout.split()
        return (int(major), int(minor)) if done.returncode == 0 else None
    except (OSError, subprocess.SubprocessError, ValueError):
        return None


def find_python(minimum: tuple[int, int]) -> str | None:
    """An interpreter that satisfies ``minimum``: this one, uv's, or pythonX.Y on PATH."""
    candidates = [sys.executable]
    uv = shutil.which("uv")
    if uv:
        # Only interpreters already here: uv must not download one behind a spinner.
        env = {**_env(), "UV_PYTHON_DOWNLOADS": "never"}
        try:
            done = subprocess.run(  # noqa: S603 - fixed argv, no shell
                [uv, "python", "find", f">={minimum[0]}.{minimum[1]}"],
                capture_output=True,
                text=True,
                env=env,
                stdin=subprocess.DEVNULL,
                timeout=PROBE_TIMEOUT,
            )
            if done.returncode == 0 and done.stdout.strip():
                candidates.append(done.stdout.strip())
        except (OSError, subprocess.SubprocessError):
            pass
    for minor in range(NEWEST_MINOR, minimum[1] - 1, -1):
        found = shutil.which(f"python{minimum[0]}.{minor}")
        if found:
            candidates.append(found)
    for candidate in candidates:
        version = python_version_of(candidate)
        if version is not None and version >= minimum:
            return candidate
    return None


def plan(project: Path, interpreter: str = sys.executable) -> list[Step]:
    """The three steps, with uv when it is on PATH (much faster), else venv and pip."""
    python = str(venv_python(project))
    uv = shutil.which("uv")
    if uv:
        setup = [
            Step("Create .venv (uv)", [uv, "venv", "--quiet", "--python", interpreter, ".venv"]),
            Step(
                "Install the project with its dev extra (uv)",
                [uv, "pip", "install", "--python", python, "-e", ".[dev]"],
            ),
        ]
    else:
        setup = [
            Step("Create .venv", [interpreter, "-m", "venv", ".venv"]),
            Step(
                "Install the project with its dev extra",
                [python, "-m", "pip", "install", "-e", ".[dev]"],
            ),
        ]
    return [*setup, Step("Run the project's tests", [python, "-m", "pytest", "-q"])]


def _env() -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key != "VIRTUAL_ENV"}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


def run_step(step: Step, project: Path) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(  # noqa: S603 - fixed argv, no shell
            step.argv,
            cwd=project,
            env=_env(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=STEP_TIMEOUT,
        )
    except subprocess.TimeoutExpired as error:
        output = error.output if isinstance(error.output, str) else ""
        return subprocess.CompletedProcess(step.argv, -1, f"{output}\ntimed out", None)
    except OSError as error:
        return subprocess.CompletedProcess(step.argv, -1, str(error), None)


def install(project: Path, where: str, quiet: bool = False) -> str:
    """Run every step; return the last line of the test run, or raise naming the step."""
    from rich.console import Console

    console = Console(stderr=True, quiet=quiet, highlight=False)
    minimum = required_python(project)
    interpreter = find_python(minimum)
    if interpreter is None:
        # Stop before pip: on an older Python it backtracks through every release of
        # every dependency, looking for one that installs, and never ends.
        wanted = f"{minimum[0]}.{minimum[1]}"
        raise GenerationError(
            f"--install needs Python {wanted} or newer (requires-python), and none was "
            f"found (tried {sys.executable}, uv's Pythons and python{wanted}+ on PATH); "
            f"the project is kept at {where}"
        )
    result = None
    for step in plan(project, interpreter):
        started = time.monotonic()
        with console.status(f"{step.title}..."):
            result = run_step(step, project)
        seconds = time.monotonic() - started
        if result.returncode != 0:
            # Shown even with --quiet: the user needs it to fix the environment.
            click.secho(f"✗ {step.title} ({seconds:.1f}s), last lines of its output:", err=True)
            tail = (result.stdout or "").rstrip().splitlines()[-TAIL_LINES:]
            click.echo("\n".join(f"  {line}" for line in tail), err=True)
            raise GenerationError(
                f"--install failed at step {step.title!r} (exit status {result.returncode}); "
                f"the project is kept at {where}"
            )
        console.print(f"[green]✓[/] {step.title} [dim]({seconds:.1f}s)[/]")
    lines = (result.stdout if result else "").strip().splitlines()
    return lines[-1].strip("= ") if lines else "tests passed"
