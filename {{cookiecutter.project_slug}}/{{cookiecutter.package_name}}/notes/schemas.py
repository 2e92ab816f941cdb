"""The notes resource's schemas: they validate requests, shape responses and document both.

The limits live here, the API's contract; the model's columns are sized from them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from marshmallow import Schema, fields, validate

TITLE_MAX_LENGTH = 200
BODY_MAX_LENGTH = 10_000
# The largest id every backend stores: PostgreSQL's integer is 32-bit.
MAX_NOTE_ID = 2**31 - 1
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
# No control characters, and one visible character at least. PostgreSQL cannot store
# NUL at all; the same rule holds on SQLite so that both backends take the same notes.
TITLE_PATTERN = r"^[^\x00-\x1f\x7f]*[^\x00-\x20\x7f][^\x00-\x1f\x7f]*$"
BODY_PATTERN = r"^[^\x00]*$"


class UtcDateTime(fields.DateTime):
    """ISO 8601 with an explicit offset: SQLite hands back naive UTC datetimes."""

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        if not isinstance(value, datetime):
            return super()._serialize(value, attr, obj, **kwargs)
        # isoformat directly: this runs for every note of every page.
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()


TITLE_RULES = [
    validate.Length(min=1, max=TITLE_MAX_LENGTH),
    validate.Regexp(TITLE_PATTERN, error="must be visible text, no control characters"),
]
BODY_RULES = [
    validate.Length(max=BODY_MAX_LENGTH),
    validate.Regexp(BODY_PATTERN, error="must not contain NUL characters"),
]


class NoteSchema(Schema):
    """A note as the API shows it, and the body that creates or replaces one."""

    id = fields.Integer(dump_only=True, metadata={"example": 1})
    title = fields.String(
        required=True, validate=TITLE_RULES, metadata={"example": "Groceries"}
    )
    body = fields.String(
        load_default="", validate=BODY_RULES, metadata={"example": "milk, eggs"}
    )
    created_at = UtcDateTime(dump_only=True)


class NotePatchSchema(NoteSchema):
    """A partial update: any of the fields, none required, nothing defaulted."""

    title = fields.String(validate=TITLE_RULES, metadata={"example": "Groceries"})
    body = fields.String(validate=BODY_RULES, metadata={"example": "milk, eggs"})


class NotePageSchema(Schema):
    """One page of notes, newest first, and the link to the next page (or null)."""

    notes = fields.List(fields.Nested(NoteSchema), required=True)
    next = fields.String(
        required=True,
        allow_none=True,
        metadata={"example": "/api/notes?limit=20&cursor=41"},
    )


class NoteQuerySchema(Schema):
    """The list's query: a page size and the cursor from the previous page's link."""

    limit = fields.Integer(
        load_default=DEFAULT_PAGE_SIZE,
        validate=validate.Range(min=1, max=MAX_PAGE_SIZE),
    )
    cursor = fields.Integer(
        validate=validate.Range(min=1, max=MAX_NOTE_ID),
        metadata={"description": "the id after which the page starts (from `next`)"},
    )
