"""Commands for the `flask` CLI, e.g. `flask --app {{ cookiecutter.package_name }} gen-secret`."""

from __future__ import annotations

import secrets

import click
from flask import Flask


@click.command("gen-secret")
def gen_secret_command() -> None:
    """Print a random SECRET_KEY for production."""
    click.echo(secrets.token_hex(32))


def init_app(app: Flask) -> None:
    # Installed, the project also declares gen-secret as a Flask plugin command
    # (pyproject.toml), which `flask` finds without loading the app.
    app.cli.add_command(gen_secret_command)
