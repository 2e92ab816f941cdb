"""Generated projects work with the tools a Flask team really runs on them.

Each test runs one real tool (uv, pip's build, pre-commit, mypy, check-jsonschema,
zizmor) over every structural combination of tests/matrix.py, in one loop that names
every failing combination. Projects are copied before a tool writes into them
(a venv, a lock file, a git repository), so the session's shared bakes stay pristine.
A tool missing on a laptop skips with its reason; under CI=true it fails.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tarfile
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hooks.pre_gen_project import effective

from .conftest import BIN, SPEC, Bake, missing_service, run
from .matrix import DEFAULTS, changes, combinations

# No xdist group: the tools spread over the workers, each reusing its own session's
# bakes. mypy's cache is shared by every project of a worker (MYPY_CACHE), which
# makes a run after the first take a second or two.

# The keys that change which files exist and what is installed (style.md).
STRUCTURAL = ("layout", "use_sqlalchemy", "database", "use_migrate", "deployment")


def structures() -> dict[str, dict[str, Any]]:
    """The first matrix combination of each distinct structure, by its matrix name."""
    seen: dict[tuple[Any, ...], str] = {}
    for name, answers in combinations().items():
        settled = effective(answers, SPEC)
        seen.setdefault(tuple(settled[key] for key in STRUCTURAL), name)
    return {name: combinations()[name] for name in seen.values()}


STRUCTURES = structures()


def tool(name: str) -> str:
    """The tool from this venv (the test extra installs it), else from PATH."""
    found = shutil.which(name, path=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    if found is None:
        missing_service(f"{name} is not installed (pip install -e '.[test]')")
    return str(found)


def baked_structures(bake: Bake) -> Iterator[tuple[str, Path]]:
    """(matrix name, project) for every structure."""
    for name, answers in STRUCTURES.items():
        yield name, bake(**changes(answers))


def extreme_installs(bake: Bake) -> Iterator[tuple[str, Path]]:
    """(matrix name, project) for the structures with the most and the fewest
    dependencies. The largest set declares every floor any project declares, so its
    lowest-direct install checks them all; the smallest shows nothing is missing
    without the options. Each layout's files are checked by every bake's own suite
    (tests/test_bake.py), so more installs would repeat the same resolution.

    The sizes come from the bakes the other tests here share (python_version does not
    change the dependencies); only the two chosen are baked again, with the default
    python_version, the one this suite runs on: requires-python must admit it.
    """
    sized = []
    for name, project in baked_structures(bake):
        pyproject = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
        sized.append((len(pyproject["project"]["dependencies"]), name))
    sized.sort(key=lambda item: item[0])
    chosen = [sized[-1][1], sized[0][1]]
    # tests/test_generated_cli.py runs the README's pip install on one layout only and
    # relies on these installs for the other: both layouts must be among them.
    layouts = {STRUCTURES[name]["layout"] for name in chosen}
    assert layouts == set(SPEC["layout"]), f"the installs cover only {layouts}"
    for name in chosen:
        answers = {**STRUCTURES[name], "python_version": DEFAULTS["python_version"]}
        yield name, bake(**changes(answers))


def copy_project(project: Path, into: Path) -> Path:
    target = into / project.name
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(project, target, symlinks=True)
    return target


def uses_postgres(project: Path) -> bool:
    answers = json.loads((project / ".flaskcutter.json").read_text(encoding="utf-8"))
    return bool(answers["use_sqlalchemy"]) and answers["database"] == "postgresql"


def report(failures: list[str]) -> None:
    assert failures == [], "\n\n".join(failures)


def tail(result: Any, lines: int = 30) -> str:
    text = (result.stdout or "") + (result.stderr or "")
    return "\n".join(text.splitlines()[-lines:])


UV_ENV = {
    # Never fetch an interpreter: a missing Python must fail, not download one.
    "UV_PYTHON_DOWNLOADS": "never",
    "VIRTUAL_ENV": "",
    "UV_NO_PROGRESS": "1",
}


def test_dev_group_and_dev_extra_list_the_same_tools(bake: Bake) -> None:
    failures = []
    for name, project in baked_structures(bake):
        pyproject = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
        group = pyproject["dependency-groups"]["dev"]
        extra = pyproject["project"]["optional-dependencies"]["dev"]
        if group != extra:
            failures.append(f"{name}: group {group} != extra {extra}")
    report(failures)


@pytest.fixture(scope="session")
def mypy_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One mypy cache for every project a worker checks: Flask and SQLAlchemy are
    analysed once; each project's own modules are rechecked by their content."""
    return tmp_path_factory.mktemp("mypy-cache")


