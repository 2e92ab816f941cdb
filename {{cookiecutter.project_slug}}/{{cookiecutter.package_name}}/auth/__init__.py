"""Accounts: sign-up, sign-in, API tokens, and the notes each user owns."""

from .accounts import set_up_accounts
from .models import ApiToken, NoteOwner, User
from .views import bp

__all__ = ["ApiToken", "NoteOwner", "User", "bp", "set_up_accounts"]
