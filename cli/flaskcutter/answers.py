"""Answers in layers (defaults < preset < flags < prompts), each remembering its source.

Knowing where a value came from lets an error say "from preset team.toml" or "from
--layout", and lets the template's REQUIRES table tell an explicit contradiction
(refused) from a default that another answer switches off (a notice).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .errors import InputError, printable
from .git import AUTHOR_SETTINGS
from .template import Template

DEFAULT, PRESET, FLAG, PROMPT = range(4)

# cookiecutter.json derives these with Jinja: project_slug is
# `project_name | slugify` and package_name is `project_slug | replace('-', '_')`.
# They are computed here in Python so no answer ever passes through Jinja;
# tests/test_cli_new.py checks the result against cookiecutter's own rendering.
DERIVED = {"project_slug": "project_name", "package_name": "project_slug"}


@dataclass(frozen=True)
class Given:
    value: Any
    source: str
    layer: int


def slug_of(name: str) -> str:
    from slugify import slugify  # the function behind cookiecutter's `slugify` filter

    return slugify(name)


def parse_bool(text: str) -> bool | None:
    return {"true": True, "false": False}.get(text.strip().lower())


class Answers:
    """Every user-facing key of a template, with its value and where it came from."""

    def __init__(self, template: Template) -> None:
        self.template = template
        self._given: dict[str, Given] = {
            key: Given(template.default(key), "default", DEFAULT)
            for key in template.keys
            if key not in DERIVED
        }

    def give(self, key: str, value: Any, source: str, layer: int) -> None:
        """Record an answer unless a higher layer already gave one."""
        current = self._given.get(key)
        if current is None or layer >= current.layer:
            self._given[key] = Given(value, source, layer)

    def given(self, key: str) -> Given | None:
        return self._given.get(key)

    def is_explicit(self, key: str) -> bool:
        given = self._given.get(key)
        return given is not None and given.layer > DEFAULT

    def origin(self, key: str) -> str:
        """Where a value came from, as a note to append to a message ("" for defaults)."""
        if key in DERIVED and not self.is_explicit(key):
            return f" (derived from {DERIVED[key]}; choose another with --set {key}=...)"
        given = self._given.get(key)
        # A default needs no note, and a prompt's answer was just typed.
        shown = given is not None and DEFAULT < given.layer < PROMPT
        return f" (from {given.source})" if shown else ""

    def values(self) -> dict[str, Any]:
        """All answers in cookiecutter.json order, with the derived names filled in."""
        values = {key: given.value for key, given in self._given.items()}
        if not self.is_explicit("project_slug"):
            values["project_slug"] = slug_of(str(values.get("project_name", "")))
        if not self.is_explicit("package_name"):
            values["package_name"] = str(values["project_slug"]).replace("-", "_")
        return {key: values[key] for key in self.template.keys if key in values}

    def errors(self, keys: Iterable[str] | None = None) -> list[str]:
        """The template's own validation messages, each naming where the value came from."""
        wanted = set(keys) if keys is not None else None
        messages, failed = [], set()
        # validate() reports each key as "<key> <value> is ...", names before the rest.
        for message in self.template.validate(self.values()):
            key = message.split(" ", 1)[0]
            derived_from_failed = key in DERIVED and DERIVED[key] in failed
            failed.add(key)
            if derived_from_failed and not self.is_explicit(key):
                continue  # a bad name makes a bad slug; saying so twice does not help
            if wanted is None or key in wanted:
                messages.append(message + self.origin(key))
        return messages

    def settle(self) -> list[str]:
        """Switch off what the template's REQUIRES table rules out; refuse contradictions.

        An option that was asked for explicitly (``use_migrate=true``) at the same or a
        higher layer than the answer that rules it out (``use_sqlalchemy=false``) is a
        contradiction, such as ``--db none --migrate``. A lower one, such as the default
        or a team preset under ``--db none``, just gives way, with a notice.
        """
        values = self.values()
        notes = list(self.template.rules.notices(values))
        settled = self.template.effective(values)
        for key in self.template.rules.switched_off(values):
            given = self._given[key]
            if settled[key] == given.value:
                continue
            blockers = [
                self._given[other]
                for other, want in self.template.requires(key).items()
                if not self.template.rules.holds({other: want}, values)
            ]
            blocker = max(blockers, key=lambda item: item.layer)
            if given.layer > DEFAULT and given.layer >= blocker.layer:
                needs = ", ".join(
                    f"{other}={json.dumps(want)}"
                    for other, want in self.template.requires(key).items()
                )
                raise InputError(
                    f"{key}={json.dumps(given.value)} ({given.source}) contradicts "
                    f"{blocker.source}: {key} needs {needs}; drop one of them"
                )
            self._given[key] = Given(settled[key], f"switched off by {blocker.source}", given.layer)
        return notes

    def check(self) -> list[str]:
        """Settle the option combination, then refuse anything the rules reject."""
        notes = self.settle()
        errors = self.errors()
        if errors:
            raise InputError("\n".join(errors))
        return notes


def parse_set(item: str, template: Template) -> tuple[str, Any]:
    """Turn one ``--set KEY=VALUE`` into a typed answer, or refuse it."""
    key, sep, text = item.partition("=")
    key = key.strip()
    shown = printable(repr(item))
    if not sep or not key:
        raise InputError(f"--set {shown} is invalid: use KEY=VALUE, e.g. --set license=MIT")
    if key not in template.keys:
        raise InputError(
            f"--set {shown}: unknown key {printable(repr(key))}; "
            f"known keys: {', '.join(template.keys)}"
        )
    if template.kind(key) == "boolean":
        value = parse_bool(text)
        if value is None:
            raise InputError(
                f"--set {shown}: {key} must be true or false, not {printable(repr(text))}"
            )
        return key, value
    return key, text


def catalog(template: Template) -> dict[str, dict[str, Any]]:
    """Every key with its kind, default, choices and meaning, for ``flaskcutter options``."""
    defaults = Answers(template).values()
    return {
        key: {
            "kind": template.kind(key),
            "default": defaults[key],
            "choices": list(template.choices(key)) or None,
            "derived_from": DERIVED.get(key),
            "git_config": AUTHOR_SETTINGS.get(key),
            "requires": template.requires(key) or None,
            "help": template.help(key),
        }
        for key in template.keys
    }


def catalog_rows(keys: dict[str, dict[str, Any]]) -> list[tuple[str, str, str, str]]:
    """(key, default, choices, meaning) per key, for the table and the README."""
    rows = []
    for key, info in keys.items():
        default = json.dumps(info["default"]) if info["kind"] == "boolean" else info["default"]
        if info["git_config"]:
            default = f"git {info['git_config']}, else {default}"
        if info["choices"]:
            choices = ", ".join(info["choices"])
        elif info["derived_from"]:
            choices = f"derived from {info['derived_from']}"
        else:
            choices = "true, false" if info["kind"] == "boolean" else "text"
        meaning = info["help"]
        if info["requires"]:
            needs = ", ".join(f"{k}={json.dumps(v)}" for k, v in info["requires"].items())
            meaning += f" (needs {needs})"
        rows.append((key, str(default), choices, meaning))
    return rows
