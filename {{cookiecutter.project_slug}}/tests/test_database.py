"""Database configuration and the database part of the health check."""

from __future__ import annotations

import secrets
{%- if cookiecutter.database == "postgresql" %}
import socket
import threading
{%- endif %}
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from {{ cookiecutter.package_name }} import (
    ConfigError,
    create_app,
    db,
    normalise_database_url,
    reader,
)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgres://u:p@db/app", "postgresql+psycopg://u:p@db/app"),
        ("postgresql://u:p@db/app", "postgresql+psycopg://u:p@db/app"),
        ("postgresql+psycopg://u@db/app", "postgresql+psycopg://u@db/app"),
        ("sqlite:///app.sqlite", "sqlite:///app.sqlite"),
    ],
)
def test_database_urls_are_normalised_to_psycopg(url: str, expected: str) -> None:
    assert normalise_database_url(url) == expected


def test_development_uses_sqlite_in_instance_folder(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app("development")
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"] == {"connect_args": {"timeout": 5}}


def test_testing_uses_test_database_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_DATABASE_URL", "sqlite:///elsewhere.sqlite")
    app = create_app("testing")
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite:///elsewhere.sqlite"


def test_testing_defaults_to_in_memory_sqlite(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TEST_DATABASE_URL", raising=False)
    assert create_app("testing").config["SQLALCHEMY_DATABASE_URI"] == "sqlite://"


def test_production_requires_database_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SECRET_KEY", secrets.token_hex(32))
    monkeypatch.setenv("TRUSTED_HOSTS", "example.com")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    with pytest.raises(ConfigError, match="DATABASE_URL"):
        create_app("production")


def test_healthz_checks_the_database(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_healthz_is_503_when_database_is_unreachable(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-dir" / "db.sqlite"
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{missing}"})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "database": "unreachable"}


def test_test_config_overrides_the_database_url(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'given.sqlite'}"
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == url
{%- if cookiecutter.use_migrate %}


def test_init_db_points_to_the_migrations(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'init.sqlite'}"
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url})
    result = app.test_cli_runner().invoke(args=["init-db"])
    assert result.exit_code != 0
    assert "flask db upgrade" in result.output
{%- else %}


def test_init_db_creates_the_tables(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'init.sqlite'}"
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url})
    result = app.test_cli_runner().invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        database = app.extensions["sqlalchemy"]
        assert "note" in database.inspect(database.engine).get_table_names()
{%- endif %}
{%- if cookiecutter.database == "postgresql" %}


def test_a_database_that_never_answers_gives_503_not_a_hang() -> None:
    # A server that accepts connections and then says nothing, as a wedged database
    # or a black-holed network does; the thread bounds the test if the fix regresses.
    silent = socket.create_server(("127.0.0.1", 0))
    port = silent.getsockname()[1]
    url = f"postgresql+psycopg://nobody@127.0.0.1:{port}/none"
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url, "DATABASE_TIMEOUT": 1})
    replies: list[int] = []
    worker = threading.Thread(
        target=lambda: replies.append(app.test_client().get("/healthz").status_code),
        daemon=True,
    )
    worker.start()
    worker.join(timeout=60)
    silent.close()
    assert replies == [503]
{%- endif %}


def test_without_a_replica_url_every_read_uses_the_primary(
    monkeypatch: pytest.MonkeyPatch, client: FlaskClient
) -> None:
    monkeypatch.delenv("DATABASE_REPLICA_URL", raising=False)
    app = create_app("testing")
    assert app.config["SQLALCHEMY_BINDS"] == {}
    with app.test_request_context("/notes/"):
        assert reader() is db.session
    # Nor does a write leave a cookie behind.
    reply = client.post("/api/notes", json={"title": "no replica"})
    assert reply.status_code == 201
    assert "read_primary_until" not in reply.headers.get("Set-Cookie", "")


def test_a_replica_needs_postgresql(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_REPLICA_URL", "sqlite:///replica.sqlite")
    with pytest.raises(ConfigError, match="DATABASE_REPLICA_URL needs PostgreSQL"):
        create_app("testing", {"SQLALCHEMY_DATABASE_URI": "sqlite://"})
