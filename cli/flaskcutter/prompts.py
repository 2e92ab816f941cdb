"""Ask, on a terminal, for the answers that no flag or preset gave.

Typed answers are plain data: they go into the context as they are and are checked by
the template's rules straight away, so a bad answer is asked again rather than failing
the whole run at the end.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import click

from .answers import DERIVED, PROMPT, Answers


def stdin_is_interactive() -> bool:
    """Prompt only for a person at a terminal; pipes and CI imply --no-input."""
    return sys.stdin is not None and sys.stdin.isatty()


def _ask(answers: Answers, key: str, current: Any) -> Any:
    template = answers.template
    text = template.prompt(key)
    kind = template.kind(key)
    if kind == "boolean":
        return click.confirm(text, default=bool(current))
    if kind == "choice":
        choice = click.Choice(template.choices(key))
        return click.prompt(text, type=choice, default=current, show_choices=True)
    return click.prompt(text, default=current, show_default=True)


def _affected(answers: Answers, key: str) -> list[str]:
    """The keys whose validity a new answer for ``key`` can change."""
    keys = [key]
    for derived, source in DERIVED.items():
        if source in keys and not answers.is_explicit(derived):
            keys.append(derived)
    return keys


def ask_missing(answers: Answers, name_taken: Callable[[], str | None] = lambda: None) -> None:
    """Prompt for each key not given explicitly, re-asking until the rules accept it.

    ``name_taken`` reports a project name whose directory already exists, so that it
    is asked again at once rather than refused after every other question.
    """
    for key in answers.template.keys:
        if key in DERIVED or answers.is_explicit(key):
            continue
        if key in answers.template.rules.switched_off(answers.values()):
            continue  # another answer rules it out (the template's REQUIRES table)
        # The offered default stays the pre-prompt one, never a rejected answer.
        given = answers.given(key)
        default = given.value if given else answers.template.default(key)
        while True:
            answers.give(key, _ask(answers, key, default), "your answer", PROMPT)
            errors = answers.errors(_affected(answers, key))
            if not errors and key == "project_name":
                errors = [problem] if (problem := name_taken()) else []
            if not errors:
                break
            click.secho(f"  {errors[0]}", fg="red", err=True)
        if key == "project_name":
            values = answers.values()
            click.secho(
                f"  directory {values['project_slug']}, package {values['package_name']}",
                dim=True,
            )
