"""A project's record (``.flaskcutter.json``): its answers and where its template came from.

The record is the base of every update, so it names the template portably: the copy
bundled in the wheel is ``flaskcutter==X.Y.Z`` (a site-packages path means nothing on
another machine), anything else is the path or git URL the user gave. With the commit
beside it, the exact files the project started from can be rendered again.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import __version__
from .errors import InputError, printable

ANSWERS_FILE = ".flaskcutter.json"
BUNDLED_PREFIX = "flaskcutter=="
# Files of an update left with inline conflict markers; `check` looks for them.
CONFLICTS_KEY = "_update_conflicts"


@dataclass(frozen=True)
class Origin:
    """One version of a template: where it lives, and the commit when there is one."""

    source: str
    commit: str | None = None
    checkout: str | None = None

    @property
    def bundled(self) -> bool:
        return self.source.startswith(BUNDLED_PREFIX)

    def context(self) -> dict[str, Any]:
        """The private context keys the post hook records in ``.flaskcutter.json``."""
        return {
            "_template": self.source,
            "_commit": self.commit,
            "_checkout": self.checkout,
            "_flaskcutter_version": __version__,
        }

    def label(self) -> str:
        """``source@commit`` shortened for messages and conflict markers."""
        return f"{self.source}@{self.commit[:12]}" if self.commit else self.source


def bundled_source() -> str:
    return f"{BUNDLED_PREFIX}{__version__}"


@dataclass(frozen=True)
class Record:
    """A project's ``.flaskcutter.json``, read and checked."""

    project: Path
    data: dict[str, Any]

    @property
    def origin(self) -> Origin:
        return Origin(
            source=str(self.data.get("_template") or ""),
            commit=self.data.get("_commit") or None,
            checkout=self.data.get("_checkout") or None,
        )

    @property
    def answers(self) -> dict[str, Any]:
        return {key: value for key, value in self.data.items() if not key.startswith("_")}

    @property
    def conflicts(self) -> list[str]:
        value = self.data.get(CONFLICTS_KEY) or []
        return [str(path) for path in value] if isinstance(value, list) else []


def read_record(project: Path) -> Record:
    """Read ``project/.flaskcutter.json``, or refuse a directory that is not a project."""
    shown = printable(str(project), limit=200)
    if not project.is_dir():
        raise InputError(f"project {shown} is not a directory")
    path = project / ANSWERS_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(
            f"{shown} is not a flaskcutter project: it has no {ANSWERS_FILE} "
            "(give the project's root with --project DIR)"
        ) from None
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise InputError(f"{shown}/{ANSWERS_FILE} cannot be read as JSON: {error}") from None
    if not isinstance(data, dict) or not isinstance(data.get("layout"), str):
        raise InputError(f"{shown}/{ANSWERS_FILE} is not a flaskcutter record: it has no answers")
    return Record(project=project, data=data)


def record_text(data: Mapping[str, Any]) -> str:
    """The file's text, formatted as the post hook writes it."""
    return json.dumps(dict(data), indent=2, ensure_ascii=False) + "\n"
