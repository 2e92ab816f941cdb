"""Fixtures in the style of the Flask tutorial: app, client and runner."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from {{ cookiecutter.package_name }} import create_app


@pytest.fixture
def app() -> Iterator[Flask]:
    app = create_app("testing")
    # With SQLAlchemy, every test starts from empty tables (TEST_DATABASE_URL or
    # in-memory SQLite); without it there is nothing to set up.
    database = app.extensions.get("sqlalchemy")
    if database is not None:
        with app.app_context():
            database.create_all()
    yield app
    if database is not None:
        with app.app_context():
            database.session.remove()
            database.drop_all()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()
