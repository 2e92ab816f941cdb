"""The account and note forms (Flask-WTF: each carries a CSRF token)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField, TextAreaField
from wtforms.validators import (
    DataRequired,
    Email,
    EqualTo,
    Length,
    Regexp,
    ValidationError,
)

from ..notes.schemas import (
    BODY_MAX_LENGTH,
    BODY_PATTERN,
    TITLE_MAX_LENGTH,
    TITLE_PATTERN,
)
from .models import EMAIL_MAX_LENGTH

PASSWORD_MIN_LENGTH = 12
PASSWORD_MAX_LENGTH = 256
# A short list of the most used passwords that pass the length rule; a real project
# may check a larger list (or a breach corpus) here.
COMMON_PASSWORDS = frozenset(
    {
        "123456789012", "1234567890123", "password1234", "passwordpassword",
        "qwertyuiopas", "qwerty123456", "111111111111", "000000000000",
        "aaaaaaaaaaaa", "iloveyou1234", "letmein12345", "welcome12345",
        "administrator", "abc123456789", "password12345", "changeme1234",
    }
)  # fmt: skip


def not_common(form: FlaskForm, field: PasswordField) -> None:
    if field.data and field.data.casefold() in COMMON_PASSWORDS:
        raise ValidationError("This password is too common; choose another.")


def strip(value: str | None) -> str | None:
    return value.strip() if value else value


class SignUpForm(FlaskForm):
    email = EmailField(
        "E-mail",
        filters=[strip],
        validators=[DataRequired(), Email(), Length(max=EMAIL_MAX_LENGTH)],
    )
    password = PasswordField(
        "Password",
        validators=[
            DataRequired(),
            Length(min=PASSWORD_MIN_LENGTH, max=PASSWORD_MAX_LENGTH),
            not_common,
        ],
    )
    confirm = PasswordField(
        "Repeat the password",
        validators=[DataRequired(), EqualTo("password", "The passwords differ.")],
    )


class SignInForm(FlaskForm):
    email = EmailField(
        "E-mail", validators=[DataRequired(), Length(max=EMAIL_MAX_LENGTH)]
    )
    password = PasswordField(
        "Password", validators=[DataRequired(), Length(max=PASSWORD_MAX_LENGTH)]
    )
    remember = BooleanField("Keep me signed in")


class NoteForm(FlaskForm):
    title = StringField(
        "Title",
        validators=[
            DataRequired(),
            Length(max=TITLE_MAX_LENGTH),
            Regexp(TITLE_PATTERN, message="Use visible text, no control characters."),
        ],
    )
    body = TextAreaField(
        "Text",
        validators=[
            Length(max=BODY_MAX_LENGTH),
            Regexp(BODY_PATTERN, message="No NUL characters."),
        ],
    )


class SignOutForm(FlaskForm):
    """No fields: the CSRF token that makes sign-out a deliberate POST."""
