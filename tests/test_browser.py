"""A real browser through a baked use_auth project: accounts, a note, ownership.

The project is migrated and served by Gunicorn on loopback in its production config;
Debian's headless Chromium, driven by Playwright (never `playwright install`: the
system browser is the one tested), signs up, signs out, signs in, adds a note through
the form, sees it listed and signs out; a second account must not see the note.
Every page is screenshotted at desktop and phone widths into the test's directory.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import BIN, Bake, missing_service, run
from tests.deploy_support.processes import (
    LOOPBACK,
    Server,
    accepts_connections,
    free_port,
    wait_until,
)

PACKAGE = "my_flask_app"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WIDTHS = {"desktop": (1280, 800), "phone": (390, 844)}
PASSWORD = "correct horse battery"  # noqa: S105 (a throwaway test account)
pytestmark = [pytest.mark.heavy, pytest.mark.xdist_group("browser")]


@pytest.fixture
def served(bake: Bake, tmp_path: Path) -> Iterator[str]:
    """The use_auth project, migrated and under Gunicorn; yield its base URL."""
    project = bake(use_auth=True)
    env = {
        "FLASK_CONFIG": "production",
        "SECRET_KEY": secrets.token_hex(32),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'browser.sqlite'}",
        "TRUSTED_HOSTS": LOOPBACK,
        # Secure cookies over plain HTTP: Chromium treats loopback as a secure origin.
        "HOME": str(tmp_path),
    }
    upgrade = run([str(BIN / "flask"), "--app", PACKAGE, "db", "upgrade"], project, env)
    assert upgrade.returncode == 0, upgrade.stderr
    port = free_port()
    argv = [str(BIN / "gunicorn"), "--workers", "1", "--bind", f"{LOOPBACK}:{port}"]
    argv += ["--no-control-socket", f"{PACKAGE}:create_app()"]
    server_env = {**os.environ, **env, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    server = Server("gunicorn", argv, project, server_env, tmp_path)
    try:
        assert wait_until(lambda: accepts_connections(port), 30), server.output()
        yield f"http://{LOOPBACK}:{port}"
    finally:
        server.stop()


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Any]:
    if not Path(CHROMIUM).is_file() or shutil.which("chromium") is None:
        missing_service(f"{CHROMIUM} is missing (apt-get install chromium)")
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        # A fresh profile each run: nothing from another run's cookies or cache.
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"),
            executable_path=CHROMIUM,
            args=CHROMIUM_ARGS,
            headless=True,
            viewport={"width": 1280, "height": 800},
        )
        try:
            yield context
        finally:
            context.close()


class Pages:
    """One browser page that records every answer and screenshots what it shows."""

    def __init__(self, page: Any, shots: Path) -> None:
        self.page = page
        self.shots = shots
        self.answers: list[tuple[int, str]] = []
        page.on("response", lambda r: self.answers.append((r.status, r.url)))

    def shoot(self, name: str) -> None:
        for label, (width, height) in WIDTHS.items():
            self.page.set_viewport_size({"width": width, "height": height})
            path = self.shots / f"{len(list(self.shots.iterdir())):02d}-{name}-{label}.png"
            self.page.screenshot(path=str(path), full_page=True)
        self.page.set_viewport_size({"width": 1280, "height": 800})

    def fill_and_submit(self, fields: dict[str, str], button: str) -> None:
        for name, value in fields.items():
            self.page.fill(f"[name={name}]", value)
        with self.page.expect_navigation():
            self.page.click(f"button:has-text('{button}')")

    def sign_out(self) -> None:
        with self.page.expect_navigation():
            self.page.click("button:has-text('Sign out')")


def test_sign_up_sign_in_add_a_note_and_only_its_owner_sees_it(
    served: str, browser: Any, tmp_path: Path
) -> None:
    shots = tmp_path / "screenshots"
    shots.mkdir()
    print(f"screenshots: {shots}")
    ada = Pages(browser.new_page(), shots)
    page = ada.page

    page.goto(f"{served}/")
    ada.shoot("index")
    page.click("a:has-text('Sign up')")
    ada.shoot("signup")
    # A form error first: the page says what is wrong and keeps the user there.
    ada.fill_and_submit(
        {"email": "ada@example.com", "password": "short", "confirm": "short"},
        "Create the account",
    )
    assert "between 12 and" in page.content()
    ada.shoot("signup-error")
    ada.fill_and_submit(
        {"email": "Ada@Example.com", "password": PASSWORD, "confirm": PASSWORD},
        "Create the account",
    )
    assert "Welcome" in page.content()
    ada.sign_out()
    assert "signed out" in page.content()

    page.goto(f"{served}/notes/")
    page.click("main a:has-text('Sign in')")
    ada.shoot("signin")
    ada.fill_and_submit({"email": "ada@example.com", "password": PASSWORD}, "Sign in")
    # next= brought the user back to the notes page, now with its form.
    assert page.url == f"{served}/notes/"
    ada.shoot("notes-empty")
    ada.fill_and_submit({"title": "Buy oat milk", "body": "two litres"}, "Add the note")
    assert page.locator("article h2").all_inner_texts() == ["Buy oat milk"]
    ada.shoot("notes")
    page.click("a:has-text('Account')")
    assert "ada@example.com" in page.content()
    ada.shoot("account")
    ada.sign_out()

    bob = Pages(browser.new_page(), shots)
    bob.page.goto(f"{served}/auth/signup")
    bob.fill_and_submit(
        {"email": "bob@example.com", "password": PASSWORD, "confirm": PASSWORD},
        "Create the account",
    )
    bob.page.goto(f"{served}/notes/")
    assert "Buy oat milk" not in bob.page.content()
    assert bob.page.locator("article").count() == 0
    bob.shoot("notes-other-user")
    bob.sign_out()

    answers = ada.answers + bob.answers
    assert answers, "the browser saw no responses"
    assert [a for a in answers if a[0] >= 500] == [], answers
    assert len(list(shots.iterdir())) == 2 * 8
