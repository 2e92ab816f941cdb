"""The cached notes lists: kept until a write, per user, and never needed to answer.

Without REDIS_URL the tests cache in the process (Flask-Caching's SimpleCache), which
takes the same path through cache.py as Redis does.
"""

from __future__ import annotations

import logging
import re
import secrets
import socket

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text, update

from {{ cookiecutter.package_name }} import ConfigError, Note, create_app, db

from .conftest import {% if cookiecutter.use_auth %}make_token, {% endif %}new_client


def titles(client: FlaskClient) -> tuple[list[str], list[str]]:
    """The titles the JSON list and the page show."""
    listed = [note["title"] for note in client.get("/api/notes").get_json()["notes"]]
    page = client.get("/notes/").get_data(as_text=True)
    return listed, re.findall(r"<h2>(.*?)</h2>", page)


def rename_behind_the_cache(app: Flask) -> None:
    """Change a title in the database the way no request does: a raw statement."""
    with app.app_context():
        db.session.execute(text("UPDATE note SET title = 'renamed behind'"))
        db.session.commit()


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_without_redis_url_the_cache_is_in_process_and_says_so(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("REDIS_URL", raising=False)
    with caplog.at_level(logging.WARNING):
        app = create_app("testing")
    assert app.config["CACHE_TYPE"] == "SimpleCache"
    assert "REDIS_URL is not set" in caplog.text


def test_the_lists_are_served_from_the_cache(app: Flask, client: FlaskClient) -> None:
    client.post("/api/notes", json={"title": "first"})
    assert titles(client) == (["first"], ["first"])
    rename_behind_the_cache(app)
    # Both lists were cached before the change, which bypassed the invalidation.
    assert titles(client) == (["first"], ["first"])


def test_every_write_invalidates_the_lists(app: Flask, client: FlaskClient) -> None:
    note = client.post("/api/notes", json={"title": "first"}).get_json()
    assert titles(client) == (["first"], ["first"])
    client.post("/api/notes", json={"title": "second"})
    assert titles(client) == (["second", "first"], ["second", "first"])
    client.patch(f"/api/notes/{note['id']}", json={"title": "renamed behind"})
    assert titles(client)[0] == ["second", "renamed behind"]
    client.delete(f"/api/notes/{note['id']}")
    assert titles(client) == (["second"], ["second"])


def test_a_write_outside_a_request_invalidates_too(
    app: Flask, client: FlaskClient
) -> None:
    client.post("/api/notes", json={"title": "first"})
    assert titles(client)[0] == ["first"]
    with app.app_context():
        db.session.execute(update(Note).values(title="second"))
        db.session.commit()
    assert titles(client)[0] == ["second"]
{%- if cookiecutter.use_auth %}


def test_each_user_has_a_list_of_their_own(app: Flask, client: FlaskClient) -> None:
    client.post("/api/notes", json={"title": "first"})
    assert titles(client)[0] == ["first"]
    other = app.test_client()
    token = make_token(app, "other@example.com")
    other.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    assert other.get("/api/notes").get_json()["notes"] == []
    other.post("/api/notes", json={"title": "second"})
    assert titles(client)[0] == ["first"]
    assert other.get("/api/notes").get_json()["notes"][0]["title"] == "second"


def test_rate_limits_count_in_the_same_redis(monkeypatch: pytest.MonkeyPatch) -> None:
    # So a limit holds across servers; a storage of its own can still be named.
    monkeypatch.delenv("RATELIMIT_STORAGE_URI", raising=False)
    url = f"redis://127.0.0.1:{closed_port()}/0"
    app = create_app("testing", {"REDIS_URL": url})
    assert app.config["RATELIMIT_STORAGE_URI"] == url
{%- endif %}


def test_without_redis_every_request_reads_the_database(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # A real refused connection: nothing listens on this port.
    app = create_app("testing", {"REDIS_URL": f"redis://127.0.0.1:{closed_port()}/0"})
    assert app.config["CACHE_TYPE"] == "RedisCache"
    with app.app_context():
        db.create_all()
    client = new_client(app)
    with caplog.at_level(logging.WARNING):
        assert client.post("/api/notes", json={"title": "first"}).status_code == 201
        assert titles(client) == (["first"], ["first"])
        client.post("/api/notes", json={"title": "second"})
        assert titles(client) == (["second", "first"], ["second", "first"])
    assert "cache unreachable" in caplog.text
    health = client.get("/healthz")
    assert health.status_code == 200
    assert health.get_json() == {"status": "degraded", "cache": "unreachable"}


def test_healthz_is_ok_while_the_cache_answers(client: FlaskClient) -> None:
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_production_requires_redis_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SECRET_KEY", secrets.token_hex(32))
    monkeypatch.setenv("TRUSTED_HOSTS", "example.com")
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    monkeypatch.delenv("REDIS_URL", raising=False)
    with pytest.raises(ConfigError, match="REDIS_URL must be set in production"):
        create_app("production")
