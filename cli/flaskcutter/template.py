"""Find the bundled Cookiecutter template and read its keys and rules.

The wheel carries the template at ``flaskcutter/template/``. In a git checkout (and in
an editable install, whose code runs from ``cli/``) the template is the repository
root, two levels above this package. ``FLASKCUTTER_TEMPLATE`` points the CLI at another
copy, which is how the tests run it against a template with a slow or failing hook.

Validation rules are not copied here: they are imported from the template's own
``hooks/pre_gen_project.py``, which is plain Python before Cookiecutter renders it.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import json
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from .errors import GenerationError, describe

TEMPLATE_ENV = "FLASKCUTTER_TEMPLATE"
PROJECT_DIR = "{{cookiecutter.project_slug}}"


def is_template(path: Path) -> bool:
    return (path / "cookiecutter.json").is_file() and (path / PROJECT_DIR).is_dir()


def find_template_dir() -> Path:
    """Return the template directory: the override, the bundled copy, or the checkout."""
    override = os.environ.get(TEMPLATE_ENV)
    if override:
        path = Path(override).expanduser().resolve()
        if not is_template(path):
            raise GenerationError(
                f"{TEMPLATE_ENV}={override!r} is not a template: it needs cookiecutter.json "
                f"and {PROJECT_DIR}/"
            )
        return path
    return own_template_dir()


def is_own_template(path: Path) -> bool:
    """Whether ``path`` is the template this copy of flaskcutter was built with.

    Its hooks are this package's own code, so `new` may call them in-process; any
    other template (--template, FLASKCUTTER_TEMPLATE) runs its hooks as hooks.
    """
    try:
        return path.resolve() == own_template_dir().resolve()
    except GenerationError:
        return False


def own_template_dir() -> Path:
    """The bundled copy of an installed wheel, else this checkout's template."""
    here = Path(__file__).resolve()
    # Installed wheels are unpacked on disk, so the package's data is a real directory
    # beside this file (read directly: importlib.resources costs `new` an import).
    bundled = here.parent / "template"
    if is_template(bundled):
        return bundled
    checkout = here.parents[2]
    if is_template(checkout):
        return checkout
    raise GenerationError(
        f"the project template is missing: looked in {bundled} and {checkout}; "
        "reinstall flaskcutter"
    )


@contextlib.contextmanager
def no_bytecode() -> Iterator[None]:
    """Import template modules without writing __pycache__ into the template.

    The template may be a user's checkout or a read-only install; importing its hooks
    or local_extensions.py must leave it exactly as it was.
    """
    saved = sys.dont_write_bytecode
    sys.dont_write_bytecode = True
    try:
        yield
    finally:
        sys.dont_write_bytecode = saved


def _load_module(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise GenerationError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    try:
        with no_bytecode():
            spec.loader.exec_module(module)
    except Exception as error:
        # A broken template (FLASKCUTTER_TEMPLATE points anywhere) must not show a
        # traceback: it gets the same one-line treatment as a failing hook.
        raise GenerationError(f"cannot load {path}: {describe(error)}") from None
    return module


@dataclass(frozen=True)
class Template:
    """A template directory with its cookiecutter.json and its hook modules loaded."""

    path: Path
    spec: dict[str, Any]
    rules: ModuleType  # hooks/pre_gen_project.py: validate, notices, REQUIRES, ...

    @functools.cached_property
    def finish(self) -> ModuleType:
        """hooks/post_gen_project.py, for its next_steps(); loaded only when needed."""
        name = f"_flaskcutter_finish_{abs(hash(str(self.path)))}"
        return _load_module(self.path / "hooks" / "post_gen_project.py", name)

    @property
    def keys(self) -> list[str]:
        """The user-facing keys, in cookiecutter.json order."""
        return [key for key in self.spec if not key.startswith("_")]

    def kind(self, key: str) -> str:
        """``choice``, ``boolean`` or ``text``, as cookiecutter.json declares the key."""
        return str(self.rules.kind(self.spec, key))

    def choices(self, key: str) -> tuple[str, ...]:
        value = self.spec.get(key)
        return tuple(value) if isinstance(value, list) else ()

    def requires(self, key: str) -> dict[str, Any]:
        """The answers ``key`` needs to mean anything (the pre hook's REQUIRES table)."""
        return dict(self.rules.REQUIRES.get(key, {}))

    def validate(self, answers: dict[str, Any]) -> list[str]:
        return list(self.rules.validate(answers, self.spec))

    def effective(self, answers: dict[str, Any]) -> dict[str, Any]:
        """The answers with switched-off options off, as the project records them."""
        return dict(self.rules.effective(answers, self.spec))

    def help(self, key: str) -> str:
        """The longer help of the pre hook's HELP table, else the prompt."""
        return str(self.rules.HELP.get(key) or self.prompt(key))

    def default(self, key: str) -> Any:
        """The default answer: the first choice of a list, else the value itself."""
        value = self.spec[key]
        return value[0] if isinstance(value, list) else value

    def prompt(self, key: str) -> str:
        return str(self.spec.get("__prompts__", {}).get(key, key))


@functools.cache
def _load(path: Path) -> Template:
    try:
        spec = json.loads((path / "cookiecutter.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise GenerationError(f"cannot read {path / 'cookiecutter.json'}: {error}") from None
    # Unique module names keep two templates (bundled and a test copy) apart.
    name = f"_flaskcutter_rules_{abs(hash(str(path)))}"
    rules = _load_module(path / "hooks" / "pre_gen_project.py", name)
    return Template(path=path, spec=spec, rules=rules)


def load_template() -> Template:
    """Locate and load the template once per process and path."""
    return _load(find_template_dir())


def load_template_from(path: Path) -> Template:
    """Load the template in ``path`` (a --template copy, or one version of it)."""
    return _load(path.resolve())
