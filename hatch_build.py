"""Stamp the wheel's template with the git commit it was built from.

`flaskcutter new` records that commit in every project (beside `flaskcutter==X.Y.Z`),
so `update` and `check` know exactly which template a project started from. A build
from a tree whose template files are not all committed gets no stamp: a commit that
does not describe the files would give `update` a wrong base. An sdist carries the
stamp, so a wheel built from it later still has it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

COMMIT_FILE = "BUILD_COMMIT"
TEMPLATE_PARTS = (
    "cookiecutter.json",
    "local_extensions.py",
    "hooks",
    "{{cookiecutter.project_slug}}",
)


def _git(root: str, *args: str) -> str | None:
    git = shutil.which("git")
    if git is None:
        return None
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    try:
        done = subprocess.run(  # noqa: S603 - fixed argv, no shell
            [git, "-C", root, *args], capture_output=True, text=True, env=env, timeout=60
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def template_commit(root: str) -> str | None:
    stamp = Path(root) / COMMIT_FILE  # building a wheel from an unpacked sdist
    if stamp.is_file():
        return stamp.read_text(encoding="utf-8").strip() or None
    top = _git(root, "rev-parse", "--show-toplevel")
    if top is None or os.path.realpath(top) != os.path.realpath(root):
        return None
    if _git(root, "status", "--porcelain", "--", *TEMPLATE_PARTS) != "":
        return None
    return _git(root, "rev-parse", "HEAD")


class CustomBuildHook(BuildHookInterface):
    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        # An editable install runs the checkout's template, whose commit is read live.
        if version == "editable":
            return
        commit = template_commit(self.root)
        if commit is None:
            return
        self._stamp_dir = tempfile.mkdtemp(prefix="flaskcutter-build-")
        stamp = Path(self._stamp_dir) / COMMIT_FILE
        stamp.write_text(commit + "\n", encoding="utf-8")
        where = "flaskcutter/template/" if self.target_name == "wheel" else ""
        build_data["force_include"][str(stamp)] = where + COMMIT_FILE

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        stamp_dir = getattr(self, "_stamp_dir", None)
        if stamp_dir:
            shutil.rmtree(stamp_dir, ignore_errors=True)
