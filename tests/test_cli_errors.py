"""Refusals: bad input, contradictions, presets, existing paths and failing templates.

Each refusal must give the right exit code and one line naming the value, show no
traceback, and leave the output directory exactly as it was.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from .cli_support import Sandbox, assert_refused, copy_template, invoke, isolate, snapshot


@pytest.fixture(autouse=True)
def box(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Sandbox:
    box = isolate(tmp_path, monkeypatch)
    (box.work / "keep.txt").write_text("the user's file\n")
    return box


def refused(box: Sandbox, args: list[str], code: int, *needles: str) -> None:
    before = snapshot(box.work)
    assert_refused(invoke(["new", *args]), code, *needles)
    assert snapshot(box.work) == before
    assert list(box.systmp.iterdir()) == []


BAD_INPUT = {
    "jinja-name": (["{{ 7*7 }}"], ['"{{ 7*7 }}"', "delimiters"]),
    "jinja-block-name": (["{% if 1 %}x{% endif %}"], ["project_name", "delimiters"]),
    "shadows-flask": (["Flask"], ['"flask"', "shadows"]),
    "keyword": (["class"], ['"class"', "keyword"]),
    "stdlib": (["json"], ['"json"', "standard-library"]),
    "digit-first": (["7up"], ['"7up"', "starting with a letter", "--set project_slug"]),
    "too-long": (["x" * 101], ["project_name", "too long"]),
    "slug-traversal": (["Blog", "--set", "project_slug=../evil"], ['"../evil"', "--set"]),
    "layout": (["Blog", "--layout", "grid"], ['"grid"', "blueprints, single", "--layout"]),
    "db": (["Blog", "--db", "mysql"], ["'mysql'", "sqlite, postgresql, none"]),
    "unknown-set-key": (["Blog", "--set", "colour=red"], ["'colour'", "known keys"]),
    "private-set-key": (["Blog", "--set", "_extensions=x"], ["'_extensions'", "known keys"]),
    "set-without-equals": (["Blog", "--set", "license"], ["'license'", "KEY=VALUE"]),
    "set-bool": (["Blog", "--set", "use_migrate=yes"], ["'yes'", "true or false"]),
    "set-choice": (["Blog", "--set", "license=GPL"], ['"GPL"', "MIT", "--set license=GPL"]),
    "set-version": (["Blog", "--set", "version=one"], ['"one"', "PEP 440"]),
    "set-email": (["Blog", "--set", "author_email=nobody"], ['"nobody"', "address"]),
    "set-python": (["Blog", "--set", "python_version=2.7"], ['"2.7"', "3.11, 3.12, 3.13"]),
    "nul-text": (["Blog", "--set", "description=a\x00b"], ["description", "NUL"]),
    "jinja-output-dir": (["Blog", "-o", "{{ 7*7 }}"], ["{{ 7*7 }}", "delimiters"]),
    "output-dir-is-file": (["Blog", "-o", "keep.txt"], ["keep.txt", "not a directory"]),
}


@pytest.mark.parametrize(("args", "needles"), BAD_INPUT.values(), ids=BAD_INPUT.keys())
def test_bad_input_is_refused_before_anything_is_written(
    box: Sandbox, args: list[str], needles: list[str]
) -> None:
    refused(box, args, 2, *needles)


CONTRADICTIONS = {
    "db-none-migrate": (["--db", "none", "--migrate"], ["--migrate", "--db none"]),
    "set-orm-off-migrate": (
        ["--set", "use_sqlalchemy=false", "--migrate"],
        ["--migrate", "use_sqlalchemy=false"],
    ),
    "flag-vs-set": (["--layout", "single", "--set", "layout=blueprints"], ["layout"]),
    "name-vs-set": (["--set", "project_name=Other"], ["project_name", "NAME"]),
    "db-vs-set": (["--db", "none", "--set", "use_sqlalchemy=true"], ["--db none"]),
}


@pytest.mark.parametrize(("args", "needles"), CONTRADICTIONS.values(), ids=CONTRADICTIONS.keys())
def test_explicit_contradictions_are_refused(
    box: Sandbox, args: list[str], needles: list[str]
) -> None:
    refused(box, ["Blog", *args], 2, "contradicts", *needles)


PRESETS = {
    "unknown-key": ('colour = "red"\n', ["'colour'", "known keys"]),
    "bad-choice": ('layout = "grid"\n', ['"grid"', "blueprints, single", "team.toml"]),
    "string-bool": ('use_migrate = "yes"\n', ["use_migrate", "true or false"]),
    "float-version": ("python_version = 3.12\n", ["python_version", '"3.12"']),
    "table": ("[project]\nname = 'x'\n", ["'project'", "known keys"]),
    "array-text": ('author_name = ["a"]\n', ["author_name", "quoted string"]),
    "malformed": ('layout = "single\n', ["not valid TOML", "line 1"]),
    "contradiction": (
        "use_sqlalchemy = false\nuse_migrate = true\n",
        ["contradicts", "team.toml"],
    ),
}


@pytest.mark.parametrize(("text", "needles"), PRESETS.values(), ids=PRESETS.keys())
def test_bad_presets_are_refused_naming_the_file(
    box: Sandbox, text: str, needles: list[str]
) -> None:
    preset = box.root / "team.toml"
    preset.write_text(text)
    refused(box, ["Blog", "--preset", str(preset)], 2, "team.toml", *needles)


def test_a_missing_preset_is_refused(box: Sandbox) -> None:
    refused(box, ["Blog", "--preset", str(box.root / "nope.toml")], 2, "nope.toml", "cannot read")


def make_existing(kind: str, target: Path) -> None:
    if kind == "directory":
        target.mkdir()
        (target / "notes.txt").write_text("precious\n")
    elif kind == "empty-directory":
        target.mkdir()
    elif kind == "file":
        target.write_text("precious\n")
    elif kind == "dangling-symlink":
        target.symlink_to(target.parent / "nowhere")
    else:
        target.symlink_to(target.parent / "keep.txt")


@pytest.mark.parametrize(
    "kind", ["directory", "empty-directory", "file", "dangling-symlink", "file-symlink"]
)
def test_an_existing_target_is_left_untouched(box: Sandbox, kind: str) -> None:
    make_existing(kind, box.work / "blog")
    refused(box, ["Blog"], 1, "blog", "already exists")
    refused(box, ["Blog", "--dry-run"], 1, "already exists")


def test_an_output_dir_that_cannot_be_created_is_refused(
    box: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    locked = box.work / "locked"
    locked.mkdir(mode=0o500)
    if os.geteuid() == 0:  # root may write anywhere: make the permission check say no
        real_access = os.access
        monkeypatch.setattr(
            os, "access", lambda p, mode: Path(p) != locked and real_access(p, mode)
        )
    try:
        refused(box, ["Blog", "-o", "locked/new"], 1, "locked", "not writable")
    finally:
        locked.chmod(0o700)


def test_a_failing_hook_leaves_nothing_and_shows_its_message(box: Sandbox) -> None:
    template = copy_template(box.root / "template", post_hook="failing_post_gen_project.py")
    before = snapshot(box.work)
    result = invoke(["new", "Blog", "-o", "new/dir"], FLASKCUTTER_TEMPLATE=str(template))
    assert_refused(result, 1, "hook failed", "boom: this hook fails on purpose")
    assert snapshot(box.work) == before  # the output dir it created is gone too
    assert list(box.systmp.iterdir()) == []


def test_a_template_error_mid_render_leaves_nothing(box: Sandbox) -> None:
    template = copy_template(box.root / "template")
    broken = template / "{{cookiecutter.project_slug}}" / "tests" / "zz_broken.py"
    broken.write_text("VALUE = '{{ cookiecutter.no_such_key }}'\n")
    before = snapshot(box.work)
    result = invoke(["new", "Blog"], FLASKCUTTER_TEMPLATE=str(template))
    assert_refused(result, 1, "template error", "no_such_key")
    assert snapshot(box.work) == before


def test_a_bad_template_override_is_reported(box: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLASKCUTTER_TEMPLATE", str(box.root))
    refused(box, ["Blog"], 1, "FLASKCUTTER_TEMPLATE", "not a template")


@pytest.fixture
def no_git(box: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(box.root / "empty-bin"))


def test_explicit_git_without_git_is_refused(box: Sandbox, no_git: None) -> None:
    refused(box, ["Blog", "--git"], 1, "--git", "not installed")


def test_git_missing_is_only_a_notice_by_default(box: Sandbox, no_git: None) -> None:
    result = invoke(["new", "Blog"])
    assert result.exit_code == 0, result.output
    assert "git is not installed" in result.stderr
    assert not (box.work / "blog" / ".git").exists()
