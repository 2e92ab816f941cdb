"""What `flaskcutter new` prints: notices, the dry-run tree, the summary, next steps."""

from __future__ import annotations

import os
import shlex
from collections.abc import Iterable, Mapping
from pathlib import Path, PurePosixPath
from typing import Any

import click

from .errors import printable


def display_path(path: Path) -> str:
    """``path`` relative to the working directory when it is below it, else absolute."""
    try:
        return str(path.relative_to(Path.cwd()))
    except (ValueError, OSError):  # OSError: the working directory was deleted
        return str(path)


def notice(message: str) -> None:
    click.secho(message, err=True, fg="yellow")


def tree(root: str, paths: Iterable[str]) -> list[str]:
    """Indent relative paths (``a/``, ``a/b.py``) under ``root/``, directories first."""

    def order(path: str) -> tuple[tuple[bool, str], ...]:
        parts = PurePosixPath(path).parts
        # A part is a directory when it is not the last one or the path ends with "/".
        return tuple(
            (not (i < len(parts) - 1 or path.endswith("/")), part) for i, part in enumerate(parts)
        )

    lines = [f"{root}/"]
    for path in sorted(paths, key=order):
        depth = len(PurePosixPath(path).parts)
        lines.append(
            "    " * depth + PurePosixPath(path).name + ("/" if path.endswith("/") else "")
        )
    return lines


def answers_table(answers: Mapping[str, Any]) -> list[str]:
    width = max(len(key) for key in answers)
    shown = {True: "true", False: "false"}
    # Answers are user text: a newline or an escape sequence must not reach the terminal.
    return [
        f"  {key.ljust(width)}  "
        + (shown[value] if isinstance(value, bool) else printable(str(value), limit=10**6))
        for key, value in answers.items()
    ]


def next_steps(template_finish: Any, answers: Mapping[str, Any], target: Path) -> str:
    """The post hook's own next steps, with ``cd`` pointing at where the project went."""
    where = display_path(target)
    return str(template_finish.next_steps(answers, where=shlex.quote(where)))


def flask_commands(steps: str) -> list[str]:
    """The ``flask ...`` lines of the next steps (what is left after --install)."""
    return [line.strip() for line in steps.splitlines() if line.strip().startswith("flask ")]


def activate_command() -> str:
    return r".venv\Scripts\activate" if os.name == "nt" else ". .venv/bin/activate"
