"""The shipped migrations build the schema the models describe, both ways."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask_migrate import check, downgrade, upgrade

from {{ cookiecutter.package_name }} import create_app, db

MIGRATIONS = str(Path(__file__).resolve().parent.parent / "migrations")


@pytest.fixture
def empty_app() -> Iterator[Flask]:
    """An app on an empty database, with no tables created by the test fixtures."""
    app = create_app("testing")
    with app.app_context():
        yield app
        # Leave a shared TEST_DATABASE_URL as clean as it was found.
        db.session.remove()
        downgrade(directory=MIGRATIONS, revision="base")
        db.session.execute(db.text("DROP TABLE IF EXISTS alembic_version"))
        db.session.commit()


def table_names() -> set[str]:
    return set(db.inspect(db.engine).get_table_names())


def test_upgrade_downgrade_upgrade_then_check_is_clean(empty_app: Flask) -> None:
    upgrade(directory=MIGRATIONS)
    assert "note" in table_names()
    downgrade(directory=MIGRATIONS, revision="base")
    assert "note" not in table_names()
    upgrade(directory=MIGRATIONS)
    assert "note" in table_names()
    # `db check` raises when the models and the migrations disagree.
    check(directory=MIGRATIONS)
