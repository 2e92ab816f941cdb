"""Users, their API tokens, and which user owns which note."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from functools import cache

from flask import current_app
from flask_login import UserMixin
from sqlalchemy import DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from ..notes.models import Note
from ..orm import Model, db

EMAIL_MAX_LENGTH = 254


def hash_method() -> str:
    # Werkzeug's scrypt: memory-hard, and no extra dependency to keep up to date. Its
    # default cost (N=2**15) takes tens of milliseconds a hash; under TESTING the cost
    # drops to N=2**10, so the suite does not spend a minute hashing. The
    # PASSWORD_HASH_METHOD setting overrides both.
    default = "scrypt:1024:8:1" if current_app.testing else "scrypt"
    method: str = current_app.config.get("PASSWORD_HASH_METHOD", default)
    return method


@cache
def dummy_hash(method: str) -> str:
    """A hash checked when the e-mail is unknown, so that both answers take as long:
    the timing does not tell which addresses have accounts. Made on first use, not
    at import, at the configured cost."""
    return generate_password_hash("not a real password", method=method)


def now_utc() -> datetime:
    return datetime.now(UTC)


def fold_email(email: str) -> str:
    """The one spelling an address is stored and looked up under."""
    return email.strip().casefold()


def token_digest(token: str) -> str:
    # Tokens are 32 random bytes: a fast hash suffices, unlike for passwords.
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class User(UserMixin, Model):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(EMAIL_MAX_LENGTH), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=now_utc
    )

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method=hash_method())

    def check_password(self, password: str) -> bool:
        # check_password_hash compares with hmac.compare_digest (constant time).
        return check_password_hash(self.password_hash, password)


class ApiToken(Model):
    """A personal access token; only its SHA-256 digest is stored."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100), default="")
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=now_utc
    )
    user: Mapped[User] = relationship()


class NoteOwner(Model):
    """Which user a note belongs to: a table of its own, so Note stays as it is."""

    note_id: Mapped[int] = mapped_column(
        ForeignKey("note.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    # Deleting a note through the ORM deletes its owner row too (SQLite does not
    # enforce ON DELETE without PRAGMA foreign_keys).
    note: Mapped[Note] = relationship(
        backref=backref("owner_link", cascade="all, delete-orphan", uselist=False)
    )


def find_user(email: str) -> User | None:
    user: User | None = db.session.scalar(
        db.select(User).where(User.email == fold_email(email))
    )
    return user


def authenticate(email: str, password: str) -> User | None:
    """The user with this e-mail and password, else None, in about the same time."""
    user = find_user(email)
    if user is None:
        check_password_hash(dummy_hash(hash_method()), password)
        return None
    return user if user.check_password(password) else None


def user_for_token(token: str) -> User | None:
    found = db.session.scalar(
        db.select(ApiToken).where(ApiToken.digest == token_digest(token))
    )
    return found.user if found is not None else None
