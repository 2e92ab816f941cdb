"""What `.flaskcutter.json` records about the template, and renders that reproduce."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from flaskcutter import __version__

from hooks.post_gen_project import write_env

from .cli_support import Sandbox, answers, assert_refused, invoke, isolate
from .conftest import run
from .update_support import git, make_template_repo, tree

pytestmark = pytest.mark.xdist_group("provenance")


@pytest.fixture(scope="module")
def template_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    repo = tmp_path_factory.mktemp("provenance") / "template"
    return repo, make_template_repo(repo)


@pytest.fixture(autouse=True)
def box(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Sandbox:
    return isolate(tmp_path, monkeypatch)


def new(*args: str) -> None:
    result = invoke(["new", *args, "--no-git", "--no-input"])
    assert result.exit_code == 0, result.output


def test_the_bundled_template_is_recorded_by_version_never_by_path(box: Sandbox) -> None:
    new("Blog")
    recorded = answers(box.work / "blog")
    assert recorded["_template"] == f"flaskcutter=={__version__}"
    assert recorded["_flaskcutter_version"] == __version__
    text = (box.work / "blog" / ".flaskcutter.json").read_text(encoding="utf-8")
    assert "site-packages" not in text and str(Path(__file__).parents[1]) not in text
    assert "SECRET_KEY" not in text


def test_a_git_template_is_recorded_with_its_path_ref_and_commit(
    box: Sandbox, template_repo: tuple[Path, dict[str, str]]
) -> None:
    repo, shas = template_repo
    new("Blog", "--template", str(repo), "--checkout", "v1")
    recorded = answers(box.work / "blog")
    assert (recorded["_template"], recorded["_commit"]) == (str(repo), shas["v1"])
    assert recorded["_checkout"] == "v1"
    assert not (box.work / "blog" / "CONTRIBUTING.md").exists()  # v2 added it
    new("Shop", "--template", str(repo))  # no ref: the repository as it is, at HEAD
    assert answers(box.work / "shop")["_commit"] == shas["v2"]
    assert (box.work / "shop" / "CONTRIBUTING.md").is_file()


def test_an_unknown_checkout_is_refused_with_nothing_written(
    box: Sandbox, template_repo: tuple[Path, dict[str, str]]
) -> None:
    repo, _ = template_repo
    result = invoke(["new", "Blog", "--no-git", "--template", str(repo), "--checkout", "v9"])
    assert_refused(result, 2, "unknown ref 'v9'")
    assert list(box.work.iterdir()) == []
    result = invoke(["new", "Blog", "--no-git", "--checkout", "v1"])
    assert_refused(result, 2, "'v1' needs a git repository")


def test_plain_cookiecutter_records_the_commit_of_a_git_template(
    box: Sandbox, template_repo: tuple[Path, dict[str, str]]
) -> None:
    repo, shas = template_repo
    # cookiecutter ignores --checkout for a directory; a URL makes it clone and check out.
    url = f"git+file://{repo}"
    done = run(
        ["cookiecutter", "--no-input", "-o", str(box.work), url, "--checkout", "v1"],
        cwd=box.work,
        env=box.env(),
    )
    assert done.returncode == 0, done.stderr
    recorded = answers(box.work / "my-flask-app")
    assert recorded["_commit"] == shas["v1"]
    assert recorded["_checkout"] == "v1"
    assert recorded["_template"] == url


def test_same_version_and_answers_give_the_same_bytes(
    box: Sandbox, template_repo: tuple[Path, dict[str, str]]
) -> None:
    repo, _ = template_repo
    for where in ("a", "b"):
        new("Blog", "--template", str(repo), "--checkout", "v1", "-o", where)
    first, second = tree(box.work / "a" / "blog"), tree(box.work / "b" / "blog")
    assert first.pop(".env") != second.pop(".env")  # the one random file
    assert first == second


def test_env_is_written_only_when_absent(tmp_path: Path) -> None:
    context = json.loads('{"use_sqlalchemy": false, "database": "sqlite", "package_name": "x"}')
    write_env(context, tmp_path)
    secret = (tmp_path / ".env").read_bytes()
    write_env(context, tmp_path)
    assert (tmp_path / ".env").read_bytes() == secret


def test_patch_leftovers_are_ignored_and_cruft_skips_local_state(box: Sandbox) -> None:
    import tomllib

    new("Blog")
    project = box.work / "blog"
    git(project, "init", "--quiet")
    ignored = git(project, "check-ignore", "app.py.rej", "app.py.orig", ".env")
    assert ignored.splitlines() == ["app.py.rej", "app.py.orig", ".env"]
    pyproject = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    assert {".env", "instance"} <= set(pyproject["tool"]["cruft"]["skip"])