def test_mypy_is_clean_on_every_structure(bake: Bake, mypy_cache: Path) -> None:
    mypy = tool("mypy")
    failures = []
    for name, project in baked_structures(bake):
        # The project's own [tool.mypy] says what to check and how strictly.
        result = run([mypy, "--cache-dir", str(mypy_cache)], cwd=project)
        if result.returncode != 0:
            failures.append(f"{name}:\n{tail(result)}")
    report(failures)


def test_workflow_matches_the_github_schema(bake: Bake) -> None:
    checker = tool("check-jsonschema")
    workflows = [
        (name, project / ".github" / "workflows" / "ci.yml")
        for name, project in baked_structures(bake)
        if (project / ".github").exists()
    ]
    assert workflows, "no structure bakes a workflow"
    result = run(
        [checker, "--builtin-schema", "vendor.github-workflows", *(str(w) for _, w in workflows)],
        cwd=Path.cwd(),
    )
    assert result.returncode == 0, tail(result)


def test_zizmor_finds_nothing_above_low(bake: Bake, tmp_path: Path) -> None:
    zizmor = tool("zizmor")
    failures = []
    for name, project in baked_structures(bake):
        if not (project / ".github").exists():
            continue
        result = run(
            [zizmor, "--offline", "--min-severity", "medium", "--format", "plain", "."],
            cwd=project,
            env={"XDG_CACHE_HOME": str(tmp_path)},
        )
        if result.returncode != 0:
            failures.append(f"{name}:\n{tail(result)}")
    report(failures)


def test_workflow_tests_from_the_oldest_supported_python_to_the_newest(bake: Bake) -> None:
    import yaml

    for version in SPEC["python_version"]:
        project = bake(python_version=version)
        workflow = yaml.safe_load((project / ".github/workflows/ci.yml").read_text())
        job = workflow["jobs"]["test"]
        versions = job["strategy"]["matrix"]["python-version"]
        assert versions[0] == version
        assert versions[-1] == "3.14"
        checkout = job["steps"][0]
        assert checkout["with"]["persist-credentials"] is False
        assert "concurrency" in workflow
        assert {"run": "mypy"} in job["steps"]


def test_pre_commit_runs_offline_and_passes(bake: Bake, tmp_path: Path) -> None:
    pre_commit = tool("pre-commit")
    failures = []
    for name, project in baked_structures(bake):
        config = (project / ".pre-commit-config.yaml").read_text(encoding="utf-8")
        # Every hook is local: nothing to clone, so it runs without a network.
        assert "repo: local" in config and "https://" not in config, name
        copy = copy_project(project, tmp_path)
        run(["git", "init", "-q"], cwd=copy)
        run(["git", "add", "-A"], cwd=copy)
        result = run(
            [pre_commit, "run", "--all-files", "--color", "never"],
            cwd=copy,
            # The mypy hook runs the same mypy as the test above; skipping it here
            # keeps the hooks' run to ruff and the key check, seconds, not minutes.
            env={"PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"), "SKIP": "mypy"},
        )
        if result.returncode != 0:
            failures.append(f"{name}:\n{tail(result)}")
    report(failures)


