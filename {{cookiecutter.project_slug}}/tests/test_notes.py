"""The notes feature: the Note model, its page and its resource under /api/notes."""

from __future__ import annotations

import io
import json
import sqlite3
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask import Flask
from flask.testing import FlaskClient
from marshmallow import Schema, fields

{% if cookiecutter.layout == 'single' -%}
from {{ cookiecutter.package_name }} import (
    CompiledSchema,
    Note,
    NotePageSchema,
    NoteSchema,
    UtcDateTime,
    create_app,
    db,
)
{% else -%}
from {{ cookiecutter.package_name }} import Note, create_app, db
from {{ cookiecutter.package_name }}.notes.schemas import (
    CompiledSchema,
    NotePageSchema,
    NoteSchema,
    UtcDateTime,
)
{% endif %}
from .conftest import new_client

PROBLEM = "application/problem+json"


def create(client: FlaskClient, **payload: object) -> dict:
    response = client.post("/api/notes", json=payload)
    assert response.status_code == 201, response.get_json()
    assert response.headers["Location"] == f"/api/notes/{response.get_json()['id']}"
    return response.get_json()


def problem(response: object, status: int) -> dict:
    """The body of an RFC 9457 problem answer, after checking its status and type."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    body = response.get_json()
    assert body["status"] == status
    assert {"type", "title", "detail"} <= set(body)
    return body


def test_note_model_round_trips(app: Flask) -> None:
    with app.app_context():
        db.session.add(Note(title="First", body="Hello"))
        db.session.commit()
        note = db.session.scalars(db.select(Note)).one()
        assert (note.title, note.body) == ("First", "Hello")
        assert note.created_at is not None


def test_list_starts_empty(client: FlaskClient) -> None:
    assert client.get("/api/notes").get_json() == {"notes": [], "next": None}


def test_create_then_get_and_list(client: FlaskClient) -> None:
    note = create(client, title="Groceries", body="milk")
    assert note["title"] == "Groceries"
    assert client.get(f"/api/notes/{note['id']}").get_json() == note
    assert client.get("/api/notes").get_json() == {"notes": [note], "next": None}


def test_timestamps_carry_an_explicit_utc_offset(client: FlaskClient) -> None:
    note = create(client, title="when")
    # Read back from the database, where SQLite keeps no time zone.
    for shown in (note, client.get(f"/api/notes/{note['id']}").get_json()):
        created = datetime.fromisoformat(shown["created_at"])
        assert created.utcoffset() is not None
        assert created.utcoffset().total_seconds() == 0


def test_list_is_newest_first(client: FlaskClient) -> None:
    first = create(client, title="one")
    second = create(client, title="two")
    ids = [n["id"] for n in client.get("/api/notes").get_json()["notes"]]
    assert ids == [second["id"], first["id"]]


def test_list_is_paged_with_a_next_link(client: FlaskClient) -> None:
    ids = [create(client, title=f"note {i}")["id"] for i in range(5)]
    seen, url, pages = [], "/api/notes?limit=2", 0
    while url:
        response = client.get(url)
        page = response.get_json()
        assert len(page["notes"]) <= 2
        if page["next"]:
            assert response.headers["Link"] == f'<{page["next"]}>; rel="next"'
        seen += [n["id"] for n in page["notes"]]
        url, pages = page["next"], pages + 1
    assert seen == ids[::-1]
    assert pages == 3


def test_default_page_is_bounded(client: FlaskClient) -> None:
    for i in range(25):
        create(client, title=f"n{i}")
    page = client.get("/api/notes").get_json()
    assert len(page["notes"]) == 20
    assert page["next"]
    assert len(client.get("/api/notes?limit=100").get_json()["notes"]) == 25


def test_page_size_and_cursor_are_checked(client: FlaskClient) -> None:
    for query in ("limit=0", "limit=101", "limit=x", "cursor=0", "cursor=-1"):
        body = problem(client.get(f"/api/notes?{query}"), 422)
        assert set(body["errors"]) == {query.split("=")[0]}, query


def test_put_replaces_and_patch_changes_some_fields(client: FlaskClient) -> None:
    note = create(client, title="draft", body="old")
    url = f"/api/notes/{note['id']}"
    patched = client.patch(url, json={"body": "new"}).get_json()
    assert (patched["title"], patched["body"]) == ("draft", "new")
    replaced = client.put(url, json={"title": "final"}).get_json()
    assert (replaced["title"], replaced["body"]) == ("final", "")
    assert replaced["created_at"] == note["created_at"]
    assert client.get(url).get_json() == replaced
    problem(client.put(url, json={"body": "no title"}), 422)
    problem(client.patch(url, json={"title": None}), 422)


def test_notes_page_shows_notes_escaped(client: FlaskClient) -> None:
    create(client, title="<b>Visible</b>")
    page = client.get("/notes/").data
    assert b"&lt;b&gt;Visible&lt;/b&gt;" in page


def test_index_links_to_the_notes_page(client: FlaskClient) -> None:
    assert b'href="/notes/"' in client.get("/").data


def test_delete_removes_note_and_answers_no_content(client: FlaskClient) -> None:
    note = create(client, title="temporary")
    response = client.delete(f"/api/notes/{note['id']}")
    assert response.status_code == 204
    assert response.data == b""
    assert "Content-Type" not in response.headers
    problem(client.get(f"/api/notes/{note['id']}"), 404)


def test_missing_note_is_a_404_problem_naming_it(client: FlaskClient) -> None:
    for method in (client.get, client.delete, client.put, client.patch):
        response = method("/api/notes/999", json={"title": "x"})
        assert problem(response, 404)["detail"] == "note 999 not found"


def test_ids_past_what_the_database_stores_are_404(client: FlaskClient) -> None:
    for note_id in (2**31, 2**63, 2**64, 10**30):
        body = problem(client.get(f"/api/notes/{note_id}"), 404)
        assert body["detail"] == f"note {note_id} not found"
        problem(client.patch(f"/api/notes/{note_id}", json={"title": "x"}), 404)


def test_field_errors_are_422_with_each_fields_message(client: FlaskClient) -> None:
    response = client.post("/api/notes", json={"title": 123, "body": 5})
    errors = problem(response, 422)["errors"]
    assert errors == {"title": ["Not a valid string."], "body": ["Not a valid string."]}
    errors = problem(client.post("/api/notes", json={"body": "x"}), 422)["errors"]
    assert errors == {"title": ["Missing data for required field."]}
    long = {"title": "x" * 201, "body": "y" * 10_001, "color": "red"}
    errors = problem(client.post("/api/notes", json=long), 422)["errors"]
    assert set(errors) == {"title", "body", "color"}


def test_text_no_backend_stores_is_refused_on_every_backend(
    client: FlaskClient,
) -> None:
    for payload in (
        {"title": "a\x00b"},
        {"title": "ok", "body": "a\x00b"},
        {"title": " "},
    ):
        problem(client.post("/api/notes", json=payload), 422)
    # Line breaks and tabs are text: only titles, shown on one line, refuse them.
    problem(client.post("/api/notes", json={"title": "a\tb"}), 422)
    assert create(client, title="Ünïcode ✓", body="line\nbreak\ttab")


def test_bodies_that_are_not_json_objects(client: FlaskClient) -> None:
    cases = {
        "not json": 400,
        "": 400,
        "[" * 10_000 + "]" * 10_000: 400,
        '{"title": "\\ud800"}': 400,
        "[1, 2]": 422,
    }
    for data, status in cases.items():
        response = client.post("/api/notes", data=data, content_type="application/json")
        problem(response, status)
    response = client.post("/api/notes", data={"title": "form"})
    assert "JSON" in problem(response, 415)["detail"]
    problem(client.post("/api/notes", data="{}", content_type="text/plain"), 415)


def test_body_over_the_limit_is_413_even_when_chunked(
    app: Flask, client: FlaskClient
) -> None:
    limit = app.config["MAX_CONTENT_LENGTH"]
    body = b'{"title": "' + b"x" * limit + b'"}'
    problem(client.post("/api/notes", data=body, content_type="application/json"), 413)
    # No Content-Length: the server only finds out while it reads.
    response = client.post(
        "/api/notes",
        input_stream=io.BytesIO(body),
        content_type="application/json",
        headers={"Transfer-Encoding": "chunked"},
        # What Gunicorn says of a chunked body it has de-chunked.
        environ_overrides={"wsgi.input_terminated": True},
    )
    problem(response, 413)


def test_openapi_document_describes_the_notes_resource(client: FlaskClient) -> None:
    spec = client.get("/api/openapi.json").get_json()
    assert set(spec["paths"]["/api/notes"]) >= {"get", "post"}
    assert set(spec["paths"]["/api/notes/{note_id}"]) >= {
        "get",
        "put",
        "patch",
        "delete",
    }
    note = spec["components"]["schemas"]["Note"]
    assert note["properties"]["title"]["maxLength"] == 200
    assert note["required"] == ["title"]


def test_openapi_document_asks_for_a_token_only_with_accounts(
    app: Flask, client: FlaskClient
) -> None:
    spec = client.get("/api/openapi.json").get_json()
    # Accounts (use_auth) guard the API; tests/test_auth.py checks what they declare.
    accounts = "note_owners" in app.extensions
    assert ("securitySchemes" in spec.get("components", {})) == accounts
    if not accounts:
        assert all(
            "security" not in operation
            for path in spec["paths"].values()
            for operation in path.values()
        )


ODD_TEXTS = [
    "",
    " padded ",
    "é日本語😀",
    '"quoted" \\ back\\slash',
    "line\nbreak\ttab",
    "<b>&amp;</b>",
    "\u202eright to left",
    "x" * 200,
]
OFFSETS = [
    None,
    UTC,
    timezone(timedelta(hours=5, minutes=30)),
    timezone(-timedelta(hours=8)),
]


def marshmallows_own(
    monkeypatch: pytest.MonkeyPatch, schema: type[Schema], obj: object
) -> str:
    """``obj`` dumped by marshmallow itself, in every nested schema too, as JSON."""
    with monkeypatch.context() as patch:
        patch.setattr(CompiledSchema, "dump", Schema.dump)
        return json.dumps(schema().dump(obj))


def test_compiled_dump_is_marshmallows_for_notes_read_back(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Odd texts and timestamps with and without offsets, as this backend hands them back
    # (SQLite: naive; PostgreSQL: aware), page by page and note by note.
    moments = [
        datetime(2026, 3, 29, 1, 59, 59, micro, tzinfo=offset)
        for micro in (0, 1, 999_999)
        for offset in OFFSETS
    ]
    with app.app_context():
        for index, moment in enumerate(moments):
            text = ODD_TEXTS[index % len(ODD_TEXTS)]
            db.session.add(Note(title=text or "t", body=text[::-1], created_at=moment))
        db.session.commit()
        db.session.expire_all()
        notes = db.session.scalars(db.select(Note)).all()
        pages = [
            {"notes": notes, "next": None},
            {"notes": notes[:1], "next": "/api/notes?limit=1&cursor=2"},
        ]
        for schema, obj in [(NotePageSchema, page) for page in pages] + [
            (NoteSchema, note) for note in notes
        ]:
            fast = json.dumps(schema().dump(obj))
            assert fast == marshmallows_own(monkeypatch, schema, obj), obj
            if schema is NoteSchema:
                assert datetime.fromisoformat(json.loads(fast)["created_at"]).tzinfo


def test_compiled_dump_follows_marshmallow_on_every_kind_of_field(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class Inner(CompiledSchema):
        n = fields.Integer()

    class Odd(CompiledSchema):
        renamed = fields.String(data_key="shown")
        aliased = fields.Integer(attribute="real")
        dotted = fields.Integer(attribute="inner.n")
        defaulted = fields.String(dump_default="none")
        as_text = fields.Integer(as_string=True)
        flag = fields.Integer()
        method = fields.Method("double")
        entries = fields.List(fields.Nested(Inner))
        many = fields.Nested(Inner, many=True)
        plucked = fields.Pluck(Inner, "n")
        when = UtcDateTime()

        def double(self, obj: object) -> int:
            return 2 * self.get_attribute(obj, "real", 0)

    full = {
        "renamed": "a",
        "real": 3,
        "inner": {"n": 1},
        "as_text": 7,
        "flag": True,
        "entries": [{"n": 1}, {"n": None}],
        "many": [{"n": 2}],
        "plucked": {"n": 4},
        "when": datetime(2026, 1, 1, 12, tzinfo=OFFSETS[2]),
    }
    sparse = {"renamed": None, "real": 0, "inner": {}, "entries": None, "when": None}
    for obj in (full, sparse, {}, SimpleNamespace(**full), SimpleNamespace(real=1)):
        assert json.dumps(Odd().dump(obj)) == marshmallows_own(monkeypatch, Odd, obj)
    assert Odd(many=True).dump([full, sparse]) == [Odd().dump(full), Odd().dump(sparse)]


def test_locked_sqlite_database_is_503_with_retry_after(tmp_path: Path) -> None:
    path = tmp_path / "locked.sqlite"
    settings = {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
        # Give up on the lock at once instead of SQLite's 5 s.
        "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"timeout": 0.05}},
    }
    app = create_app("testing", settings)
    with app.app_context():
        db.create_all()
    client = new_client(app)
    other = sqlite3.connect(path)  # another process's lock, as far as SQLite knows
    try:
        other.execute("BEGIN EXCLUSIVE")
        response = client.post("/api/notes", json={"title": "x"})
        assert (
            problem(response, 503)["detail"]
            == "The database is busy; try again shortly."
        )
        assert response.headers["Retry-After"].isdigit()
        page = app.test_client().get("/notes/")
        assert (page.status_code, page.mimetype) == (503, "text/html")
        assert "Retry-After" in page.headers
    finally:
        other.close()


def test_an_empty_notes_page_points_to_the_api(client: FlaskClient) -> None:
    page = client.get("/notes/")
    assert page.status_code == 200
    assert b"/api/notes" in page.data
