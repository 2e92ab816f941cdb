"""Views of the ``api`` blueprint: JSON in, JSON out."""

from __future__ import annotations

import asyncio

from flask import Blueprint

bp = Blueprint("api", __name__)


@bp.get("/ping")
async def ping() -> dict[str, str]:
    # An async view (flask[async]): await I/O such as an HTTP call here.
    await asyncio.sleep(0)
    return {"ping": "pong"}


@bp.get("/hello/<name>", endpoint="hello")
def hello_json(name: str) -> dict[str, str]:
    return {"message": f"Hello, {name}!"}
