"""Views of the ``auth`` blueprint: sign up, sign in, sign out, the account page."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user

from ..notes.models import Note
from ..orm import db
from .forms import NoteForm, SignInForm, SignOutForm, SignUpForm
from .models import NoteOwner, User, authenticate, find_user, fold_email

bp = Blueprint("auth", __name__, url_prefix="/auth")
# Where the counts live is RATELIMIT_STORAGE_URI (auth/accounts.py): memory by default.
limiter = Limiter(key_func=get_remote_address)
SIGN_IN_LIMIT = "10 per minute"


def account_key() -> str:
    return "account:" + fold_email(request.form.get("email", ""))


def next_page() -> str:
    """The ``next=`` of the request when it is a path on this site, else the index."""
    target = request.args.get("next", "")
    # Browsers read "/\\host" as "//host" and drop tabs and newlines from URLs.
    local = target.startswith("/") and not target.startswith(("//", "/\\"))
    if local and target.isprintable():
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("main.index")


def start_session(user: User, remember: bool = False) -> None:
    # A fresh session at sign-in: nothing set before (by anyone) carries over.
    session.clear()
    login_user(user, remember=remember)


@bp.route("/signup", methods=["GET", "POST"], endpoint="signup")
@limiter.limit(SIGN_IN_LIMIT, methods=["POST"])
def signup_page() -> ResponseReturnValue:
    form = SignUpForm()
    if form.validate_on_submit():
        if find_user(form.email.data) is not None:
            form.email.errors.append("An account with this e-mail exists; sign in.")
        else:
            user = User(email=fold_email(form.email.data))
            user.set_password(form.password.data)
            db.session.add(user)
            db.session.commit()
            start_session(user)
            flash("Welcome! Your account is ready.")
            return redirect(url_for("main.index"))
    return render_template("auth/signup.html", form=form)


@bp.route("/signin", methods=["GET", "POST"], endpoint="signin")
@limiter.limit(SIGN_IN_LIMIT, methods=["POST"])
@limiter.limit(SIGN_IN_LIMIT, methods=["POST"], key_func=account_key)
def signin_page() -> ResponseReturnValue:
    form = SignInForm()
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        if user is not None:
            start_session(user, remember=form.remember.data)
            return redirect(next_page())
        form.password.errors.append("Wrong e-mail or password.")
    return render_template("auth/signin.html", form=form)


@bp.post("/signout", endpoint="signout")
def signout() -> ResponseReturnValue:
    if not SignOutForm().validate_on_submit():
        abort(400)
    logout_user()
    flash("You are signed out.")
    return redirect(url_for("main.index"))


@bp.get("/account", endpoint="account")
@login_required
def account_page() -> str:
    return render_template("auth/account.html")


@bp.post("/notes", endpoint="add_note")
@login_required
def add_note() -> ResponseReturnValue:
    form = NoteForm()
    if not form.validate_on_submit():
        return render_template("notes/index.html", note_form=form, notes=[]), 422
    note = Note(title=form.title.data, body=form.body.data or "")
    db.session.add(note)
    db.session.add(NoteOwner(note=note, user_id=current_user.id))
    db.session.commit()
    return redirect(url_for("notes.index"))
