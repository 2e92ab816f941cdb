"""The notes resource of the JSON API: list, create, read and delete."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, request
from sqlalchemy import select

from ..errors import error_response
from ..orm import db
from .models import BODY_MAX_LENGTH, TITLE_MAX_LENGTH, Note

bp = Blueprint("notes_api", __name__)


def note_errors(payload: dict[str, Any]) -> dict[str, str]:
    """Return a message per invalid field of a new note."""
    errors = {}
    title = payload.get("title")
    if not isinstance(title, str) or not title.strip():
        errors["title"] = "required, a non-empty string"
    elif len(title) > TITLE_MAX_LENGTH:
        errors["title"] = f"at most {TITLE_MAX_LENGTH} characters"
    body = payload.get("body", "")
    if not isinstance(body, str):
        errors["body"] = "must be a string"
    elif len(body) > BODY_MAX_LENGTH:
        errors["body"] = f"at most {BODY_MAX_LENGTH} characters"
    return errors


@bp.get("")
def list_notes() -> dict[str, list[dict[str, Any]]]:
    query = select(Note).order_by(Note.created_at.desc(), Note.id.desc())
    return {"notes": [note.to_dict() for note in db.session.scalars(query)]}


@bp.post("")
def create_note() -> tuple[dict[str, Any], int]:
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        abort(400, description="The body must be a JSON object.")
    errors = note_errors(payload)
    if errors:
        return error_response(422, "The note is invalid.", fields=errors)
    note = Note(title=payload["title"].strip(), body=payload.get("body", ""))
    db.session.add(note)
    db.session.commit()
    return note.to_dict(), 201


@bp.get("/<int:note_id>")
def get_note(note_id: int) -> dict[str, Any]:
    return db.get_or_404(Note, note_id).to_dict()


@bp.delete("/<int:note_id>")
def delete_note(note_id: int) -> tuple[str, int]:
    db.session.delete(db.get_or_404(Note, note_id))
    db.session.commit()
    return "", 204
