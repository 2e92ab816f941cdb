"""The notes feature: the Note model, its page and its resource under /api/notes."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from {{ cookiecutter.package_name }} import Note, db


def create(client: FlaskClient, **payload: object) -> dict:
    response = client.post("/api/notes", json=payload)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_note_model_round_trips(app: Flask) -> None:
    with app.app_context():
        db.session.add(Note(title="First", body="Hello"))
        db.session.commit()
        note = db.session.scalars(db.select(Note)).one()
        assert (note.title, note.body) == ("First", "Hello")
        assert note.created_at is not None
        assert note.to_dict()["id"] == note.id


def test_list_starts_empty(client: FlaskClient) -> None:
    assert client.get("/api/notes").get_json() == {"notes": []}


def test_create_then_get_and_list(client: FlaskClient) -> None:
    note = create(client, title="  Groceries ", body="milk")
    assert note["title"] == "Groceries"
    assert client.get(f"/api/notes/{note['id']}").get_json() == note
    assert client.get("/api/notes").get_json() == {"notes": [note]}


def test_list_is_newest_first(client: FlaskClient) -> None:
    first = create(client, title="one")
    second = create(client, title="two")
    ids = [n["id"] for n in client.get("/api/notes").get_json()["notes"]]
    assert ids == [second["id"], first["id"]]


def test_notes_page_shows_notes_escaped(client: FlaskClient) -> None:
    create(client, title="<b>Visible</b>")
    page = client.get("/notes/").data
    assert b"&lt;b&gt;Visible&lt;/b&gt;" in page


def test_index_links_to_the_notes_page(client: FlaskClient) -> None:
    assert b'href="/notes/"' in client.get("/").data


def test_delete_removes_note(client: FlaskClient) -> None:
    note = create(client, title="temporary")
    assert client.delete(f"/api/notes/{note['id']}").status_code == 204
    assert client.get(f"/api/notes/{note['id']}").status_code == 404


def test_missing_note_is_json_404(client: FlaskClient) -> None:
    for method in (client.get, client.delete):
        response = method("/api/notes/999")
        assert response.status_code == 404
        assert response.get_json()["status"] == 404


def test_missing_title_is_rejected_with_field_errors(client: FlaskClient) -> None:
    response = client.post("/api/notes", json={"body": "no title"})
    assert response.status_code == 422
    assert "title" in response.get_json()["fields"]


def test_wrong_types_and_lengths_are_rejected(client: FlaskClient) -> None:
    response = client.post("/api/notes", json={"title": "x" * 201, "body": 5})
    assert response.status_code == 422
    assert set(response.get_json()["fields"]) == {"title", "body"}


def test_non_object_body_is_rejected(client: FlaskClient) -> None:
    for data in ("[1, 2]", "not json"):
        response = client.post("/api/notes", data=data, content_type="application/json")
        assert response.status_code == 400
        assert response.get_json()["status"] == 400
