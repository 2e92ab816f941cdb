"""{{ cookiecutter.package_name }}: the application factory and the public names."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from . import commands, errors, openapi, security
from .api import bp as api_bp
{%- if cookiecutter.use_auth and cookiecutter.use_sqlalchemy %}
from .auth import User as User  # set up as notes register (auth/accounts.py)
{%- endif %}
{%- if cookiecutter.cache == "redis" and cookiecutter.use_sqlalchemy %}
from .cache import init_app as init_cache
{%- endif %}
from .config import API_PREFIX, ConfigError, load_config
from .main import bp as main_bp
{%- if cookiecutter.use_sqlalchemy %}
from .notes import Note as Note
from .notes import api_bp as notes_api_bp
from .notes import bp as notes_bp
from .orm import db as db
from .orm import init_app as init_orm
from .orm import normalise_database_url as normalise_database_url
from .orm import reader as reader
{%- endif %}

__all__ = ["ConfigError", "create_app"]


def create_app(
    config_name: str | None = None, test_config: Mapping[str, Any] | None = None
) -> Flask:
    """Build the app for ``config_name`` (else $FLASK_CONFIG, else "development").

    ``test_config`` overrides settings after the config class has loaded, as in
    Flask's tutorial: tests pass a mapping instead of patching the environment.
    """
    app = Flask(__name__)
    app.config.from_object(load_config(config_name))
    if test_config is not None:
        app.config.from_mapping(test_config)
    security.init_app(app)
    errors.init_app(app)
    commands.init_app(app)
    # Resource blueprints register with the Api (which documents them), pages with
    # the app; a page blueprint comes last, so `flaskcutter add blueprint` follows it.
    api = openapi.init_app(app)
    api.register_blueprint(api_bp, url_prefix=API_PREFIX)
    app.register_blueprint(main_bp)
{%- if cookiecutter.use_sqlalchemy %}
    init_orm(app)
{%- if cookiecutter.cache == "redis" %}
    init_cache(app)
{%- endif %}
    api.register_blueprint(notes_api_bp, url_prefix=f"{API_PREFIX}/notes")
    app.register_blueprint(notes_bp)
{%- endif %}
    return app
