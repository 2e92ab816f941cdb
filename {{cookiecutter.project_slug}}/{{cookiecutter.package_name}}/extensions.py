"""Extension objects, created unbound and attached to an app in ``init_app``."""

from __future__ import annotations

from flask import Flask
{%- if cookiecutter.use_migrate %}
from flask_migrate import Migrate
{%- endif %}
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Named constraints keep migrations deterministic and let SQLite batch mode drop them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
{%- if cookiecutter.use_migrate %}
# Batch mode lets later migrations ALTER tables on SQLite, which cannot do it in place.
migrate = Migrate(render_as_batch=True)
{%- endif %}


def init_app(app: Flask) -> None:
    db.init_app(app)
{%- if cookiecutter.use_migrate %}
    migrate.init_app(app, db)
{%- endif %}
