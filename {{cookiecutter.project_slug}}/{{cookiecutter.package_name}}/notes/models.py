"""The Note model. It imports only the database module and the field limits."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..orm import Model
from .schemas import TITLE_MAX_LENGTH


def utcnow() -> datetime:
    return datetime.now(UTC)


class Note(Model):
    """A short titled text, the sample resource served under /api/notes."""

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(TITLE_MAX_LENGTH))
    body: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )
