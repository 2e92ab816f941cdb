"""Jinja filters that write free text safely into generated files.

Cookiecutter loads this module through ``_extensions`` in cookiecutter.json; it puts
the template's directory on ``sys.path`` while it renders. Answers such as an author
name may hold quotes, backslashes, newlines or non-ASCII, so every file format gets a
filter that turns text into a literal of that format instead of pasting it raw.
"""

from __future__ import annotations

import json

from jinja2.ext import Extension


def toml_string(value: object) -> str:
    """Return a TOML basic string holding ``value`` exactly."""
    # JSON escapes quotes, backslashes and C0 controls the way TOML does; TOML also
    # forbids a raw DEL, which JSON leaves alone.
    return json.dumps(str(value), ensure_ascii=False).replace("\x7f", "\\u007f")


def python_string(value: object) -> str:
    """Return a Python string literal for ``value`` that ``ruff format`` keeps as is."""
    text = str(value)
    body = json.dumps(text, ensure_ascii=False)[1:-1]
    # ruff (like black) prefers double quotes unless single quotes need fewer escapes.
    if text.count('"') > text.count("'"):
        body = body.replace('\\"', '"').replace("'", "\\'")
        return f"'{body}'"
    return f'"{body}"'


def one_line(value: object) -> str:
    """Collapse whitespace so text stays on one line of Markdown or plain text."""
    return " ".join(str(value).split())


class FormatFilters(Extension):
    """Registers ``toml_string``, ``python_string`` and ``one_line``."""

    def __init__(self, environment) -> None:  # noqa: ANN001 - Jinja's signature
        super().__init__(environment)
        environment.filters["toml_string"] = toml_string
        environment.filters["python_string"] = python_string
        environment.filters["one_line"] = one_line
