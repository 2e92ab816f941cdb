"""The two ways `flaskcutter` fails, each a one-line message with its own exit code.

Exit code 2 means the user can fix the command line, preset or answers; exit code 1
means the world got in the way (an existing path, a failing hook, git or pip).
"""

from __future__ import annotations

from typing import IO, Any

import click


class FlaskcutterError(click.ClickException):
    """A user-facing error: printed as ``error: <message>``, red on a terminal."""

    exit_code = 1

    def show(self, file: IO[Any] | None = None) -> None:
        # click.echo strips the colour when the stream is not a terminal.
        for line in self.format_message().splitlines() or [""]:
            click.echo(f"{click.style('error:', fg='red', bold=True)} {line}", err=True)


class InputError(FlaskcutterError):
    """A bad option, preset or answer. Nothing has been written."""

    exit_code = 2


class GenerationError(FlaskcutterError):
    """Generation could not finish. Whatever was written has been removed."""

    exit_code = 1


class Stopped(FlaskcutterError):
    """A signal ended the run (Ctrl-C, kill, a closed terminal). Nothing was written.

    The exit code is the shell's for a death by that signal (130 for SIGINT, 143 for
    SIGTERM), so scripts see the run as interrupted, not as a failed generation.
    """

    def __init__(self, message: str, signum: int) -> None:
        super().__init__(message)
        self.exit_code = 128 + signum


def describe(error: BaseException) -> str:
    """``TypeName: message`` on one line, for an exception raised by code we do not own."""
    return printable(" ".join(f"{type(error).__name__}: {error}".split()), limit=300)


def printable(text: str, limit: int = 60) -> str:
    """``text`` made fit for a one-line message: escaped where it does not print, cut short.

    User input reaches messages through --set, NAME and presets; a newline, a bidi
    override or 4,000 characters must not turn one error line into something else.
    """
    shown = "".join(
        ch if ch.isprintable() else ch.encode("unicode_escape", "backslashreplace").decode()
        for ch in text
    )
    return shown if len(shown) <= limit else f"{shown[: limit - 3]}..."
