"""The Note model. It imports only the database module, so there is no import cycle."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..orm import Model

TITLE_MAX_LENGTH = 200
BODY_MAX_LENGTH = 10_000


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

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "body": self.body,
            "created_at": self.created_at.isoformat(),
        }
