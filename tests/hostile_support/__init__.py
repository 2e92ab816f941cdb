"""Helpers for the hardening tests: the hostile corpus, plain cookiecutter, valid projects.

The corpus (tests/corpus/hostile.json) is data, so that a new hostile answer is one
line, and so that every way in which plain cookiecutter falls short is written down
next to the value that shows it. This module turns it into one ``Attempt`` per
(case, field), and offers the two things every hardening test needs: running plain
cookiecutter with a given context, and checking that a generated project is valid.
"""

from __future__ import annotations

import contextlib
import json
import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from flaskcutter.answers import Answers, slug_of
from flaskcutter.template import load_template

from ..cli_support import Sandbox
from ..conftest import REPO

CORPUS_DIR = Path(__file__).resolve().parents[1] / "corpus"
CORPUS: dict[str, Any] = json.loads((CORPUS_DIR / "hostile.json").read_text(encoding="utf-8"))
LIMITATIONS: dict[str, str] = CORPUS["limitations"]
OUTCOMES = ("hook", "cookiecutter", "accepted")
# The file an injection in the corpus would create: its payloads run `touch $CANARY`.
CANARY = "CANARY"

# The answers cookiecutter.json gives with no input (project_name "My Flask App").
DEFAULTS: dict[str, Any] = Answers(load_template()).values()


@dataclass(frozen=True)
class Attempt:
    """One hostile value tried in one field, with what each entry point must do."""

    id: str
    case: int  # its index in the corpus, shared by the attempts of one value
    group: str
    raw: Any  # the value with its placeholders; a bool only for rendered booleans
    field: str
    rule: str | None
    cli: str  # "refused" or "verbatim"
    plain: dict[str, Any] = field(default_factory=dict)

    def value(self, root: Path) -> str:
        """The value, with @ROOT@ standing for the test's ``root``."""
        return fill(self.raw, root)

    def rendered(self, root: Path) -> Any:
        """What plain cookiecutter's pre hook sees, after cookiecutter's own Jinja pass."""
        return fill(self.plain["rendered"], root) if "rendered" in self.plain else self.value(root)

    @property
    def outcome(self) -> str:
        return str(self.plain.get("outcome", "hook"))


def fill(raw: Any, root: Path) -> Any:
    if isinstance(raw, dict):  # {"repeat": "a", "times": 256}
        return raw["repeat"] * raw["times"]
    if isinstance(raw, str):
        return raw.replace("@ROOT@", str(root))
    return raw


def _id_part(value: Any) -> str:
    if isinstance(value, dict):
        return f"{value['repeat']}x{value['times']}"
    text = str(value).encode("unicode_escape").decode("ascii")
    return re.sub(r"[^A-Za-z0-9_.@-]+", "_", text)[:24] or "empty"


def attempts() -> list[Attempt]:
    """Every (case, field) of the corpus, field overrides merged over the case."""
    found = []
    for number, case in enumerate(CORPUS["cases"]):
        fields = case["fields"]
        overrides = fields if isinstance(fields, dict) else dict.fromkeys(fields, {})
        for key, extra in overrides.items():
            found.append(
                Attempt(
                    id=f"{case['group']}{number}-{key}-{_id_part(case['value'])}",
                    case=number,
                    group=case["group"],
                    raw=case["value"],
                    field=key,
                    rule=extra.get("rule", case.get("rule")),
                    cli=extra.get("cli", case.get("cli", "refused")),
                    plain={**case.get("plain", {}), **extra.get("plain", {})},
                )
            )
    return found


def context_for(base: Mapping[str, Any], key: str, value: Any) -> dict[str, Any]:
    """``base`` with one answer changed, and the names derived from it re-derived.

    This is what both entry points do: the slug comes from the name unless given, the
    package from the slug (tests/test_cli_new.py checks slug_of against cookiecutter).
    """
    context = {**base, key: value}
    if key == "project_name":
        context["project_slug"] = slug_of(str(value))
    if key in ("project_name", "project_slug"):
        context["package_name"] = str(context["project_slug"]).replace("-", "_")
    return context


@dataclass(frozen=True)
class Plain:
    """Where plain cookiecutter runs: its output dir, and its home and temp dir aside.

    Plain cookiecutter always writes a replay file and leaks rendered hook scripts
    (docs/safety.md); they go to ``box.home`` and ``box.systmp``, outside ``box.work``,
    so a snapshot of ``box.work`` (the output directory's parent) shows only what the
    template itself writes.
    """

    box: Sandbox

    @property
    def output(self) -> Path:
        return self.box.work / "out"

    def config(self) -> dict[str, str]:
        return {
            "replay_dir": str(self.box.home / ".cookiecutter_replay"),
            "cookiecutters_dir": str(self.box.home / ".cookiecutters"),
        }

    def run(self, answers: Mapping[str, Any]) -> BaseException | None:
        """Plain cookiecutter through its Python API, as pytest-cookies and cruft call it.

        The hooks still run as real subprocesses; their output reaches file
        descriptors 1 and 2, for ``capfd`` to read. Returns the exception, if any.
        """
        from cookiecutter.main import cookiecutter

        self.output.mkdir(exist_ok=True)
        try:
            cookiecutter(
                str(REPO),
                no_input=True,
                extra_context=dict(answers),
                output_dir=str(self.output),
                default_config=self.config(),
            )
        except Exception as error:  # whatever it raises is what the test inspects
            return error
        return None

    def argv(self, *answers: str) -> list[str]:
        """The same, as the `cookiecutter` command a user types."""
        return ["cookiecutter", "--no-input", "-o", str(self.output), str(REPO), *answers]


def recorded(project: Path) -> dict[str, Any]:
    return json.loads((project / ".flaskcutter.json").read_text(encoding="utf-8"))


def assert_valid_project(project: Path) -> dict[str, Any]:
    """The generated TOML and YAML parse, every .py compiles; returns pyproject's table.

    The answers recorded in .flaskcutter.json must be the ones pyproject.toml holds,
    so a quote or a newline in free text has not leaked out of its string.
    """
    pyproject = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    meta = pyproject["project"]
    answers = recorded(project)
    assert meta["name"] == answers["project_slug"]
    assert meta["description"] == answers["description"]
    assert meta["authors"][0]["name"] == answers["author_name"]
    assert meta["authors"][0].get("email", "") == answers["author_email"]
    expected = {"build-system", "project", "tool", "dependency-groups"}
    assert set(pyproject) == expected, "a value escaped its string"
    for path in [*project.rglob("*.yml"), *project.rglob("*.yaml")]:
        assert yaml.safe_load(path.read_text(encoding="utf-8")), path
    for path in project.rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        compile(source, str(path), "exec")
        # Bidi overrides or zero-width characters in a literal would make the source
        # read differently from what it does; they must be written as escapes.
        hidden = {ch for ch in source if not ch.isprintable() and ch != "\n"}
        assert not hidden, (path, sorted(hidden))
    return meta


@contextlib.contextmanager
def legible_failures() -> Iterator[None]:
    """Re-raise a failed assertion with lone surrogates escaped.

    Some corpus values hold one; pytest-xdist cannot send such a report between its
    processes, and a single one would abort the whole run instead of failing a test.
    """
    try:
        yield
    except AssertionError as error:
        raise AssertionError(
            str(error).encode("utf-8", "backslashreplace").decode("utf-8")
        ) from None
