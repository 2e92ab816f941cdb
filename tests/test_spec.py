"""cookiecutter.json is the one declaration of every key: both entry points follow it.

A key added to a copy of cookiecutter.json, and nowhere else, must be typed, listed,
validated and baked like the keys that ship.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .cli_support import Sandbox, answers, copy_template, invoke, isolate, snapshot
from .conftest import run

pytestmark = pytest.mark.xdist_group("spec")


@pytest.fixture
def box(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Sandbox:
    return isolate(tmp_path, monkeypatch)


@pytest.fixture
def template(box: Sandbox, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the template whose cookiecutter.json alone gains two keys."""
    path = copy_template(box.root / "template")
    spec_file = path / "cookiecutter.json"
    spec = json.loads(spec_file.read_text(encoding="utf-8"))
    spec["use_feature_x"] = True
    spec["flavour"] = ["vanilla", "mint"]
    spec_file.write_text(json.dumps(spec, indent=2), encoding="utf-8")
    monkeypatch.setenv("FLASKCUTTER_TEMPLATE", str(path))
    return path


def test_options_lists_keys_declared_only_in_cookiecutter_json(template: Path) -> None:
    listed = json.loads(invoke(["options", "--json"]).stdout)
    assert listed["use_feature_x"]["kind"] == "boolean"
    assert listed["use_feature_x"]["default"] is True
    assert listed["flavour"] == {**listed["flavour"], "kind": "choice", "default": "vanilla"}
    assert listed["flavour"]["choices"] == ["vanilla", "mint"]


def test_set_records_a_real_boolean_and_a_valid_choice(box: Sandbox, template: Path) -> None:
    args = ["new", "Blog", "--no-git", "--set", "use_feature_x=false", "--set", "flavour=mint"]
    result = invoke(args)
    assert result.exit_code == 0, result.output
    recorded = answers(box.work / "blog")
    assert recorded["use_feature_x"] is False
    assert recorded["flavour"] == "mint"


def test_bad_values_for_new_keys_are_refused_with_nothing_written(
    box: Sandbox, template: Path
) -> None:
    before = snapshot(box.work)
    cases = {
        "flavour=chocolate": ['"chocolate"', "vanilla, mint"],
        "use_feature_x=maybe": ["'maybe'", "true or false"],
    }
    wrong = {}
    for item, needles in cases.items():
        result = invoke(["new", "Blog", "--no-git", "--set", item])
        lines = result.stderr.strip().splitlines()
        ok = result.exit_code == 2 and len(lines) == 1 and all(n in lines[0] for n in needles)
        if not ok or snapshot(box.work) != before:
            wrong[item] = (result.exit_code, result.stderr)
    assert wrong == {}


def test_plain_cookiecutter_bakes_with_the_new_keys(box: Sandbox, template: Path) -> None:
    result = run(
        ["cookiecutter", "--no-input", "-o", str(box.work), str(template), "flavour=mint"],
        cwd=box.work,
        env={"HOME": str(box.home)},
    )
    assert result.returncode == 0, result.stderr
    recorded = answers(box.work / "my-flask-app")
    assert (recorded["flavour"], recorded["use_feature_x"]) == ("mint", True)
    refused = run(
        ["cookiecutter", "--no-input", "-o", str(box.work / "bad"), str(template)]
        + ["use_feature_x=maybe"],
        cwd=box.work,
        env={"HOME": str(box.home)},
    )
    assert refused.returncode != 0
    assert "use_feature_x" in refused.stderr
    assert not (box.work / "bad" / "my-flask-app").exists()
