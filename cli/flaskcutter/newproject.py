"""`flaskcutter new`: gather answers, check everything, then generate in one move."""

from __future__ import annotations

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
from .template import Template, load_template


@dataclass(frozen=True)
class NewOptions:
    name: str | None = None
    output_dir: Path = Path()
    layout: str | None = None
    db: str | None = None
    migrate: bool | None = None
    deploy: bool | None = None
    sets: tuple[str, ...] = ()
    preset: Path | None = None
    no_input: bool = False
    dry_run: bool = False
    git: bool | None = None
    install: bool = False
    quiet: bool = False


def flag_answers(opts: NewOptions, template: Template) -> list[tuple[str, Any, str]]:
    """(key, value, source) for every answer on the command line; refuse contradictions."""
    # Sources are quoted in messages, so they are made printable and short here.
    items = [(*parse_set(item, template), f"--set {printable(item)}") for item in opts.sets]
    if opts.name is not None:
        items.append(("project_name", opts.name, f"NAME {printable(repr(opts.name))}"))
    if opts.layout is not None:
        items.append(("layout", opts.layout, f"--layout {printable(opts.layout)}"))
    if opts.db is not None:
        allowed = (*template.choices("database"), "none")
        if opts.db not in allowed:
            raise InputError(
                f"--db {printable(repr(opts.db))} is invalid: choose one of {', '.join(allowed)}"
            )
        items.append(("use_sqlalchemy", opts.db != "none", f"--db {opts.db}"))
        if opts.db != "none":
            items.append(("database", opts.db, f"--db {opts.db}"))
    if opts.migrate is not None:
        items.append(("use_migrate", opts.migrate, "--migrate" if opts.migrate else "--no-migrate"))
    if opts.deploy is not None:
        deployment = "gunicorn-nginx" if opts.deploy else "none"
        items.append(("deployment", deployment, "--deploy" if opts.deploy else "--no-deploy"))
    seen: dict[str, tuple[Any, str]] = {}
    for key, value, source in items:
        if key in seen and seen[key][0] != value:
            raise InputError(f"{source} contradicts {seen[key][1]} ({key})")
        seen.setdefault(key, (value, source))
    return items


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
    if not opts.no_input and prompts.stdin_is_interactive():
        named = answers.is_explicit("project_name") or answers.is_explicit("project_slug")
        if named and (problem := target_problem(answers, output_dir)):
            raise GenerationError(problem)  # before a single question is asked
        prompts.ask_missing(answers, lambda: target_problem(answers, output_dir))
    return answers, answers.check()


def decide_git(flag: bool | None, notes: list[str]) -> bool:
    if git.git_path() is not None:
        return flag is not False
    if flag:
        raise GenerationError("--git was given but git is not installed (not found on PATH)")
    if flag is None:
        notes.append("note: git is not installed, so the project is not a git repository")
    return False


def describe(values: Mapping[str, Any]) -> str:
    if not values["use_sqlalchemy"]:
        database = "no database"
    else:
        database = values["database"] + (" + migrations" if values["use_migrate"] else "")
    return f"{values['layout']} layout, {database}, deployment {values['deployment']}"


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
        _run(opts)
    except KeyboardInterrupt:
        # Before generation starts (loading the template, reading a preset): nothing
        # exists yet. Prompts turn Ctrl-C into click's own Abort, which stays as it is.
        raise Stopped("interrupted: nothing was written", signal.SIGINT) from None


def _run(opts: NewOptions) -> None:
    template = load_template()
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
    context = build_context(template, values, output_dir)
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
        click.echo(f"Created {where}/ ({describe(values)}).")
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
