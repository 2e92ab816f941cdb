"""`flaskcutter new`: every flag, the precedence of answers, and text that stays text."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest
from flaskcutter.answers import slug_of
from hypothesis import given, settings
from hypothesis import strategies as st

from hooks import pre_gen_project as rules

from .cli_support import GIT_EMAIL, GIT_NAME, Sandbox, answers, copy_template, invoke, isolate
from .conftest import REPO


@pytest.fixture(autouse=True)
def box(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Sandbox:
    return isolate(tmp_path, monkeypatch)


def new(*args: str) -> Any:
    result = invoke(["new", *args, "--no-git"])
    assert result.exit_code == 0, result.output
    return result


# `new` renders the bundled template in-process, skips paths the post hook would
# delete, and fills simple files in without compiling them (flaskcutter.filled_in):
# each shortcut must leave the bytes exactly as plain cookiecutter makes them.
SAME_AS_PLAIN = [
    {},
    {"layout": "single", "use_sqlalchemy": False},
    {"use_auth": True, "database": "postgresql", "use_migrate": False},
    {"layout": "single", "container": True, "license": "Proprietary", "deployment": "none"},
    {
        "description": "Quotes \" ' and a backslash \\ in <b>&amp;</b> 100%",
        "author_name": "Zoë O'Brien-Łukasz",
        "license": "Apache-2.0",
        "use_github_actions": False,
    },
]


def test_new_makes_the_same_bytes_as_plain_cookiecutter(box: Sandbox) -> None:
    from cookiecutter.main import cookiecutter

    # cookiecutter's default config points at the real ~/.cookiecutter_replay, fixed at
    # import time; a config file keeps its replay file inside the sandbox.
    config = box.root / "cookiecutter.yaml"
    config.write_text(f"replay_dir: {box.root / 'replay'}\n", encoding="utf-8")
    for number, extra in enumerate(SAME_AS_PLAIN):
        context = {"author_name": "Your Name", "author_email": "you@example.com", **extra}
        name = f"Blog {number}"
        sets = [
            f"--set={key}={str(value).lower() if isinstance(value, bool) else value}"
            for key, value in context.items()
        ]
        new(name, "-o", str(box.root / "ours"), *sets)
        plain = Path(
            cookiecutter(
                str(REPO),
                no_input=True,
                extra_context={"project_name": name, **context},
                output_dir=str(box.root / "plain"),
                config_file=str(config),
            )
        )
        ours = box.root / "ours" / plain.name
        files = sorted(str(p.relative_to(ours)) for p in ours.rglob("*"))
        assert files == sorted(str(p.relative_to(plain)) for p in plain.rglob("*")), extra
        for name in files:
            # .env holds a random secret; the record names each run's template source.
            if (ours / name).is_file() and name not in (".env", ".flaskcutter.json"):
                assert (ours / name).read_bytes() == (plain / name).read_bytes(), (extra, name)
        answers_of = [
            {k: v for k, v in answers(project).items() if not k.startswith("_")}
            for project in (ours, plain)
        ]
        assert answers_of[0] == answers_of[1], extra


@settings(max_examples=60, deadline=None)
@given(st.text(min_size=1, max_size=40))
def test_derived_slug_matches_cookiecutters_own_rendering(name: str) -> None:
    from cookiecutter.environment import StrictEnvironment

    env = StrictEnvironment(context={"cookiecutter": {}})
    expression = env.from_string("{{ cookiecutter.project_name | slugify }}")
    assert slug_of(name) == expression.render(cookiecutter={"project_name": name})


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        (["--layout", "single"], {"layout": "single"}),
        (["--db", "postgresql"], {"use_sqlalchemy": True, "database": "postgresql"}),
        (["--db", "none"], {"use_sqlalchemy": False, "use_migrate": False}),
        (["--no-migrate"], {"use_migrate": False}),
        (["--migrate", "--db", "sqlite"], {"use_migrate": True, "database": "sqlite"}),
        (["--no-deploy"], {"deployment": "none"}),
        (["--deploy"], {"deployment": "gunicorn-nginx"}),
        (["--set", "license=Apache-2.0"], {"license": "Apache-2.0"}),
        (["--set", "use_github_actions=false"], {"use_github_actions": False}),
        (["--set", "use_github_actions=TRUE"], {"use_github_actions": True}),
        (["--set", "python_version=3.13"], {"python_version": "3.13"}),
        (["--set", "package_name=web_core"], {"project_slug": "app-x", "package_name": "web_core"}),
        (["--set", "project_slug=site-x"], {"project_slug": "site-x", "package_name": "site_x"}),
    ],
)
def test_each_flag_sets_its_answer(box: Sandbox, flags: list[str], expected: dict) -> None:
    new("App X", *flags)
    slug = expected.get("project_slug", "app-x")
    recorded = answers(box.work / slug)
    assert {key: recorded[key] for key in expected} == expected


def test_output_dir_is_created_when_missing(box: Sandbox) -> None:
    new("Blog", "-o", "a/b")
    assert answers(box.work / "a" / "b" / "blog")["project_name"] == "Blog"


def test_no_sqlalchemy_alone_switches_migrations_off_with_a_notice(box: Sandbox) -> None:
    result = new("Blog", "--set", "use_sqlalchemy=false")
    assert "use_migrate" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert answers(box.work / "blog")["use_migrate"] is False


def test_author_defaults_come_from_git_config(box: Sandbox) -> None:
    new("Blog")
    recorded = answers(box.work / "blog")
    assert (recorded["author_name"], recorded["author_email"]) == (GIT_NAME, GIT_EMAIL)


def test_without_a_git_identity_the_template_defaults_stay(box: Sandbox) -> None:
    box.gitconfig.write_text("")
    new("Blog")
    assert answers(box.work / "blog")["author_email"] == "you@example.com"


def test_an_unusable_git_email_is_not_used(box: Sandbox) -> None:
    box.gitconfig.write_text("[user]\n\tname = Ada\n\temail = not-an-address\n")
    new("Blog")
    recorded = answers(box.work / "blog")
    assert (recorded["author_name"], recorded["author_email"]) == ("Ada", "you@example.com")


PRESET = """\
layout = "single"
database = "postgresql"
use_github_actions = false
license = "Proprietary"
author_name = "Platform Team"
"""


def test_preset_answers_override_defaults(box: Sandbox) -> None:
    (box.root / "team.toml").write_text(PRESET)
    new("Svc", "--preset", str(box.root / "team.toml"))
    recorded = answers(box.work / "svc")
    assert recorded["layout"] == "single"
    assert recorded["database"] == "postgresql"
    assert recorded["use_github_actions"] is False
    assert recorded["author_name"] == "Platform Team"
    assert not (box.work / "svc" / "LICENSE").exists()


def test_flags_and_set_override_the_preset(box: Sandbox) -> None:
    (box.root / "team.toml").write_text(PRESET)
    new(
        "Svc",
        *("--preset", str(box.root / "team.toml")),
        *("--layout", "blueprints", "--db", "sqlite", "--set", "license=MIT"),
    )
    recorded = answers(box.work / "svc")
    assert (recorded["layout"], recorded["database"], recorded["license"]) == (
        "blueprints",
        "sqlite",
        "MIT",
    )
    assert recorded["use_github_actions"] is False  # untouched by flags: the preset's


def test_db_none_gives_way_over_a_preset_that_wants_migrations(box: Sandbox) -> None:
    (box.root / "team.toml").write_text("use_migrate = true\n")
    result = new("Svc", "--preset", str(box.root / "team.toml"), "--db", "none")
    assert "use_migrate" in result.stderr
    assert answers(box.work / "svc")["use_migrate"] is False


UNSAFE_TEXT = [
    "{{ 7*7 }}",
    "{% for x in range(3) %}x{% endfor %}",
    "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    "{# comment #} \"quotes\" 'single' \\ back",
]


@pytest.mark.parametrize("text", UNSAFE_TEXT)
def test_free_text_arrives_verbatim_and_is_never_evaluated(box: Sandbox, text: str) -> None:
    new("Blog", "--set", f"description={text}", "--set", f"author_name={text}")
    project = box.work / "blog"
    meta = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert meta["description"] == text
    assert meta["authors"][0]["name"] == text
    assert text in (project / "README.md").read_text(encoding="utf-8")
    assert text in (project / "LICENSE").read_text(encoding="utf-8")
    assert answers(project)["description"] == text
    assert "uid=" not in "".join(p.read_text() for p in project.rglob("*.md"))


def test_bytecode_in_the_template_does_not_reach_the_project(box: Sandbox) -> None:
    # An installed wheel's template has __pycache__ folders: pip compiles its .py files.
    template = copy_template(box.root / "template")
    cache = template / "{{cookiecutter.project_slug}}" / "tests" / "__pycache__"
    cache.mkdir()
    (cache / "conftest.cpython-311.pyc").write_bytes(b"\x00stale")
    result = invoke(["new", "Blog", "--no-git"], FLASKCUTTER_TEMPLATE=str(template))
    assert result.exit_code == 0, result.output
    assert not list((box.work / "blog").rglob("__pycache__"))


def test_quiet_prints_nothing_on_success(box: Sandbox) -> None:
    result = new("Blog", "-q")
    assert result.output == ""
    assert (box.work / "blog").is_dir()


def test_next_steps_are_printed_once_and_point_at_the_project(box: Sandbox) -> None:
    result = new("Blog", "-o", "out")
    assert result.stdout.count("Next steps") == 1
    assert "cd out/blog" in result.stdout
    assert "flask --app blog db upgrade" in result.stdout


def test_dry_run_writes_nothing_and_shows_tree_and_answers(box: Sandbox) -> None:
    result = new("Blog", "--dry-run", "--layout", "single", "-o", "missing/dir")
    assert list(box.work.iterdir()) == []
    assert list(box.systmp.iterdir()) == []
    assert "nothing was written" in result.stdout
    assert "    blog.py" in result.stdout.splitlines()
    assert "layout              single" in result.stdout
    assert "missing/dir, which does not exist yet" in result.stdout


def test_no_replay_file_and_no_hook_scripts_are_left(box: Sandbox) -> None:
    new("Blog")
    assert list(box.systmp.iterdir()) == []
    assert not (box.home / ".cookiecutter_replay").exists()
    assert [p.name for p in box.work.iterdir()] == ["blog"]


def test_options_lists_every_key_with_choices_default_and_meaning() -> None:
    import json

    spec = json.loads((REPO / "cookiecutter.json").read_text())
    result = invoke(["options", "--json"])
    assert result.exit_code == 0, result.output
    listed = json.loads(result.stdout)
    assert list(listed) == [key for key in spec if not key.startswith("_")]
    assert listed["layout"]["choices"] == spec["layout"]
    assert listed["layout"]["default"] == "blueprints"
    assert listed["use_migrate"]["default"] is True
    assert listed["project_slug"] == {
        "kind": "text",
        "default": "my-flask-app",
        "choices": None,
        "derived_from": "project_name",
        "git_config": None,
        "requires": None,
        "help": rules.HELP["project_slug"],
    }
    assert listed["use_migrate"]["requires"] == {"use_sqlalchemy": True}
    assert listed["author_email"]["git_config"] == "user.email"
    table = invoke(["options"], COLUMNS="200")
    assert table.exit_code == 0
    for key in listed:
        assert key in table.stdout
    assert "blueprints, single" in table.stdout


def test_version_names_the_template_in_use() -> None:
    from flaskcutter import __version__

    result = invoke(["--version"])
    assert result.stdout == f"flaskcutter {__version__} (template: {REPO})\n"
