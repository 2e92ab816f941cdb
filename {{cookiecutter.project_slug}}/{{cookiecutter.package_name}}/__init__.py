"""{{ cookiecutter.package_name }}: the application factory and the public names."""

from __future__ import annotations

from flask import Flask

from . import commands, errors, security
from .api import bp as api_bp
from .config import ConfigError, load_config{% if cookiecutter.use_sqlalchemy %}, normalise_database_url{% endif %}
{%- if cookiecutter.use_sqlalchemy %}
from .extensions import db
from .extensions import init_app as init_extensions
{%- endif %}
from .main import bp as main_bp
{%- if cookiecutter.use_sqlalchemy %}
from .models import Note
{%- endif %}

__all__ = [
    "ConfigError",
    "create_app",
{%- if cookiecutter.use_sqlalchemy %}
    "Note",
    "db",
    "normalise_database_url",
{%- endif %}
]


def create_app(config_name: str | None = None) -> Flask:
    """Build the app for ``config_name``, else $FLASK_CONFIG, else "development"."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_object(load_config(config_name))
{%- if cookiecutter.use_sqlalchemy %}
    init_extensions(app)
{%- endif %}
    security.init_app(app)
    errors.init_app(app)
    commands.init_app(app)
    app.register_blueprint(main_bp)
    app.register_blueprint(api_bp, url_prefix="/api")
    return app
