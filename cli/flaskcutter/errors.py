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
