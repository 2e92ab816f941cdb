"""The `flaskcutter` command: a click group with one function per command.

Only click is imported at module level. Cookiecutter (which pulls in requests and
Jinja) and rich are imported inside the commands, so `--help` stays instant.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from click.shell_completion import CompletionItem

from . import __version__


class TemplateChoice(click.ParamType):
    """A choice whose values are read from the template, so they cannot drift from it.

    It only shows and completes the values; the template's own rules check them, so
    a wrong value gets the same one-line message from the CLI as from the pre hook.
    """

    name = "choice"

    def __init__(self, key: str | None, extra: tuple[str, ...] = ()) -> None:
        self.key, self.extra = key, extra

    def values(self) -> tuple[str, ...]:
        from .errors import FlaskcutterError
        from .template import load_template

        if self.key is None:
            return self.extra
        try:
            return (*load_template().choices(self.key), *self.extra)
        except FlaskcutterError:
            return self.extra

    def get_metavar(self, param: click.Parameter, ctx: click.Context | None = None) -> str:
        return "[" + "|".join(self.values()) + "]"

    def shell_complete(
        self, ctx: click.Context, param: click.Parameter, incomplete: str
    ) -> list[CompletionItem]:
        return [CompletionItem(value) for value in self.values() if value.startswith(incomplete)]


# Shortcut flags, one row each: the flag, its help, and the answers each value sets.
# A key name instead of a mapping passes the value on to that key, with the template's
# choices. Everything else is reachable with --set KEY=VALUE.
SHORTCUTS: dict[str, tuple[str, str | dict[Any, dict[str, Any]]]] = {
    "--layout": ("Project layout.", "layout"),
    "--db": (
        "Database through Flask-SQLAlchemy, or none.",
        {
            "sqlite": {"use_sqlalchemy": True, "database": "sqlite"},
            "postgresql": {"use_sqlalchemy": True, "database": "postgresql"},
            "none": {"use_sqlalchemy": False},
        },
    ),
    "--migrate/--no-migrate": (
        "Flask-Migrate with a first migration.",
        {True: {"use_migrate": True}, False: {"use_migrate": False}},
    ),
    "--auth/--no-auth": (
        "Accounts, sign-in pages and API tokens; notes belong to users.",
        {True: {"use_auth": True}, False: {"use_auth": False}},
    ),
    "--deploy/--no-deploy": (
        "Gunicorn, Nginx and systemd files in deploy/.",
        {True: {"deployment": "gunicorn-nginx"}, False: {"deployment": "none"}},
    ),
}


def shortcut_name(flag: str) -> str:
    """The click parameter name of a SHORTCUTS flag: ``--no-x`` pairs are ``x``."""
    return flag.split("/")[0].removeprefix("--").replace("-", "_")


def shortcut_options(command: Any) -> Any:
    """Add one click option per SHORTCUTS row to ``command``."""
    for flag, (text, target) in reversed(SHORTCUTS.items()):
        name = shortcut_name(flag)
        if "/" in flag:
            option = click.option(flag, name, default=None, help=text)
        elif isinstance(target, str):
            option = click.option(flag, name, type=TemplateChoice(target), help=text)
        else:
            choices = TemplateChoice(None, tuple(target))
            option = click.option(flag, name, type=choices, help=text)
        command = option(command)
    return command


def _print_version(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    from .errors import FlaskcutterError
    from .template import find_template_dir

    try:
        where: Any = find_template_dir()
    except FlaskcutterError:
        where = "not found"
    click.echo(f"flaskcutter {__version__} (template: {where})")
    ctx.exit()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_print_version,
    help="Show the version and the template in use, then exit.",
)
def main() -> None:
    """Generate Flask projects that a team can ship.

    Start with `flaskcutter new NAME`; `flaskcutter options` lists every answer
    that can be given with --set KEY=VALUE or in a --preset TOML file.
    """


@main.command()
@click.argument("name", required=False)
@click.option(
    "-o",
    "--output-dir",
    type=click.Path(path_type=Path),
    default=Path(),
    help="Where to create the project directory (created if missing).  [default: .]",
)
@shortcut_options
@click.option(
    "--set",
    "sets",
    multiple=True,
    metavar="KEY=VALUE",
    help="Any template answer; repeatable. See `flaskcutter options`.",
)
@click.option(
    "--preset",
    type=click.Path(path_type=Path),
    help="A TOML file of answers. Precedence: defaults < preset < options.",
)
@click.option(
    "--no-input", is_flag=True, help="Never prompt (implied when stdin is not a terminal)."
)
@click.option("--dry-run", is_flag=True, help="Show the files and answers; write nothing.")
@click.option(
    "--git/--no-git",
    default=None,
    help="git init and one commit.  [default: on when git is installed]",
)
@click.option("--install", is_flag=True, help="Create .venv, install the project, run its tests.")
@click.option("-q", "--quiet", is_flag=True, help="Print only errors.")
@click.option(
    "--template",
    metavar="SRC",
    help="Generate from this template: a directory, or a git repository by path or URL.",
)
@click.option("--checkout", metavar="REF", help="The branch, tag or commit of a git --template.")
def new(**options: Any) -> None:
    """Create a Flask project named NAME (its directory and package derive from it)."""
    from .newproject import NewOptions, run

    shortcuts = tuple(
        (flag, options.pop(shortcut_name(flag)))
        for flag in SHORTCUTS
        if options.get(shortcut_name(flag)) is not None
    )
    for flag in SHORTCUTS:
        options.pop(shortcut_name(flag), None)
    run(NewOptions(shortcuts=shortcuts, **options))


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.option("--markdown", is_flag=True, help="Print the README's options table (Markdown).")
def options(as_json: bool, markdown: bool) -> None:
    """List every template answer with its choices, default and meaning."""
    import json

    from .answers import catalog, catalog_rows
    from .template import load_template

    keys = catalog(load_template())
    if as_json:
        click.echo(json.dumps(keys, indent=2, ensure_ascii=False))
        return
    rows = catalog_rows(keys)
    if markdown:
        click.echo("| key | default | choices | meaning |\n| --- | --- | --- | --- |")
        for row in rows:
            key, default, choices, meaning = row
            click.echo(f"| `{key}` | `{default}` | {choices} | {meaning} |")
        return
    from rich.console import Console
    from rich.table import Table

    table = Table("key", "default", "choices", "meaning", box=None, header_style="bold")
    for row in rows:
        table.add_row(*row)
    console = Console(highlight=False)
    console.print(table)
    console.print("Give any of them with --set KEY=VALUE or in a --preset TOML file.")


# --- Keeping projects up to date: update, check, add ----------------------------------

# update, check and add all act on one existing project.
PROJECT_OPTION = click.option(
    "--project",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path(),
    help="The project's root directory.  [default: .]",
)


@main.command()
@PROJECT_OPTION
@click.option(
    "--template",
    metavar="SRC",
    help="Update from this template (a directory, or a git repository by path or URL) "
    "instead of the recorded one.",
)
@click.option(
    "--to", metavar="REF", help="The branch, tag or commit to update to.  [default: latest]"
)
@click.option(
    "--set",
    "sets",
    multiple=True,
    metavar="KEY=VALUE",
    help="Change an answer through the same merge; repeatable.",
)
@click.option("--dry-run", is_flag=True, help="Show what would change or conflict; write nothing.")
def update(**options: Any) -> None:
    """Merge a newer template version, or changed answers, into a project.

    Exit 0 when everything merged, 1 when conflicts are left (marked inline and listed),
    2 when the project cannot be updated (uncommitted changes, not a project, unknown ref).
    """
    from .update import UpdateOptions, run

    run(UpdateOptions(**options))


@main.command()
@PROJECT_OPTION
@click.option(
    "--template", metavar="SRC", help="Compare with this template instead of the recorded one."
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
def check(project: Path, template: str | None, as_json: bool) -> None:
    """Exit 0 when the project is at the template's latest version with no conflict left.

    Exit 1 when it is behind or an update's conflict markers remain; 2 on usage errors.
    """
    from .check import run

    run(project, template, as_json)


@main.group()
def add() -> None:
    """Add a part to an existing project."""


@add.command("blueprint")
@click.argument("name")
@PROJECT_OPTION
def add_blueprint(name: str, project: Path) -> None:
    """Add blueprint NAME: a package, a page, a test, registered in create_app."""
    from .blueprint import run

    run(project, name)
