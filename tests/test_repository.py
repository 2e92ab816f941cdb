"""The repository itself: lint, format, and the README's promises about commands."""

from __future__ import annotations

import re

from .conftest import REPO, run


def test_repository_is_ruff_clean() -> None:
    lint = run(["ruff", "check", "--no-cache", "."], cwd=REPO)
    assert lint.returncode == 0, lint.stdout
    fmt = run(["ruff", "format", "--no-cache", "--check", "."], cwd=REPO)
    assert fmt.returncode == 0, fmt.stdout


def test_ci_runs_the_readme_test_command() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    commands = re.findall(r"^(python3 -m venv .*pytest.*)$", readme, flags=re.MULTILINE)
    assert len(commands) == 1, commands
    ci_script = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert commands[0] in ci_script.splitlines()


def test_readme_options_table_is_the_one_the_cli_prints() -> None:
    from click.testing import CliRunner
    from flaskcutter.cli import main

    printed = CliRunner().invoke(main, ["options", "--markdown"]).output
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    table = readme.split("<!-- options-table -->\n")[1].split("<!-- /options-table -->")[0]
    assert table == printed, "paste `flaskcutter options --markdown` into the README"
