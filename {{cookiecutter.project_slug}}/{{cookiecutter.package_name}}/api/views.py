"""Views of the ``api`` blueprint: JSON in, JSON out, described in /api/openapi.json."""

from __future__ import annotations

import asyncio

from flask_smorest import Blueprint as ResourceBlueprint
from marshmallow import Schema, fields

bp = ResourceBlueprint("api", __name__, description="Small examples.")


class PingSchema(Schema):
    ping = fields.String(required=True, metadata={"example": "pong"})


class MessageSchema(Schema):
    message = fields.String(required=True, metadata={"example": "Hello, Ada!"})


@bp.get("/ping")
@bp.doc(
    summary="An async view",
    responses={
        "200": {
            "description": "OK",
            "content": {"application/json": {"schema": PingSchema}},
        }
    },
)
async def ping() -> dict[str, str]:
    # An async view (flask[async]): await I/O such as an HTTP call here. flask-smorest's
    # response decorator is sync only, so this view documents its answer by hand.
    await asyncio.sleep(0)
    return {"ping": "pong"}


@bp.get("/hello/<name>", endpoint="hello")
@bp.response(200, MessageSchema)
def hello_json(name: str) -> dict[str, str]:
    """Greet by name."""
    return {"message": f"Hello, {name}!"}
