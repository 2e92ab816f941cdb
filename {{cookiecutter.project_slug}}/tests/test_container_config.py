"""container/gunicorn.conf.py: the wildcard bind only inside the image, no header trust.

The image itself is built and run by the template's own suite; these tests pin the
bind rule, which must hold wherever the file is used.
"""

from __future__ import annotations

import runpy
from pathlib import Path
from typing import Any

import pytest

# Gunicorn is installed in the image only (unless deploy/ brings it as a dependency).
pytest.importorskip("gunicorn", reason="gunicorn is not installed")

GUNICORN_CONF = (
    Path(__file__).resolve().parent.parent / "container" / "gunicorn.conf.py"
)
VARIABLES = (
    "GUNICORN_BIND",
    "GUNICORN_CONTAINER",
    "GUNICORN_WORKERS",
    "GUNICORN_THREADS",
)


def load(monkeypatch: pytest.MonkeyPatch, **env: str) -> dict[str, Any]:
    """Run the config file as Gunicorn would, with only ``env`` set."""
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(GUNICORN_CONF))


def test_the_image_listens_on_every_interface_of_the_container(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert load(monkeypatch, GUNICORN_CONTAINER="1")["bind"] == ["0.0.0.0:8000"]


def test_outside_the_image_it_listens_on_loopback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert load(monkeypatch)["bind"] == ["127.0.0.1:8000"]


@pytest.mark.parametrize("address", ["0.0.0.0:8000", "[::]:8000", "192.0.2.10:80"])
def test_outside_the_image_it_refuses_network_binds(
    monkeypatch: pytest.MonkeyPatch, address: str
) -> None:
    with pytest.raises(SystemExit, match="is refused outside a container"):
        load(monkeypatch, GUNICORN_BIND=address)


@pytest.mark.parametrize("address", ["192.0.2.10:8000", "localhost:8000", ":8000"])
def test_the_image_refuses_other_addresses(
    monkeypatch: pytest.MonkeyPatch, address: str
) -> None:
    with pytest.raises(SystemExit, match="is refused in the image"):
        load(monkeypatch, GUNICORN_CONTAINER="1", GUNICORN_BIND=address)


def test_gunicorn_takes_no_forwarded_header_from_anyone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    conf = load(monkeypatch, GUNICORN_CONTAINER="1")
    assert conf["secure_scheme_headers"] == {}
    assert conf["forwarder_headers"] == ""
    assert conf["forwarded_allow_ips"] == "127.0.0.1,::1"
