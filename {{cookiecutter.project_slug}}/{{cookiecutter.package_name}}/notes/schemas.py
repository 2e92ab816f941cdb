"""The notes resource's schemas: they validate requests, shape responses and document both.

The limits live here, the API's contract; the model's columns are sized from them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from marshmallow import Schema, fields, missing, validate

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
        # What value.replace(tzinfo=UTC).isoformat() gives, at a third of the cost: this
        # runs for every note of every page.
        text = value.isoformat()
        return text if value.tzinfo else f"{text}+00:00"


Format = Callable[[Any, str, Any], Any]
# Fields whose dump is the value itself when it already has this exact type (or is None).
PLAIN_TYPES: dict[type[fields.Field[Any]], type] = {
    fields.String: str,
    fields.Integer: int,
}


def plain_type(field: fields.Field[Any]) -> type | None:
    if getattr(field, "as_string", False):
        return None
    return PLAIN_TYPES.get(type(field))


def field_format(field: fields.Field[Any]) -> Format:
    """What ``field._serialize(value, attr, obj)`` returns, with less work per value."""
    if type(field) is fields.Nested:
        schema = field.schema
        dump = compile_dump(schema)
        if dump is not None:
            one = dump  # bound now, so mypy knows it is not None below
            if schema.many or field.many:
                return lambda value, _, __: (
                    None if value is None else [one(x) for x in value]
                )
            return lambda value, _, __: None if value is None else one(value)
    elif type(field) is fields.List:
        item = field_format(field.inner)
        return lambda value, attr, obj: (
            None if value is None else [item(x, attr, obj) for x in value]
        )
    elif plain := plain_type(field):
        own = field._serialize
        return lambda value, attr, obj: (
            value if value is None or type(value) is plain else own(value, attr, obj)
        )
    return field._serialize


def compile_dump(schema: Schema) -> Callable[[Any], dict[str, Any]] | None:
    """A function that dumps one object exactly as marshmallow's ``schema.dump`` would.

    marshmallow looks every value up through five calls per field, so a page of notes
    cost about five times the hand-written dictionaries. This function looks each
    value up once, keeps it when it already has the JSON type its field produces, and
    otherwise hands it to that field's own formatting. Whatever it cannot do as cheaply
    (an absent value and its default, a dotted attribute, a field with its own lookup)
    goes through marshmallow. None when the schema has dump hooks or its own lookup:
    then marshmallow dumps. tests/test_notes.py holds it to marshmallow's output.
    """
    if (
        schema._hooks["pre_dump"]  # marshmallow's names for its dump hooks
        or schema._hooks["post_dump"]
        or schema.dict_class is not dict
        or type(schema).get_attribute is not Schema.get_attribute
    ):
        return None
    # (output key, attribute, field name, field, plain type, format or None if slow)
    steps: list[
        tuple[str, str, str, fields.Field[Any], type | None, Format | None]
    ] = []
    for name, field in schema.dump_fields.items():
        key = name if field.data_key is None else field.data_key
        attr = name if field.attribute is None else field.attribute
        kind = type(field)
        direct = (
            field._CHECK_ATTRIBUTE
            and "." not in attr
            and kind.serialize is fields.Field.serialize
            and kind.get_value is fields.Field.get_value
        )
        plain = plain_type(field)
        format_value = field_format(field) if direct else None
        steps.append((key, attr, name, field, plain, format_value))

    def dump(obj: Any) -> dict[str, Any]:
        data = {}
        # As marshmallow's lookup decides: by key if obj has items, else by attribute.
        by_key = hasattr(obj, "__getitem__")
        for key, attr, name, field, plain, format_value in steps:
            if format_value is not None:
                try:
                    value = obj[attr] if by_key else getattr(obj, attr)
                except (LookupError, AttributeError, TypeError):
                    pass
                else:
                    if plain is not None and (value is None or type(value) is plain):
                        data[key] = value
                    else:
                        data[key] = format_value(value, name, obj)
                    continue
            value = field.serialize(name, obj, accessor=schema.get_attribute)
            if value is not missing:
                data[key] = value
        return data

    return dump


class CompiledSchema(Schema):
    """A schema whose ``dump`` runs the function compile_dump made from its fields.

    It validates and documents as any marshmallow schema does; only dumping is faster.
    """

    _compiled_dump: Callable[[Any], dict[str, Any]] | None

    def dump(self, obj: Any, *, many: bool | None = None) -> Any:
        try:
            dump = self._compiled_dump
        except AttributeError:
            dump = self._compiled_dump = compile_dump(self)
        if dump is None or obj is None:
            return super().dump(obj, many=many)
        if self.many if many is None else many:
            return [dump(each) for each in obj]
        return dump(obj)


TITLE_RULES = [
    validate.Length(min=1, max=TITLE_MAX_LENGTH),
    validate.Regexp(TITLE_PATTERN, error="must be visible text, no control characters"),
]
BODY_RULES = [
    validate.Length(max=BODY_MAX_LENGTH),
    validate.Regexp(BODY_PATTERN, error="must not contain NUL characters"),
]


class NoteSchema(CompiledSchema):
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


class NotePageSchema(CompiledSchema):
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
