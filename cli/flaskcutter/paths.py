"""Checks on the output directory and the target, made before anything is written."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from .errors import GenerationError, InputError, printable

STAGING_PREFIX = ".flaskcutter-"


def absolute(path: Path) -> Path:
    # abspath, not resolve: a symlinked output directory is the user's choice to keep.
    # Checked even for an absolute path: cookiecutter returns to the working directory
    # after every hook, and would fail there with a message that names no path.
    try:
        cwd = os.getcwd()
    except FileNotFoundError:
        # The shell's PWD still names the directory that was deleted under it.
        gone = printable(os.environ.get("PWD", "") or "(unknown)", limit=200)
        raise GenerationError(
            f"the working directory {gone} no longer exists (it was deleted): "
            "cd to an existing directory first"
        ) from None
    return Path(os.path.normpath(os.path.join(cwd, path)))


def check_output_dir(output_dir: Path, delimiters: tuple[str, ...]) -> None:
    """Refuse an output directory that cookiecutter would misread or cannot be used.

    Cookiecutter renders the full path of every directory it creates as a Jinja
    template, so a path containing ``{{`` would be evaluated, not just written.
    """
    text = str(output_dir)
    check_no_delimiters("output directory", output_dir, delimiters)
    if output_dir.is_dir():
        if not os.access(output_dir, os.W_OK | os.X_OK):
            raise GenerationError(f"output directory {text} is not writable")
        return
    if os.path.lexists(output_dir):
        raise InputError(f"output directory {text} is invalid: it exists and is not a directory")
    parent = nearest_existing(output_dir)
    if not parent.is_dir():
        raise InputError(f"output directory {text} is invalid: {parent} is not a directory")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise GenerationError(f"cannot create output directory {text}: {parent} is not writable")


def check_no_delimiters(what: str, path: Path, delimiters: tuple[str, ...]) -> None:
    """Refuse a directory that cookiecutter would render: it renders every path it makes."""
    if any(mark in str(path) for mark in delimiters):
        raise InputError(
            f"{what} {printable(repr(str(path)), limit=200)} is invalid: template delimiters "
            "such as '{{' are not allowed in its path"
        )


def nearest_existing(path: Path) -> Path:
    while not os.path.lexists(path) and path != path.parent:
        path = path.parent
    return path


def check_target(target: Path) -> None:
    """Refuse any existing path: a file, a directory or even a dangling symlink."""
    if os.path.lexists(target):
        kind = (
            "a symlink" if target.is_symlink() else "a directory" if target.is_dir() else "a file"
        )
        raise GenerationError(
            f"{target} already exists ({kind}): flaskcutter never writes over an existing "
            "path; choose another name or --output-dir"
        )


def make_output_dir(output_dir: Path) -> list[Path]:
    """Create the missing directories of ``output_dir``; return them, outermost first."""
    missing = []
    path = output_dir
    while not os.path.lexists(path) and path != path.parent:
        missing.append(path)
        path = path.parent
    created = []
    for path in reversed(missing):
        try:
            path.mkdir()
        except FileExistsError:
            continue  # made by someone else meanwhile; not ours to remove
        except OSError as error:
            remove_created(created)
            raise GenerationError(
                f"cannot create output directory {output_dir}: {error.strerror}"
            ) from None
        created.append(path)
    return created


def remove_created(created: list[Path]) -> None:
    """Remove directories this run created, innermost first, if they are still empty."""
    for path in reversed(created):
        with contextlib.suppress(OSError):
            path.rmdir()
