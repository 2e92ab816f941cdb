"""Alembic environment: runs migrations with the Flask app's engine and metadata."""

from __future__ import annotations

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

config = context.config
if config.config_file_name is not None:
    fileConfig(config.config_file_name)
logger = logging.getLogger("alembic.env")

migrate_ext = current_app.extensions["migrate"]
target_metadata = migrate_ext.db.metadata


def skip_empty_revisions(migration_context, revision, directives) -> None:
    """Do not write a revision file when autogenerate finds no change."""
    autogenerate = getattr(config.cmd_opts, "autogenerate", False)
    if autogenerate and directives[0].upgrade_ops.is_empty():
        directives[:] = []
        logger.info("No changes in schema detected.")


def run_migrations_offline() -> None:
    """Emit SQL to stdout (``flask db upgrade --sql``) without a connection."""
    url = migrate_ext.db.engine.url.render_as_string(hide_password=False)
    context.configure(
        url=url,
        target_metadata=target_metadata,
        literal_binds=True,
        **migrate_ext.configure_args,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    options = {"process_revision_directives": skip_empty_revisions}
    options.update(migrate_ext.configure_args)
    with migrate_ext.db.engine.connect() as connection:
        context.configure(
            connection=connection, target_metadata=target_metadata, **options
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
