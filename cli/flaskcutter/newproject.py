"""`flaskcutter new`: gather answers, check everything, then generate in one move."""

from __future__ import annotations

import contextlib
import json
import shlex
import signal
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from . import git, output, paths, prompts
from .answers import DEFAULT, FLAG, PRESET, Answers, parse_set
from .errors import GenerationError, InputError, Stopped, printable
from .generate import Terminated, build_context, create_project, preview
from .presets import load_preset
from .provenance import Origin
from .sources import open_source
from .template import Template, load_template_from


@dataclass(frozen=True)
class NewOptions:
    name: str | None = None
    output_dir: Path = Path()
    shortcuts: tuple[tuple[str, Any], ...] = ()  # (flag, value) of cli.SHORTCUTS
    sets: tuple[str, ...] = ()
    preset: Path | None = None
    no_input: bool = False
    dry_run: bool = False
    git: bool | None = None
    install: bool = False
    quiet: bool = False
    template: str | None = None
    checkout: str | None = None


def flag_answers(opts: NewOptions, template: Template) -> list[tuple[str, Any, str]]:
    """(key, value, source) for every answer on the command line; refuse contradictions."""
    # Sources are quoted in messages, so they are made printable and short here.
    items = [(*parse_set(item, template), f"--set {printable(item)}") for item in opts.sets]
    if opts.name is not None:
        items.append(("project_name", opts.name, f"NAME {printable(repr(opts.name))}"))
    for flag, value in opts.shortcuts:
        items += shortcut_answers(flag, value)
    seen: dict[str, tuple[Any, str]] = {}
    for key, value, source in items:
        if key in seen and seen[key][0] != value:
            raise InputError(f"{source} contradicts {seen[key][1]} ({key})")
        seen.setdefault(key, (value, source))
    return items


def shortcut_answers(flag: str, value: Any) -> list[tuple[str, Any, str]]:
    """(key, value, source) for one shortcut flag, from its row in cli.SHORTCUTS."""
    from .cli import SHORTCUTS

    target = SHORTCUTS[flag][1]
    if "/" in flag:  # --x/--no-x
        on, off = flag.split("/")
        source = on if value else off
    else:
        source = f"{flag} {printable(str(value))}"
    if isinstance(target, str):
        return [(target, value, source)]
    if value not in target:
        raise InputError(
            f"{flag} {printable(repr(value))} is invalid: choose one of "
            f"{', '.join(map(str, target))}"
        )
    return [(key, answer, source) for key, answer in target[value].items()]


def target_problem(answers: Answers, output_dir: Path) -> str | None:
    """Why the project's directory cannot be created, once its name itself is valid."""
    if answers.errors(["project_name", "project_slug"]):
        return None  # the rules explain a bad name better than the file system
    try:
        paths.check_target(output_dir / answers.values()["project_slug"])
    except GenerationError as error:
        return error.message
    return None


def gather(opts: NewOptions, template: Template, output_dir: Path) -> tuple[Answers, list[str]]:
    """Layer defaults < git identity < preset < flags < prompts; return answers and notes."""
    answers = Answers(template)
    for key, value in git.author_defaults().items():
        answers.give(key, value, "git config", DEFAULT)
        if answers.errors([key]):  # an odd git identity must not break --no-input
            answers.give(key, template.default(key), "default", DEFAULT)
    if opts.preset is not None:
        for key, value in load_preset(opts.preset, template).items():
            answers.give(key, value, f"preset {printable(str(opts.preset), 200)}", PRESET)
    for key, value, source in flag_answers(opts, template):
        answers.give(key, value, source, FLAG)
    asked = False
    if not opts.no_input and prompts.stdin_is_interactive():
        named = answers.is_explicit("project_name") or answers.is_explicit("project_slug")
        if named and (problem := target_problem(answers, output_dir)):
            raise GenerationError(problem)  # before a single question is asked
        asked = prompts.ask_missing(answers, lambda: target_problem(answers, output_dir))
    notes = answers.check()
    if asked and not opts.dry_run:
        # Typed answers are shown whole once more, and nothing is written without a yes.
        values = answers.values()
        prompts.confirm(values, output_dir / values["project_slug"])
    return answers, notes


def decide_git(flag: bool | None, notes: list[str]) -> bool:
    if git.git_path() is not None:
        return flag is not False
    if flag:
        raise GenerationError("--git was given but git is not installed (not found on PATH)")
    if flag is None:
        notes.append("note: git is not installed, so the project is not a git repository")
    return False


def describe(template: Template, values: Mapping[str, Any]) -> str:
    """A one-line summary: the layout, then every option that differs from its default."""
    shown = [f"{values['layout']} layout"]
    for key in template.keys:
        if key == "layout" or template.kind(key) == "text":
            continue
        if values.get(key) != template.default(key):
            shown.append(f"{key}={json.dumps(values.get(key))}")
    return ", ".join(shown)


