"""Views of the ``main`` blueprint: HTML pages and /healthz."""

from __future__ import annotations

from flask import Blueprint, render_template
{%- if cookiecutter.use_sqlalchemy %}
from sqlalchemy import select, text
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db
from ..models import Note
{%- endif %}

bp = Blueprint("main", __name__)


@bp.get("/")
def index() -> str:
{%- if cookiecutter.use_sqlalchemy %}
    query = select(Note).order_by(Note.created_at.desc(), Note.id.desc()).limit(20)
    return render_template("notes.html", notes=db.session.scalars(query).all())
{%- else %}
    return render_template("index.html")
{%- endif %}


@bp.get("/hello/<name>")
def hello(name: str) -> str:
    # Jinja autoescapes ``name``, so markup in the URL is shown, never run.
    return render_template("hello.html", name=name)


@bp.get("/healthz")
def healthz() -> tuple[dict[str, str], int]:
{%- if cookiecutter.use_sqlalchemy %}
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return {"status": "unavailable", "database": "unreachable"}, 503
{%- endif %}
    return {"status": "ok"}, 200
