"""The notes resource of the JSON API: list, create, read, replace, update, delete."""

from __future__ import annotations

import json
from typing import Any

from flask import Response, abort, current_app, request, url_for
from flask.views import MethodView
from flask_smorest import Blueprint as ResourceBlueprint
from sqlalchemy import select

from ..orm import db, reader
from .models import Note
from .schemas import (
    MAX_NOTE_ID,
    NotePageSchema,
    NotePatchSchema,
    NoteQuerySchema,
    NoteSchema,
)
from .views import newest_notes

bp = ResourceBlueprint("notes_api", __name__, description="Titled texts.")
# @bp.arguments takes schema instances: given a class, webargs would build a new
# schema, tens of microseconds, for every request.


def note_owners() -> Any:
    """The accounts feature's ownership rules (auth/accounts.py), or None without it."""
    return current_app.extensions.get("note_owners")


@bp.before_request
def require_token() -> None:
    # With accounts, every call needs a personal access token (401 without one).
    if (owners := note_owners()) is not None:
        owners.authenticate_api()


@bp.before_request
def require_json_body() -> None:
    """415 for a body that is not JSON, 400 for JSON that Python cannot take.

    The parser would see a form body as no fields at all (422), and lets a
    10,000-deep array or a lone surrogate through to a 500 further down.
    """
    if request.method not in {"POST", "PUT", "PATCH"}:
        return
    if not request.is_json:
        abort(
            415, description="The body must be JSON (Content-Type: application/json)."
        )
    data = request.get_data(cache=True)
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    if request.content_length is None and limit is not None and len(data) >= limit:
        # A chunked body is cut at the limit rather than refused: refuse it here.
        abort(413)
    try:
        payload = json.loads(data)
        json.dumps(payload, ensure_ascii=False).encode("utf-8")
    except RecursionError:
        abort(400, description="The body is not valid JSON: it is nested too deeply.")
    except UnicodeError:
        abort(400, description="The body is not valid JSON: it holds a lone surrogate.")
    except ValueError:
        abort(400, description="The body is not valid JSON.")


def note_or_404(note_id: int, for_reading: bool = False) -> Note:
    # Ids past what the database stores cannot exist; asking it would overflow.
    # Reads may go to a replica (orm.reader()); a note about to change never does.
    session = reader() if for_reading else db.session
    note = session.get(Note, note_id) if note_id <= MAX_NOTE_ID else None
    owners = note_owners()
    # Another user's note is answered exactly as a missing one.
    if note is None or (owners is not None and not owners.owns(note)):
        abort(404, description=f"note {note_id} not found")
    return note


@bp.route("", endpoint="notes")
class NoteCollection(MethodView):
    @bp.arguments(NoteQuerySchema(), location="query", as_kwargs=True)
    @bp.response(200, NotePageSchema)
    def get(self, limit: int, cursor: int | None = None) -> Any:
        """List notes, newest first, a page at a time (follow `next`)."""
        query = select(Note).order_by(Note.id.desc()).limit(limit + 1)
        if cursor is not None:
            query = query.where(Note.id < cursor)
        if (owners := note_owners()) is not None:
            query = owners.visible(query)
        # First pages only are cached: a cursor is any number a client picks.
        notes = newest_notes(f"api:{limit}" if cursor is None else None, query)
        page, more = notes[:limit], len(notes) > limit
        link = url_for(".notes", limit=limit, cursor=page[-1].id) if more else None
        headers = {"Link": f'<{link}>; rel="next"'} if link else {}
        return {"notes": page, "next": link}, headers

    @bp.arguments(NoteSchema())
    @bp.response(201, NoteSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Create a note."""
        note = Note(**data)
        db.session.add(note)
        if (owners := note_owners()) is not None:
            owners.claim(note)
        db.session.commit()
        return note, {"Location": url_for(".note", note_id=note.id)}


@bp.route("/<int:note_id>", endpoint="note")
class NoteItem(MethodView):
    @bp.response(200, NoteSchema)
    def get(self, note_id: int) -> Any:
        """Read a note."""
        return note_or_404(note_id, for_reading=True)

    @bp.arguments(NoteSchema())
    @bp.response(200, NoteSchema)
    def put(self, data: dict[str, Any], note_id: int) -> Any:
        """Replace a note: a body left out becomes empty."""
        return apply_changes(note_or_404(note_id), data)

    @bp.arguments(NotePatchSchema())
    @bp.response(200, NoteSchema)
    def patch(self, data: dict[str, Any], note_id: int) -> Any:
        """Change some fields of a note."""
        return apply_changes(note_or_404(note_id), data)

    @bp.response(204)
    def delete(self, note_id: int) -> Response:
        """Delete a note."""
        db.session.delete(note_or_404(note_id))
        db.session.commit()
        # No body, so no Content-Type either (Flask would say text/html).
        response = Response(status=204)
        del response.headers["Content-Type"]
        return response


def apply_changes(note: Note, data: dict[str, Any]) -> Note:
    for name, value in data.items():
        setattr(note, name, value)
    db.session.commit()
    return note