def show_dry_run(
    template: Template,
    values: Mapping[str, Any],
    context: dict,
    target: Path,
    then: list[str],
) -> None:
    temp_dir = Path(tempfile.gettempdir())
    # The preview is staged there, and cookiecutter renders the paths it creates.
    paths.check_no_delimiters("temp directory (TMPDIR)", temp_dir, delimiters(template))
    files = preview(template, context, temp_dir)
    click.echo(f"Dry run: nothing was written. flaskcutter new would create {target}/")
    if not target.parent.is_dir():
        click.echo(f"  (and the output directory {target.parent}, which does not exist yet)")
    click.echo("Answers:")
    click.echo("\n".join(output.answers_table(values)))
    click.echo("Files:")
    click.echo("\n".join(output.tree(target.name, files)))
    for step in then:
        click.echo(f"Then: {step}")


def delimiters(template: Template) -> tuple[str, ...]:
    return tuple(template.rules.JINJA_DELIMITERS)


SIGNAL_WORDS = {
    signal.SIGINT: "interrupted",
    signal.SIGTERM: "terminated",
    signal.SIGHUP: "hung up",
}


def stopped(signum: int, target: Path) -> Stopped:
    word = SIGNAL_WORDS.get(signal.Signals(signum), "stopped")
    return Stopped(f"{word}: nothing was written to {target}", signum)


def run(opts: NewOptions) -> None:
    """The whole `new` command: nothing is written until every check has passed."""
    try:
        # The stack holds any temporary copy of a --template version until the end.
        with contextlib.ExitStack() as stack:
            source = open_source(opts.template, stack)
            path, origin = source.checkout(opts.checkout)
            if not opts.quiet and source.repo is not None and origin.commit is None:
                output.notice(
                    f"note: {source.shown} has uncommitted template changes, so no commit "
                    "is recorded and `flaskcutter update` cannot rebuild this version later"
                )
            generate(opts, load_template_from(path), origin)
    except KeyboardInterrupt:
        # Before generation starts (loading the template, reading a preset): nothing
        # exists yet. Prompts say so themselves (prompts.questions).
        raise Stopped("interrupted: nothing was written", signal.SIGINT) from None


def generate(opts: NewOptions, template: Template, origin: Origin) -> None:
    output_dir = paths.absolute(opts.output_dir)
    paths.check_output_dir(output_dir, delimiters(template))
    answers, notes = gather(opts, template, output_dir)
    values = answers.values()
    target = output_dir / values["project_slug"]
    paths.check_target(target)
    use_git = decide_git(opts.git, notes)
    if not opts.quiet:
        for note in notes:
            output.notice(note)
    context = build_context(template, values, output_dir, origin)
    if opts.dry_run:
        then = ["git init, and one commit of every file except .env."] if use_git else []
        if opts.install:
            then.append("create .venv, install the project with its dev extra, run its tests.")
        try:
            show_dry_run(template, values, context, target, then)
        except KeyboardInterrupt:
            raise stopped(signal.SIGINT, target) from None
        except Terminated as error:
            raise stopped(error.signum, target) from None
        return

    def finish(project: Path) -> None:
        if use_git:
            git.init_and_commit(project, values)

    created = paths.make_output_dir(output_dir)
    try:
        create_project(template, context, target, finish)
    except KeyboardInterrupt:
        raise stopped(signal.SIGINT, target) from None
    except Terminated as error:
        raise stopped(error.signum, target) from None
    finally:
        if not target.exists():
            paths.remove_created(created)
    report(template, values, target, use_git, opts)


def report(
    template: Template, values: Mapping[str, Any], target: Path, use_git: bool, opts: NewOptions
) -> None:
    where = output.display_path(target)
    if not opts.quiet:
        click.echo(f"Created {where}/ ({describe(template, values)}).")
        if use_git:
            click.echo("Initialised a git repository with one commit.")
    steps = output.next_steps(template.finish, values, target)
    if not opts.install:
        if not opts.quiet:
            click.echo(steps)
        return
    from .install import install

    tests = install(target, where, quiet=opts.quiet)
    if opts.quiet:
        return
    click.secho(
        f"✓ {where} is ready: .venv installed, tests green ({tests}).", fg="green", bold=True
    )
    commands = [
        f"cd {shlex.quote(where)}",
        output.activate_command(),
        *output.flask_commands(steps),
    ]
    click.echo("Next:\n" + "\n".join(f"  {command}" for command in commands))
    for line in steps.splitlines():
        if line.startswith("Note:"):  # what the project lacks on purpose
            click.echo(line)
