"""What a cookiecutter user config can do to this template, pinned with real cookiecutter.

A user config (``--config-file``, ``COOKIECUTTER_CONFIG`` or ``~/.cookiecutterrc``)
is read before the template is: its ``default_context`` may empty ``_extensions``,
which removes the template's Jinja sandbox, and cookiecutter then renders its other
defaults unsandboxed while it builds the context. No template code runs before that,
so the template cannot stop it; what the template does is refuse to generate: the pre
hook needs a value that only the extension provides. SECURITY.md states both.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from .cli_support import Sandbox, isolate, snapshot
from .conftest import REPO, run

PAYLOAD = "{{{{ cycler.__init__.__globals__.os.popen('touch {canary}').read() }}}}"


@pytest.fixture
def box(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Sandbox:
    return isolate(tmp_path, monkeypatch)


def write_config(box: Sandbox, default_context: dict[str, object]) -> Path:
    config = box.root / "config.yaml"
    settings = {
        "replay_dir": str(box.home / ".cookiecutter_replay"),
        "cookiecutters_dir": str(box.home / ".cookiecutters"),
        "default_context": default_context,
    }
    config.write_text(yaml.safe_dump(settings), encoding="utf-8")
    return config


def plain(box: Sandbox, config: Path, via: str) -> tuple[int, str]:
    output = box.work / "out"
    output.mkdir()
    args = ["cookiecutter", "--no-input", "-o", str(output), str(REPO)]
    env = box.env()
    if via == "option":
        args[1:1] = ["--config-file", str(config)]
    else:
        env["COOKIECUTTER_CONFIG"] = str(config)
    result = run(args, cwd=box.work, env=env, timeout=120)
    return result.returncode, result.stderr


@pytest.mark.parametrize("via", ["option", "environment"])
def test_a_config_without_the_sandbox_cannot_generate(box: Sandbox, via: str) -> None:
    config = write_config(box, {"_extensions": []})
    before = snapshot(box.work)
    code, stderr = plain(box, config, via)
    assert code != 0
    assert stderr.splitlines()[0].startswith("error: the template's Jinja sandbox is not loaded")
    assert list((box.work / "out").iterdir()) == []
    assert {k: v for k, v in snapshot(box.work).items() if not k.startswith(("out", "."))} == {
        k: v for k, v in before.items() if k != "."
    }


@pytest.mark.parametrize("via", ["option", "environment"])
def test_jinja_in_a_config_without_the_sandbox_runs_but_generates_nothing(
    box: Sandbox, via: str
) -> None:
    """The documented limit: the config's own Jinja runs with the user's rights."""
    canary = box.root / "CANARY"
    config = write_config(box, {"_extensions": [], "description": PAYLOAD.format(canary=canary)})
    code, stderr = plain(box, config, via)
    assert canary.exists(), "cookiecutter no longer runs a config's Jinja unsandboxed"
    assert code != 0
    assert "sandbox is not loaded" in stderr.splitlines()[0]
    assert list((box.work / "out").iterdir()) == []


def test_with_the_sandbox_the_same_config_jinja_is_stopped(box: Sandbox) -> None:
    canary = box.root / "CANARY"
    config = write_config(box, {"description": PAYLOAD.format(canary=canary)})
    code, stderr = plain(box, config, "option")
    assert code != 0
    assert "SecurityError" in stderr
    assert not canary.exists()
    assert list((box.work / "out").iterdir()) == []
