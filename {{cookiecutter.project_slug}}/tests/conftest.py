"""Fixtures in the style of the Flask tutorial: app, client and runner."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from {{ cookiecutter.package_name }} import create_app{% if cookiecutter.use_sqlalchemy %}, db{% endif %}


@pytest.fixture
def app() -> Iterator[Flask]:
    app = create_app("testing")
{%- if cookiecutter.use_sqlalchemy %}
    # Every test starts from empty tables (TEST_DATABASE_URL or in-memory SQLite).
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.drop_all()
{%- else %}
    yield app
{%- endif %}


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return new_client(app)


def new_client(app: Flask) -> FlaskClient:
    """A test client for ``app``{% if cookiecutter.use_auth and cookiecutter.use_sqlalchemy %}, signed in as a user with an API token{% endif %}."""
    client = app.test_client()
{%- if cookiecutter.use_auth and cookiecutter.use_sqlalchemy %}
    # Pages and the API need an account: this client has one, so the notes tests run
    # as they are; tests/test_auth.py covers the refusals.
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {make_token(app)}"
    form = {"email": "owner@example.com", "password": "a long passphrase"}
    assert client.post("/auth/signin", data=form).status_code == 302
{%- endif %}
    return client
{%- if cookiecutter.use_auth and cookiecutter.use_sqlalchemy %}


def make_token(app: Flask, email: str = "owner@example.com") -> str:
    """A user (created if needed) with a fresh API token; return the token."""
    runner = app.test_cli_runner()
    runner.invoke(
        args=["create-user", email, "--password-stdin"], input="a long passphrase\n"
    )
    result = runner.invoke(args=["create-token", email])
    assert result.exit_code == 0, result.output
    return result.output.splitlines()[-1]
{%- endif %}


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()
