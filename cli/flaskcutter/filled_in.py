"""A Jinja extension for `new`: simple names and files are filled in, not compiled.

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

# ``{{ cookiecutter.key }}``: the only expression most path names and many files hold.
_KEY = re.compile(r"\{\{\s*cookiecutter\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


def is_simple(source: str) -> bool:
    """Whether every marker of ``source`` is a ``{{ cookiecutter.key }}``.

    ``\r`` is excluded too: Jinja would turn it into ``\n``.
    """
    rest = _KEY.sub("", source)
    return "\r" not in rest and not any(mark in rest for mark in JINJA_MARKERS)


class _Filled:
    """A text whose only markers are ``{{ cookiecutter.key }}``, filled in directly.

    A value that is not a string, or a key that is missing or is also a dict method
    (Jinja's attribute lookup would find the method first), goes to Jinja instead,
    through ``compiled``, so errors read exactly as Jinja's own.
    """

    def __init__(self, source: str, compiled: Callable[[], Any]) -> None:
        self.source, self.compiled = source, compiled

    def render(self, *args: Any, **kwargs: Any) -> str:
        settings = dict(*args, **kwargs).get("cookiecutter")
        keys = _KEY.findall(self.source)
        if not isinstance(settings, dict) or not all(
            isinstance(settings.get(key), str) and not hasattr(dict, key) for key in keys
        ):
            return str(self.compiled().render(*args, **kwargs))
        return _KEY.sub(lambda match: settings[match.group(1)], self.source)


class FilledIn(Extension):
    """Cookiecutter compiles every path name and file with Jinja before rendering it.

    For a name or file that is plain text or holds only ``{{ cookiecutter.key }}``
    markers, compiling costs far more than filling the values in, which is what this
    does; anything else goes to Jinja as before. Listed in ``_extensions`` only when
    `new` renders the bundled template in-process, whose output it leaves unchanged
    (a test compares it with plain cookiecutter's).
    """

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        # Jinja would escape or transform the values, or drop a last newline.
        if environment.autoescape is not False or environment.finalize is not None:
            return
        if not environment.keep_trailing_newline:
            return
        from_string, get_template = environment.from_string, environment.get_template

        def fill_string(source: Any, *args: Any, **kwargs: Any) -> Any:
            if isinstance(source, str) and not args and not kwargs and is_simple(source):
                return _Filled(source, lambda: from_string(source))
            return from_string(source, *args, **kwargs)

        def fill_file(name: Any, *args: Any, **kwargs: Any) -> Any:
            if isinstance(name, str) and not args and not kwargs and environment.loader:
                source = environment.loader.get_source(environment, name)[0]
                if is_simple(source):
                    return _Filled(source, lambda: get_template(name))
            return get_template(name, *args, **kwargs)

        environment.from_string = fill_string  # type: ignore[method-assign]
        environment.get_template = fill_file  # type: ignore[method-assign]
