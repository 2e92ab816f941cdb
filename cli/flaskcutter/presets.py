"""Read a team preset: a TOML file whose top-level keys are template keys.

    layout = "blueprints"
    database = "postgresql"
    deployment = "gunicorn-nginx"
    license = "Proprietary"
    author_name = "Platform Team"

The types are checked here, because TOML has its own (``python_version = 3.12`` is a
float); the values are checked later by the template's rules, like any other answer.
"""

from __future__ import annotations

import os
import stat
import tomllib
from pathlib import Path
from typing import Any

from .errors import InputError, printable
from .template import Template


def _type_error(template: Template, key: str, value: object) -> str | None:
    kind = template.kind(key)
    if kind == "boolean" and not isinstance(value, bool):
        return "it must be true or false (a TOML boolean, without quotes)"
    if kind == "choice" and not isinstance(value, str):
        quoted = ", ".join(f'"{choice}"' for choice in template.choices(key))
        return f"it must be a quoted string, one of {quoted}"
    if kind == "text" and not isinstance(value, str):
        return "it must be a quoted string"
    return None


# A preset is a handful of lines; the cap only keeps /dev/zero or a sparse file of
# gigabytes from filling memory. It is checked before and while reading.
MAX_PRESET_BYTES = 1024 * 1024
BOM = "\ufeff"


def _kind(mode: int) -> str:
    kinds = {
        stat.S_ISDIR: "a directory",
        stat.S_ISFIFO: "a named pipe",
        stat.S_ISCHR: "a character device",
        stat.S_ISBLK: "a block device",
        stat.S_ISSOCK: "a socket",
    }
    return next((name for test, name in kinds.items() if test(mode)), "not a regular file")


def read_preset(path: Path) -> str:
    """The text of the preset file: a regular file, at most MAX_PRESET_BYTES, UTF-8.

    O_NONBLOCK makes opening a FIFO return at once instead of waiting for a writer;
    fstat then judges the file that was opened, not whatever the path names later.
    """
    shown = printable(str(path), limit=200)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as error:
        raise InputError(f"preset {shown}: cannot read it: {error.strerror}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise InputError(
                f"preset {shown}: it must be a regular file, not {_kind(info.st_mode)}"
            )
        too_big = f"preset {shown}: it is larger than {MAX_PRESET_BYTES // 1024} KiB"
        if info.st_size > MAX_PRESET_BYTES:
            raise InputError(too_big)
        chunks, size = [], 0
        while chunk := os.read(fd, 65536):
            chunks.append(chunk)
            size += len(chunk)
            if size > MAX_PRESET_BYTES:  # it grew while being read
                raise InputError(too_big)
    except OSError as error:
        raise InputError(f"preset {shown}: cannot read it: {error.strerror}") from None
    finally:
        os.close(fd)
    try:
        text = b"".join(chunks).decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(f"preset {shown}: it is not UTF-8 text") from None
    # Some Windows editors start UTF-8 files with a byte order mark, which TOML forbids.
    return text.removeprefix(BOM)


def load_preset(path: Path, template: Template) -> dict[str, Any]:
    """Return the preset's answers, or refuse the file naming the key and the rule."""
    text = read_preset(path)
    shown = printable(str(path), limit=200)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise InputError(f"preset {shown}: not valid TOML: {error}") from None
    except RecursionError:
        # tomllib parses nested arrays and tables recursively; [[[[...]]]] runs out.
        raise InputError(f"preset {shown}: not valid TOML: it is nested too deeply") from None
    for key, value in data.items():
        if key not in template.keys:
            raise InputError(
                f"preset {shown}: unknown key {printable(repr(key))}; "
                f"known keys: {', '.join(template.keys)}"
            )
        problem = _type_error(template, key, value)
        if problem:
            raise InputError(
                f"preset {shown}: {key} = {printable(repr(value))} is invalid: {problem}"
            )
    return data
