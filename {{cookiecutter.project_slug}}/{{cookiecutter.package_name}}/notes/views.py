"""The notes page: the latest notes, newest first."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template
from sqlalchemy import select

from ..orm import reader
from .models import Note

bp = Blueprint("notes", __name__, url_prefix="/notes")


@bp.get("/", endpoint="index")
def notes_page() -> str:
    query = select(Note).order_by(Note.created_at.desc(), Note.id.desc()).limit(20)
    extra = {}
    # With accounts (auth/accounts.py), a user sees their own notes and a form.
    if (owners := current_app.extensions.get("note_owners")) is not None:
        query = owners.visible(query)
        extra = owners.page_context()
    notes = reader().scalars(query).all()
    return render_template("notes/index.html", notes=notes, **extra)
