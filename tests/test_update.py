"""`flaskcutter update` and `check` on real git repositories: nothing local is ever lost.

One template repository (v1, then v2: a changed line, an appended line, an added file,
a deleted file) and one project made from v1 are built once per module; each test
copies the project, edits it as a team would, commits, and updates.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import Result
from flaskcutter.merge import plan_merge

from .cli_support import Sandbox, answers, assert_refused, invoke, isolate, snapshot
from .conftest import BIN, run
from .update_support import (
    ADDED,
    APPENDED,
    APPENDED_LINE,
    CHANGED,
    CHANGED_NEW,
    CHANGED_OLD,
    DELETED,
    GIT_ENV,
    clone_project,
    commit_all,
    has_markers,
    make_template_repo,
    resolve_markers,
    tree,
)

pytestmark = pytest.mark.xdist_group("update")


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """The template repository and a project made from its v1 by the installed CLI."""
    root = tmp_path_factory.mktemp("update")
    repo = root / "template"
    shas = make_template_repo(repo)
    env = {**GIT_ENV, "HOME": str(root), "TMPDIR": str(root)}
    done = run(
        [str(BIN / "flaskcutter"), "new", "Blog", "--no-input", "--git", "-o", str(root)]
        + ["--template", str(repo), "--checkout", "v1"],
        cwd=root,
        env=env,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return {"repo": repo, "shas": shas, "project": root / "blog"}


@pytest.fixture(autouse=True)
def box(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Sandbox:
    box = isolate(tmp_path, monkeypatch)
    for key, value in GIT_ENV.items():  # commits made by the tests need an identity
        if key != "GIT_CONFIG_GLOBAL":
            monkeypatch.setenv(key, value)
    return box


@pytest.fixture
def project(made: dict[str, object], box: Sandbox) -> Path:
    return clone_project(made["project"], box.work / "blog")  # type: ignore[arg-type]


def update(project: Path, *args: str) -> Result:
    return invoke(["update", "--project", str(project), *args])


def check(project: Path, *args: str) -> Result:
    return invoke(["check", "--project", str(project), *args])


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def append(path: Path, line: str) -> None:
    with path.open("a", encoding="utf-8") as handle:
        handle.write(line)


def leftovers(project: Path) -> list[str]:
    return [str(p) for p in project.rglob("*") if p.suffix in (".rej", ".orig")]


def test_an_untouched_project_takes_every_change_and_check_agrees(
    project: Path, made: dict[str, object]
) -> None:
    shas: dict[str, str] = made["shas"]  # type: ignore[assignment]
    secret = (project / ".env").read_bytes()
    before = check(project)
    assert before.exit_code == 1, before.output
    assert "Behind" in before.stdout and "4 files differ" in before.stdout

    result = update(project)
    assert result.exit_code == 0, result.output
    assert (project / CHANGED).read_text(encoding="utf-8").startswith(CHANGED_NEW)
    assert (project / APPENDED).read_text(encoding="utf-8").endswith(APPENDED_LINE)
    assert (project / ADDED).read_text(encoding="utf-8").startswith("# Contributing to Blog\n")
    assert not (project / DELETED).exists()
    assert answers(project)["_commit"] == shas["v2"]
    assert "_update_conflicts" not in answers(project)
    assert (project / ".env").read_bytes() == secret
    assert leftovers(project) == []

    commit_all(project, "Update the template to v2")
    after = check(project)
    assert after.exit_code == 0, after.output
    assert "Up to date" in after.stdout
    again = update(project)
    assert again.exit_code == 0 and "Nothing to merge" in again.stdout


def test_edits_that_do_not_collide_survive_beside_the_template_changes(project: Path) -> None:
    append(project / CHANGED, "local-notes/\n")
    append(project / "README.md", "Deployed by the ops team.\n")
    (project / APPENDED).unlink()  # v2 changes it; the team does not want it
    commit_all(project, "Local changes")
    (project / "scratch.txt").write_text("untracked\n", encoding="utf-8")
    (project / "instance").mkdir()
    (project / "instance" / "blog.sqlite").write_bytes(b"\0db")

    result = update(project)
    assert result.exit_code == 0, result.output
    gitignore = (project / CHANGED).read_text(encoding="utf-8")
    assert gitignore.startswith(CHANGED_NEW) and gitignore.endswith("local-notes/\n")
    assert not has_markers(gitignore)
    assert (
        (project / "README.md").read_text(encoding="utf-8").endswith("Deployed by the ops team.\n")
    )
    assert not (project / APPENDED).exists()
    assert "stays deleted" in result.stdout and APPENDED in result.stdout
    assert (project / "scratch.txt").read_text(encoding="utf-8") == "untracked\n"
    assert (project / "instance" / "blog.sqlite").read_bytes() == b"\0db"
    assert (project / ADDED).is_file() and not (project / DELETED).exists()

    commit_all(project, "Update the template to v2")
    assert check(project).exit_code == 0


def test_collisions_are_marked_inline_listed_and_never_called_a_success(
    project: Path, made: dict[str, object]
) -> None:
    shas: dict[str, str] = made["shas"]  # type: ignore[assignment]
    edit(project / CHANGED, CHANGED_OLD, "# Local state (ops)\n")
    append(project / DELETED, "# our own hook settings\n")  # v2 deletes this file
    commit_all(project, "Local changes that collide")

    result = update(project)
    assert result.exit_code == 1, result.output
    assert CHANGED in result.stderr and DELETED in result.stderr
    assert "2 files conflict" in result.stderr
    text = (project / CHANGED).read_text(encoding="utf-8")
    assert "<<<<<<< project (yours)\n# Local state (ops)\n=======\n" in text
    assert f"{CHANGED_NEW}>>>>>>> template {made['repo']}@{shas['v2'][:12]}\n" in text
    kept = (project / DELETED).read_text(encoding="utf-8")
    assert kept.endswith("# our own hook settings\n")  # kept, whole, without markers
    assert (project / ADDED).is_file()  # what did not collide was applied
    recorded = answers(project)
    assert recorded["_commit"] == shas["v2"]
    assert recorded["_update_conflicts"] == [CHANGED]
    assert leftovers(project) == []

    commit_all(project, "Merge v2, conflicts still marked")
    assert "markers" in check(project).stdout
    assert check(project).exit_code == 1
    assert_refused(update(project), 2, "conflict markers from the last update remain", CHANGED)

    resolve_markers(project / CHANGED, keep="ours")
    commit_all(project, "Resolve the update conflicts")
    assert (project / CHANGED).read_text(encoding="utf-8").startswith("# Local state (ops)\n")
    final = check(project)
    assert final.exit_code == 0, final.output


def test_a_dirty_tree_is_refused_naming_the_files_and_nothing_changes(project: Path) -> None:
    append(project / "README.md", "work in progress\n")
    (project / APPENDED).unlink()
    before = snapshot(project)
    result = update(project)
    assert_refused(result, 2, "uncommitted changes", "README.md", APPENDED)
    assert snapshot(project) == before


def test_not_a_project_and_an_unknown_ref_are_refused(project: Path, box: Sandbox) -> None:
    assert_refused(update(box.root), 2, "is not a flaskcutter project")
    assert_refused(check(box.root), 2, "is not a flaskcutter project")
    before = snapshot(project)
    assert_refused(update(project, "--to", "v9"), 2, "unknown ref 'v9'")
    assert snapshot(project) == before


def test_answers_change_through_the_same_merge(project: Path) -> None:
    original = tree(project)
    # --to v1 keeps the template version, so only the answer changes.
    result = update(project, "--to", "v1", "--set", "deployment=none")
    assert result.exit_code == 0, result.output
    assert not (project / "deploy").exists()
    assert not (project / "tests" / "test_deploy_config.py").exists()
    assert "gunicorn" not in (project / "pyproject.toml").read_text(encoding="utf-8")
    assert answers(project)["deployment"] == "none"
    commit_all(project, "No deployment files")

    result = update(project, "--to", "v1", "--set", "deployment=gunicorn-nginx")
    assert result.exit_code == 0, result.output
    assert tree(project) == original  # byte for byte, the record included


def test_set_values_are_checked_like_new_and_layout_cannot_switch(project: Path) -> None:
    before = snapshot(project)
    assert_refused(
        update(project, "--set", "layout=single"), 2, "layout cannot change", "--layout single"
    )
    assert_refused(
        update(project, "--set", "database=mysql"),
        2,
        'database "mysql" is invalid: choose one of sqlite, postgresql',
    )
    assert_refused(update(project, "--set", "colour=red"), 2, "unknown key 'colour'")
    assert_refused(
        update(project, "--set", "use_sqlalchemy=false", "--set", "use_migrate=true"),
        2,
        "use_migrate needs use_sqlalchemy=true",
    )
    assert snapshot(project) == before


def test_dry_run_lists_changes_and_conflicts_and_writes_nothing(project: Path) -> None:
    edit(project / CHANGED, CHANGED_OLD, "# Local state (ops)\n")
    commit_all(project, "A local change that collides")
    before = snapshot(project)
    result = update(project, "--dry-run")
    assert result.exit_code == 1, result.output
    assert "would conflict" in result.stderr and CHANGED in result.stderr
    lines = result.stdout.splitlines()
    assert f"    {ADDED}" in lines and f"    {DELETED}" in lines
    assert "Dry run: nothing was written." in lines
    assert snapshot(project) == before


def test_check_json_names_both_versions(project: Path, made: dict[str, object]) -> None:
    shas: dict[str, str] = made["shas"]  # type: ignore[assignment]
    result = check(project, "--json")
    assert result.exit_code == 1
    status = json.loads(result.stdout)
    assert status["from"]["commit"] == shas["v1"] and status["to"]["commit"] == shas["v2"]
    assert (status["up_to_date"], status["files_differ"], status["ok"]) == (False, 4, False)


def test_binary_and_deleted_upstream_files_keep_the_users_bytes(tmp_path: Path) -> None:
    base, target, mine = (tmp_path / name for name in ("base", "target", "mine"))
    for root, logo, notes in (
        (base, b"\x89PNG\0base", "base\n"),
        (target, b"\x89PNG\0new", None),
        (mine, b"\x89PNG\0mine", "base\nmine\n"),
    ):
        root.mkdir()
        (root / "logo.png").write_bytes(logo)
        if notes is not None:
            (root / "notes.txt").write_text(notes, encoding="utf-8")
    plan = plan_merge(base, target, mine, {"logo.png", "notes.txt"}, ("a", "b", "c"))
    kinds = {action.path: action.kind for action in plan.actions}
    assert kinds == {"logo.png": "kept-binary", "notes.txt": "kept-modified"}
    assert plan.writes == [] and len(plan.conflicts) == 2
    assert sorted(os.listdir(mine)) == ["logo.png", "notes.txt"]


def test_cruft_round_trip_gives_a_clean_diff(made: dict[str, object], box: Sandbox) -> None:
    repo, shas = made["repo"], made["shas"]
    env = box.env(**GIT_ENV)
    created = run(
        ["cruft", "create", str(repo), "--no-input", "--output-dir", str(box.work)],
        cwd=box.work,
        env=env,
    )
    assert created.returncode == 0, created.stdout + created.stderr
    project = box.work / "my-flask-app"
    assert answers(project)["_commit"] == shas["v2"]  # type: ignore[index]
    # The secret in .env differs on every render; [tool.cruft] skip keeps it out.
    diff = run(["cruft", "diff", "--exit-code"], cwd=project, env=env)
    assert diff.returncode == 0, diff.stdout + diff.stderr
