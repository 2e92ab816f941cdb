"""Commands for the `flask` CLI, e.g. `flask --app {{ cookiecutter.package_name }} gen-secret`."""

from __future__ import annotations

import secrets

import click
from flask import Flask
{%- if cookiecutter.use_sqlalchemy and not cookiecutter.use_migrate %}
from flask.cli import with_appcontext

from .extensions import db
{%- endif %}


@click.command("gen-secret")
def gen_secret_command() -> None:
    """Print a random SECRET_KEY for production."""
    click.echo(secrets.token_hex(32))
{%- if cookiecutter.use_sqlalchemy and not cookiecutter.use_migrate %}


@click.command("init-db")
@with_appcontext
def init_db_command() -> None:
    """Create the database tables that do not exist yet."""
    db.create_all()
    click.echo("Initialised the database.")
{%- endif %}


def init_app(app: Flask) -> None:
    app.cli.add_command(gen_secret_command)
{%- if cookiecutter.use_sqlalchemy and not cookiecutter.use_migrate %}
    app.cli.add_command(init_db_command)
{%- endif %}
