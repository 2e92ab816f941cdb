"""Ask, on a terminal, for the answers that no flag or preset gave.

Typed answers are plain data: they go into the context as they are and are checked by
the template's rules straight away, so a bad answer is asked again rather than failing
the whole run at the end. Every question reads plain text and every refusal is the
template's own one-line message, printed the same way, so no question has an error
style of its own.
"""

from __future__ import annotations

import json
import signal
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from . import output
from .answers import DERIVED, PROMPT, Answers
from .errors import GenerationError, Stopped

YES = frozenset({"y", "yes", "true"})
NO = frozenset({"n", "no", "false"})


def stdin_is_interactive() -> bool:
    """Prompt only for a person at a terminal; pipes and CI imply --no-input."""
    return sys.stdin is not None and sys.stdin.isatty()


def refuse(message: str) -> None:
    """The one way a rejected answer is shown, before its question is asked again."""
    click.secho(f"  {message}", fg="red", err=True)


@contextmanager
def questions() -> Iterator[None]:
    """Ctrl-C at a question ends the run as interrupted (exit 130); nothing is written.

    click turns both Ctrl-C and the end of input into its own Abort; the exception it
    replaced tells them apart.
    """
    try:
        yield
    except click.Abort as abort:
        if isinstance(abort.__context__, KeyboardInterrupt):
            click.echo(err=True)  # the error goes under the question, not after its ^C
            raise Stopped("interrupted: nothing was written", signal.SIGINT) from None
        raise GenerationError("input ended before the questions did: nothing was written") from None


def parse_yes_no(text: str) -> bool | str:
    """y/yes/true or n/no/false, in any case; anything else stays text for the rules."""
    word = text.strip().lower()
    return True if word in YES else False if word in NO else text


def choice_prompt(text: str, choices: tuple[str, ...]) -> str:
    """The question with its choices listed once: not again when its text names them."""
    if all(choice in text for choice in choices):
        return text
    return f"{text} ({', '.join(choices)})"


def _ask(answers: Answers, key: str, current: Any) -> Any:
    """One question; the typed text, or a choice or yes/no when it reads as one."""
    template = answers.template
    text = template.prompt(key)
    kind = template.kind(key)
    if kind == "boolean":
        shown = "[Y/n]" if current else "[y/N]"
        typed = click.prompt(f"{text} {shown}", default="", show_default=False)
        return bool(current) if not typed.strip() else parse_yes_no(typed)
    if kind == "choice":
        choices = template.choices(key)
        typed = click.prompt(choice_prompt(text, choices), default=current)
        # Case does not matter: "Single" is single, "mit" is MIT.
        by_fold = {choice.casefold(): choice for choice in choices}
        return by_fold.get(typed.strip().casefold(), typed)
    if current is None:  # no default to offer: click asks until something is typed
        return click.prompt(text)
    return click.prompt(text, default=current, show_default=True)


def ask_until_valid(answers: Answers, key: str, default: Any) -> None:
    """Ask for ``key`` until the template's rule for it accepts the answer."""
    while True:
        answers.give(key, _ask(answers, key, default), "your answer", PROMPT)
        errors = answers.errors([key])
        if not errors:
            return
        refuse(errors[0])


def settle_names(answers: Answers, name_taken: Callable[[], str | None]) -> None:
    """Ask for the directory or package name itself when the one derived is refused.

    A project named "Flask" is fine, but its package name ``flask`` is not: the
    question is then the package name, not the project name again.
    """
    while True:
        for key in DERIVED:  # the directory, then the package named after it
            given = answers.given(key)
            if given is not None and given.layer < PROMPT:
                continue  # a flag or preset gave it: refused at the end, with its source
            errors = answers.errors([key])
            if errors:
                refuse(errors[0])
                ask_until_valid(answers, key, None)
                break
        else:
            problem = name_taken()
            if problem is None:
                return
            refuse(problem)
            ask_until_valid(answers, "project_slug", None)


def ask_missing(answers: Answers, name_taken: Callable[[], str | None] = lambda: None) -> bool:
    """Prompt for each key not given explicitly, re-asking until the rules accept it.

    ``name_taken`` reports a project name whose directory already exists, so that it
    is asked again at once rather than refused after every other question. Returns
    whether anything was asked.
    """
    asked = False
    with questions():
        if answers.is_explicit("project_name"):
            settle_names(answers, name_taken)  # `new Flask`: ask for the package name
        for key in answers.template.keys:
            if key in DERIVED or answers.is_explicit(key):
                continue
            if key in answers.template.rules.switched_off(answers.values()):
                continue  # another answer rules it out (the template's REQUIRES table)
            # The offered default stays the pre-prompt one, never a rejected answer.
            given = answers.given(key)
            ask_until_valid(answers, key, given.value if given else answers.template.default(key))
            asked = True
            if key == "project_name":
                settle_names(answers, name_taken)
                values = answers.values()
                click.secho(
                    f"  directory {values['project_slug']}, package {values['package_name']}",
                    dim=True,
                )
    return asked


def confirm(values: Mapping[str, Any], target: Path) -> None:
    """Show every answer, then ask before writing; "no" writes nothing."""
    click.echo("Answers:")
    click.echo("\n".join(output.answers_table(values)))
    with questions():
        while True:
            typed = click.prompt(
                f"Create {output.display_path(target)}/ with these answers? [Y/n]",
                default="",
                show_default=False,
            )
            answer = parse_yes_no(typed) if typed.strip() else True
            if isinstance(answer, bool):
                break
            refuse(f"answer {json.dumps(typed.strip())} is invalid: type y or n")
    if not answer:
        raise GenerationError("cancelled: nothing was written")
