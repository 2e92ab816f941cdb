"""A Jinja extension for `new`: path names are filled in, not compiled.

Its own module, so that jinja2 is imported only when a project is rendered (the CLI
imports ``generate`` for every command, ``--help`` included).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from jinja2 import Environment
from jinja2.ext import Extension

from .generate import JINJA_MARKERS

# ``{{ cookiecutter.key }}``: the only expression the template's path names hold.
_KEY = re.compile(r"\{\{\s*cookiecutter\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


class _Name:
    """A path name whose only markers are ``{{ cookiecutter.key }}``, filled in directly.

    A value that is not a string, or a key that is missing or is also a dict method
    (Jinja's attribute lookup would find the method first), goes to Jinja instead.
    """

    def __init__(self, source: str, compile_text: Callable[[str], Any]) -> None:
        self.source, self.compile_text = source, compile_text

    def render(self, *args: Any, **kwargs: Any) -> str:
        settings = dict(*args, **kwargs).get("cookiecutter")
        keys = _KEY.findall(self.source)
        if not isinstance(settings, dict) or not all(
            isinstance(settings.get(key), str) and not hasattr(dict, key) for key in keys
        ):
            return str(self.compile_text(self.source).render(*args, **kwargs))
        return _KEY.sub(lambda match: settings[match.group(1)], self.source)


class LiteralNames(Extension):
    """Cookiecutter renders every path name with ``from_string``, compiling each one.

    That costs `new` about as much as all its git and file work, for names that are
    plain text or hold one ``{{ cookiecutter.key }}``; those are filled in directly.
    Listed in ``_extensions`` only when the bundled template is rendered in-process.
    """

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        compile_text = environment.from_string

        def from_string(source: Any, *args: Any, **kwargs: Any) -> Any:
            if isinstance(source, str) and not args and not kwargs:
                rest = _KEY.sub("", source)
                if not any(mark in rest for mark in JINJA_MARKERS):
                    return _Name(source, compile_text)
            return compile_text(source, *args, **kwargs)

        environment.from_string = from_string  # type: ignore[method-assign]
