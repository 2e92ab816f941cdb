"""The installed `flaskcutter`: a light --help, the wheel with its template, --install."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from .cli_support import Sandbox, answers, invoke, isolate, script
from .conftest import BIN, REPO, UV_CACHE, missing_service, run


@pytest.fixture
def box(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Sandbox:
    return isolate(tmp_path, monkeypatch)


IMPORTS_AFTER = """
import sys
from flaskcutter.cli import main
try:
    main(sys.argv[1:], prog_name="flaskcutter")
except SystemExit:
    pass
heavy = ("cookiecutter", "jinja2", "requests", "rich", "slugify")
print(sorted(name for name in sys.modules if name.split(".")[0] in heavy))
"""


@pytest.mark.parametrize("args", [["--help"], ["new", "--help"], ["--version"]])
def test_help_and_version_import_no_heavy_module(args: list[str]) -> None:
    result = subprocess.run(
        [sys.executable, "-c", IMPORTS_AFTER, *args], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip().splitlines()[-1] == "[]", result.stdout
    assert "Usage" in result.stdout or "flaskcutter" in result.stdout


def test_new_help_lists_choices_from_the_template() -> None:
    result = invoke(["new", "--help"])
    assert "--layout [blueprints|single]" in result.stdout
    assert "--db [sqlite|postgresql|none]" in result.stdout


def test_the_script_runs_without_prompts_when_stdin_is_not_a_terminal(box: Sandbox) -> None:
    result = subprocess.run(
        [script(), "new", "Blog"],  # no --no-input: a pipe on stdin implies it
        cwd=box.work,
        env={**os.environ, **box.env()},
        input="",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("Next steps:") == 1
    assert answers(box.work / "blog")["project_name"] == "Blog"


def test_python_m_flaskcutter_works_like_the_script(box: Sandbox) -> None:
    result = run([sys.executable, "-m", "flaskcutter", "options", "--json"], cwd=box.work)
    assert result.returncode == 0, result.stderr
    assert "layout" in json.loads(result.stdout)


@pytest.mark.heavy
def test_wheel_bundles_the_template_and_works_from_any_directory(tmp_path: Path) -> None:
    # uv: the same isolated PEP 517 build and install as build and pip, with uv's cache
    # (the test extra installs it), which makes them seconds instead of half a minute.
    uv = shutil.which("uv", path=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    if uv is None:
        missing_service("uv is not installed (pip install -e '.[test]')")
    dist = tmp_path / "dist"
    built = run([uv, "build", "--quiet", "--wheel", "--out-dir", str(dist), str(REPO)], REPO)
    assert built.returncode == 0, built.stdout + built.stderr
    (wheel,) = dist.glob("flaskcutter-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for part in (
        "cookiecutter.json",
        "local_extensions.py",
        "hooks/pre_gen_project.py",
        "hooks/post_gen_project.py",
        "{{cookiecutter.project_slug}}/pyproject.toml",
    ):
        assert f"flaskcutter/template/{part}" in names, part

    venv = tmp_path / "venv"
    made_venv = run([uv, "venv", "--quiet", "--python", sys.executable, str(venv)], tmp_path)
    assert made_venv.returncode == 0, made_venv.stderr
    python = venv / "bin" / "python"
    # --compile-bytecode does what pip does by default; the last check needs that bytecode.
    installed = run(
        [uv, "pip", "install", "--quiet", "--compile-bytecode", "--python", str(python)]
        + [str(wheel)],
        tmp_path,
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    # Only the new venv on PATH, so nothing can come from the checkout or its venv.
    env = {"PATH": f"{venv / 'bin'}{os.pathsep}/usr/bin:/bin", "HOME": str(tmp_path)}
    flaskcutter = str(venv / "bin" / "flaskcutter")
    version = subprocess.run(
        [flaskcutter, "--version"], cwd=elsewhere, env=env, capture_output=True, text=True
    )
    assert f"(template: {venv}" in version.stdout, version.stdout + version.stderr
    made = subprocess.run(
        [flaskcutter, "new", "Shop", "--no-input", "--db", "postgresql"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert made.returncode == 0, made.stdout + made.stderr
    recorded = answers(elsewhere / "shop")
    assert recorded["database"] == "postgresql"
    # Portable provenance: the version, never the venv's site-packages path, and the
    # commit the wheel was stamped with when it was built from a committed template.
    assert recorded["_template"].startswith("flaskcutter==")
    assert str(venv) not in (elsewhere / "shop" / ".flaskcutter.json").read_text()
    stamp = "flaskcutter/template/BUILD_COMMIT"
    if stamp in names:
        assert recorded["_commit"] == zipfile.ZipFile(wheel).read(stamp).decode().strip()
    assert (elsewhere / "shop" / ".git").is_dir()
    # The install compiled the bundled template; none of that bytecode may reach the project.
    assert list((venv / "lib").rglob("template/**/__pycache__"))
    assert not list((elsewhere / "shop").rglob("__pycache__"))


@pytest.mark.heavy
def test_install_creates_the_venv_and_ends_green(
    box: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As under the README's command, whose activated venv puts uv on PATH: the CLI
    # then installs with uv, from the user's uv cache (the sandbox's HOME has none).
    monkeypatch.setenv("PATH", f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    monkeypatch.setenv("UV_CACHE_DIR", str(UV_CACHE))
    result = invoke(["new", "Blog", "--no-input", "--install", "-o", "x"])
    assert result.exit_code == 0, result.output
    project = box.work / "x" / "blog"
    assert (project / ".venv" / "bin" / "flask").exists()
    assert "✓ Run the project's tests" in result.stderr
    assert "x/blog is ready" in result.stdout
    assert "passed" in result.stdout
    assert "flask --app blog run --debug" in result.stdout
    assert "Next steps" not in result.stdout  # the install summary replaces them


def test_a_failing_install_step_is_named_and_the_project_kept(
    box: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flaskcutter import install

    def plan(project: Path, interpreter: str = sys.executable) -> list[install.Step]:
        fail = [sys.executable, "-c", "import sys; print('pip says no'); sys.exit(4)"]
        return [install.Step("Install the project with its dev extra", fail)]

    monkeypatch.setattr(install, "plan", plan)
    result = invoke(["new", "Blog", "--no-input", "--install"])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "pip says no" in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("error: --install failed at step 'Install the project")
    assert "exit status 4" in last
    assert (box.work / "blog" / "pyproject.toml").is_file()
