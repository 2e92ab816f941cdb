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


def load_preset(path: Path, template: Template) -> dict[str, Any]:
    """Return the preset's answers, or refuse the file naming the key and the rule."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise InputError(f"preset {path}: cannot read it: {error.strerror}") from None
    except UnicodeDecodeError:
        raise InputError(f"preset {path}: it is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as error:
        raise InputError(f"preset {path}: not valid TOML: {error}") from None
    except RecursionError:
        # tomllib parses nested arrays and tables recursively; [[[[...]]]] runs out.
        raise InputError(f"preset {path}: not valid TOML: it is nested too deeply") from None
    for key, value in data.items():
        if key not in template.keys:
            raise InputError(
                f"preset {path}: unknown key {printable(repr(key))}; "
                f"known keys: {', '.join(template.keys)}"
            )
        problem = _type_error(template, key, value)
        if problem:
            raise InputError(
                f"preset {path}: {key} = {printable(repr(value))} is invalid: {problem}"
            )
    return data
