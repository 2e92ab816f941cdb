"""Jinja filters that write free text safely, and a sandbox for plain cookiecutter.

Cookiecutter loads this module through ``_extensions`` in cookiecutter.json; it puts
the template's directory on ``sys.path`` while it renders. Answers such as an author
name may hold quotes, backslashes, newlines or non-ASCII, so every file format gets a
filter that turns text into a literal of that format instead of pasting it raw.

Plain cookiecutter renders every answer as a Jinja template before any hook can look
at it, in an environment that lets ``{{ cycler.__init__.__globals__.os }}`` reach the
shell. Loading this extension switches that environment into Jinja's sandbox, so such
an answer stops generation with a SecurityError instead of running.
"""

from __future__ import annotations

import json
import os

from jinja2 import Environment
from jinja2.ext import Extension
from jinja2.sandbox import SandboxedEnvironment


def toml_string(value: object) -> str:
    """Return a TOML basic string holding ``value`` exactly."""
    # JSON escapes quotes, backslashes and C0 controls the way TOML does; TOML also
    # forbids a raw DEL, which JSON leaves alone.
    return json.dumps(str(value), ensure_ascii=False).replace("\x7f", "\\u007f")


def _escape_invisible(body: str) -> str:
    """Write every character that does not print as an escape sequence.

    DEL, NEL, bidi overrides, line separators and zero-width spaces stay in the string
    but not in the source, so no editor can show the literal reordered or split.
    """
    out = []
    for ch in body:
        code = ord(ch)
        if ch.isprintable():
            out.append(ch)
        elif code < 0x100:
            out.append(f"\\x{code:02x}")
        elif code < 0x10000:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    return "".join(out)


def python_string(value: object) -> str:
    """Return a Python string literal for ``value`` that ``ruff format`` keeps as is."""
    text = str(value)
    body = _escape_invisible(json.dumps(text, ensure_ascii=False)[1:-1])
    # ruff (like black) prefers double quotes unless single quotes need fewer escapes.
    if text.count('"') > text.count("'"):
        body = body.replace('\\"', '"').replace("'", "\\'")
        return f"'{body}'"
    return f'"{body}"'


def one_line(value: object) -> str:
    """Collapse whitespace so text stays on one line of Markdown or plain text."""
    return " ".join(str(value).split())


def sandbox(environment: Environment) -> None:
    """Turn cookiecutter's environment into a sandboxed one, in place."""
    if environment.sandboxed:
        return
    # Cookiecutter builds the environment itself, so the class is swapped after the
    # fact; the sandbox's own __init__ only sets up these three attributes.
    environment.__class__ = type(
        f"Sandboxed{type(environment).__name__}",
        (SandboxedEnvironment, type(environment)),
        {},
    )
    environment.binop_table = dict(SandboxedEnvironment.default_binop_table)
    environment.unop_table = dict(SandboxedEnvironment.default_unop_table)
    environment.globals["range"] = SandboxedEnvironment().globals["range"]


def template_dir() -> str:
    """The template's directory, for the hooks to find their sibling modules.

    Cookiecutter renders each hook inside ``work_in(repo_dir)``, so the working
    directory at render time is the template, however the user named it (``.``, a
    relative path, a clone of a git URL); the hook itself then runs elsewhere.
    """
    return os.getcwd()


class FormatFilters(Extension):
    """Sandboxes the environment; registers the format filters and ``template_dir()``."""

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        sandbox(environment)
        environment.globals["template_dir"] = template_dir
        # The pre hook refuses to run without this, so a config that drops the
        # extension (and with it the sandbox) cannot generate a project.
        environment.globals["flaskcutter_sandbox"] = "on"
        environment.filters["toml_string"] = toml_string
        environment.filters["python_string"] = python_string
        environment.filters["one_line"] = one_line
