"""The notes page: the latest notes, newest first."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import Blueprint, current_app, render_template
from sqlalchemy import Select, select

from ..orm import db, reader
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
    notes = newest_notes("page", query)
    return render_template("notes/index.html", notes=notes, **extra)


def newest_notes(name: str | None, query: Select[Any]) -> Sequence[Any]:
    """The notes ``query`` selects; a project with a cache keeps the list ``name``
    there (cache.py) until a write changes it. None: a list not worth keeping."""

    def load(fresh: bool) -> Sequence[Any]:
        # The read replica may lag behind: a list to be kept comes from the primary.
        return (db.session if fresh else reader()).scalars(query).all()

    lists = current_app.extensions.get("list_cache")
    return load(False) if lists is None or name is None else lists.rows(name, load)
