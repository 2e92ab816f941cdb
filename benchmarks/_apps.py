"""The bare Flask apps that generated projects are measured against.

Each is the plainest app with the same dependencies as the project it is compared with:
no config classes, blueprints, security headers, proxy handling or error pages. Their
sources live here so that the start-up and the serving benchmarks use the same ones.
"""

from __future__ import annotations

from pathlib import Path

# Same stack as the default project: Flask, Flask-SQLAlchemy and Flask-Migrate.
BARE_DB = """\
import os

from flask import Flask
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy

db = SQLAlchemy()
migrate = Migrate()


def create_app(config_name=None):
    app = Flask(__name__)
    app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]
    app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
    db.init_app(app)
    migrate.init_app(app, db)
    return app
"""

# Same stack as a single-layout project without a database: Flask alone.
BARE_FLASK = """\
import os

from flask import Flask


def create_app(config_name=None):
    app = Flask(__name__)
    app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]
    return app
"""

# The default project's two measured routes on the same stack, doing the same database
# work (a SELECT 1; the notes query) and answering with the same body. The page comes
# from body.html, which the benchmark fills with what the generated app served, so the
# bare app does no template rendering: that is part of what the project adds.
BARE_SERVE = """\
import os
from datetime import datetime
from pathlib import Path

from flask import Flask
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import DateTime, String, Text, select, text
from sqlalchemy.orm import Mapped, mapped_column

db = SQLAlchemy()
migrate = Migrate()
PAGE = (Path(__file__).parent / "body.html").read_text(encoding="utf-8")


class Note(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


def create_app(config_name=None):
    app = Flask(__name__)
    app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]
    app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
    db.init_app(app)
    migrate.init_app(app, db)

    @app.get("/")
    def index():
        query = select(Note).order_by(Note.created_at.desc(), Note.id.desc()).limit(20)
        db.session.scalars(query).all()
        return PAGE

    @app.get("/healthz")
    def healthz():
        db.session.execute(text("SELECT 1"))
        return {"status": "ok"}, 200

    return app
"""


def write_app(directory: Path, module: str, source: str) -> Path:
    """Write ``source`` as ``directory/module.py`` and return the directory."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"{module}.py").write_text(source, encoding="utf-8")
    return directory
