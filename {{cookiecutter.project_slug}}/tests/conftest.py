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
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()