@pytest.mark.heavy
def test_uv_sync_then_uv_run_pytest(
    bake: Bake, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    uv = tool("uv")
    failures = []
    for name, project in extreme_installs(bake):
        copy = copy_project(project, tmp_path)
        env = dict(UV_ENV)
        if uses_postgres(copy):
            env["TEST_DATABASE_URL"] = request.getfixturevalue("postgres_url")
        synced = run([uv, "sync", "--quiet"], cwd=copy, env=env)
        if synced.returncode != 0:
            failures.append(f"{name}: uv sync\n{tail(synced)}")
            continue
        # The project's own pytest, from the dev group, not one found on PATH.
        assert (copy / ".venv" / "bin" / "pytest").exists(), name
        tested = run([uv, "run", "--no-sync", "pytest", "-q", "-p", "no:cacheprovider"], copy, env)
        if tested.returncode != 0:
            failures.append(f"{name}: uv run pytest\n{tail(tested)}")
        shutil.rmtree(copy)
    report(failures)


@pytest.mark.heavy
def test_lowest_declared_versions_pass_the_suite(
    bake: Bake, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    uv = tool("uv")
    failures = []
    for name, project in extreme_installs(bake):
        copy = copy_project(project, tmp_path)
        env = dict(UV_ENV)
        if uses_postgres(copy):
            env["TEST_DATABASE_URL"] = request.getfixturevalue("postgres_url")
        venv = copy / ".venv"
        python = str(venv / "bin" / "python")
        steps = [
            [uv, "venv", "--quiet", "--python", sys.executable, str(venv)],
            # Every floor the project declares, at once: the lowest of each direct
            # dependency (their own dependencies resolve as usual).
            [uv, "pip", "install", "--quiet", "--python", python]
            + ["--resolution", "lowest-direct", "-e", ".", "--group", "dev"],
            [python, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        ]
        for step in steps:
            result = run(step, cwd=copy, env=env)
            if result.returncode != 0:
                failures.append(f"{name}: {' '.join(step[:3])}\n{tail(result)}")
                break
        shutil.rmtree(copy)
    report(failures)


PAGES = """
import sys
from {pkg} import create_app

client = create_app().test_client()
statuses = {{url: client.get(url).status_code for url in sys.argv[1:]}}
print(statuses)
sys.exit(any(status != 200 for status in statuses.values()))
"""


@pytest.mark.heavy
def test_wheel_and_sdist_work_installed(bake: Bake, tmp_path: Path) -> None:
    """Both layouts: the wheel runs from another directory, the sdist's tests pass."""
    uv = tool("uv")
    failures = []
    for layout in SPEC["layout"]:
        project = copy_project(bake(layout=layout), tmp_path / layout)
        pkg = json.loads((project / ".flaskcutter.json").read_text())["package_name"]
        # uv build: the same PEP 517 build as `python -m build`, with a cached backend.
        built = run([uv, "build", "--quiet", "--out-dir", "dist", "."], cwd=project, env=UV_ENV)
        if built.returncode != 0:
            failures.append(f"{layout}: uv build\n{tail(built)}")
            continue
        wheel = next((project / "dist").glob("*.whl"))
        sdist = next((project / "dist").glob("*.tar.gz"))
        venv = tmp_path / layout / "venv"
        elsewhere = tmp_path / layout / "elsewhere"
        elsewhere.mkdir()
        steps = [
            [uv, "venv", "--quiet", "--python", sys.executable, str(venv)],
            [uv, "pip", "install", "--quiet", "--python", str(venv / "bin/python"), str(wheel)],
            [str(venv / "bin/flask"), "--app", pkg, "db", "upgrade"],
            [str(venv / "bin/python"), "-c", PAGES.format(pkg=pkg)]
            + ["/", "/notes/", "/healthz", "/static/style.css"],
        ]
        for step in steps:
            result = run(step, cwd=elsewhere, env=UV_ENV)
            if result.returncode != 0:
                failures.append(f"{layout}: {' '.join(step[:4])}\n{tail(result)}")
                break
        unpacked = tmp_path / layout / "sdist"
        with tarfile.open(sdist) as archive:
            archive.extractall(unpacked, filter="data")
        (root,) = unpacked.iterdir()
        tested = run(["python", "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=root)
        if tested.returncode != 0:
            failures.append(f"{layout}: the sdist's own tests\n{tail(tested)}")
    report(failures)
