"""Names the rules accept must make a project that works: checked against the real thing.

The hook is stdlib-only, so its lists are written out by hand; these tests derive the
same facts from the real tools (the installed distributions, git, packaging) and fail
on any name a list misses. Each meta-check is one test that reports every failing row.
"""

from __future__ import annotations

import importlib.metadata as metadata
import re
import subprocess
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from hooks.pre_gen_project import PACKAGE_RE, check_free_text, check_package, check_slug

from .cli_support import Sandbox, invoke, isolate
from .conftest import REPO

PROJECT = REPO / "{{cookiecutter.project_slug}}"


# Import names of everything a generated project installs ---------------------------


def template_requirements() -> list[Requirement]:
    """Every requirement the template's pyproject.toml can declare, in any combination."""
    text = (PROJECT / "pyproject.toml").read_text(encoding="utf-8")
    quoted = re.findall(r'"([A-Za-z0-9][A-Za-z0-9._\[\],-]*[<>=!~][^"]*)"', text)
    return [Requirement(item) for item in quoted] + [Requirement("pip")]


def closure(roots: list[Requirement]) -> tuple[set[str], list[str]]:
    """The distributions ``roots`` pull in (extras and markers honoured), and any missing."""
    seen: dict[str, set[str]] = {}
    missing = []
    todo = list(roots)
    while todo:
        requirement = todo.pop()
        name = canonicalize_name(requirement.name)
        extras = set(requirement.extras)
        if name in seen and extras <= seen[name]:
            continue
        seen.setdefault(name, set()).update(extras)
        try:
            requires = metadata.distribution(name).requires or []
        except metadata.PackageNotFoundError:
            missing.append(name)
            continue
        for line in requires:
            child = Requirement(line)
            wanted = seen[name] or {""}
            if child.marker is None or any(child.marker.evaluate({"extra": e}) for e in wanted):
                todo.append(child)
    return set(seen), missing


def test_no_import_name_of_any_installed_dependency_is_accepted() -> None:
    requirements = template_requirements()
    assert {"flask", "pytest", "ruff", "hatchling"} <= {r.name for r in requirements}
    distributions, missing = closure(requirements)
    # The test extra installs every generated dependency into this venv (pyproject.toml).
    assert missing == [], f"not installed in the test venv: {missing}"
    names = {
        name
        for name, owners in metadata.packages_distributions().items()
        if any(canonicalize_name(owner) in distributions for owner in owners)
    }
    assert {"_pytest", "iniconfig", "pluggy", "pygments", "werkzeug"} <= names
    accepted = sorted(name for name in names if check_package(name) is None)
    assert accepted == [], f"accepted although a dependency installs them: {accepted}"


# Names the generated .gitignore would leave out of every commit -----------------------


def git(cwd: Path, *args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {"HOME": str(home), "GIT_CONFIG_NOSYSTEM": "1", "PATH": "/usr/bin:/bin"}
    return subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True)


def test_no_accepted_package_is_ignored_by_the_generated_gitignore(tmp_path: Path) -> None:
    patterns = (PROJECT / ".gitignore").read_text(encoding="utf-8").splitlines()
    candidates = {line.strip("/") for line in patterns if line and not line.startswith("#")}
    candidates = {name for name in candidates if PACKAGE_RE.fullmatch(name)}
    candidates |= {"build", "dist", "instance", "htmlcov", "venv", "env", "coverage", "blog"}
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "--quiet", home=tmp_path)
    (repo / ".gitignore").write_text("\n".join(patterns) + "\n")
    ignored = []
    for name in sorted(candidates):
        if check_package(name) is not None:
            continue
        for path in (f"{name}/__init__.py", f"{name}.py", f"pkg/{name}/x.py"):
            if git(repo, "check-ignore", "--no-index", "-q", path, home=tmp_path).returncode == 0:
                ignored.append(path)
    assert ignored == [], f"accepted names whose code git would ignore: {ignored}"


@pytest.mark.parametrize("layout", ["blueprints", "single"])
def test_the_first_commit_holds_every_file_but_the_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, layout: str
) -> None:
    box: Sandbox = isolate(tmp_path, monkeypatch)
    result = invoke(["new", "Blog", "--git", "--layout", layout, "--set", "package_name=builds"])
    assert result.exit_code == 0, result.output
    project = box.work / "blog"
    tracked = set(git(project, "ls-files", home=box.home).stdout.splitlines())
    on_disk = {
        str(p.relative_to(project))
        for p in project.rglob("*")
        if p.is_file() and ".git" not in p.relative_to(project).parts
    }
    assert on_disk - tracked == {".env"}


# Author names git refuses, with real git and no identity ---------------------------

AUTHOR_NAMES = [".", "<>", " ", ",", ":;", '"', "'", "\\", ". ,", "a<b", "a>b", "a\nb", "\t"]
AUTHOR_NAMES += ["Zoë O'Hara", "A. N. Other", "x", "Dr. Who, PhD", "日本", "a\\b"]


def test_an_author_name_is_accepted_exactly_when_git_commits_with_it(tmp_path: Path) -> None:
    home = tmp_path / "home"  # no identity anywhere, as on a typical CI runner
    home.mkdir()
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "--quiet", home=home)
    wrong = []
    for name in AUTHOR_NAMES:
        commit = git(
            repo,
            *("-c", f"user.name={name}", "-c", "user.email=a@example.com"),
            *("commit", "--quiet", "--allow-empty", "-m", "x"),
            home=home,
        )
        # git keeps a '<', '>' or newline out of a name silently: the author would not
        # be what was typed, so the rules refuse those too.
        git_ok = commit.returncode == 0 and not any(c in name for c in "<>\n")
        rules_ok = check_free_text("author_name", name) is None
        if git_ok != rules_ok:
            wrong.append((name, commit.stderr.strip(), check_free_text("author_name", name)))
    assert wrong == []


def test_the_cli_refuses_an_author_git_would_refuse(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    box = isolate(tmp_path, monkeypatch)
    box.gitconfig.write_text("")  # no identity: the author would sign the commit
    result = invoke(["new", "Blog", "--git", "--set", "author_name=<>"])
    assert result.exit_code == 2, result.output
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith('error: author_name "<>" is invalid: git'), line
    assert list(box.work.iterdir()) == []


# PEP 440 versions, against packaging ------------------------------------------------

VERSIONS = [
    "0.1.0", "1.0a1.dev1", "1!2.0", "1.0+local", "1.0+local.7-x_y", "1.0.post1", "1.0-1",
    "1.0rc1", "1.0c1", "1.0alpha1", "1.0-beta.2", "1.0pre", "1.0preview3", "1.0.dev",
    "1.0.DEV1", "v1.0", "V1.0", "1.0r", "1.0rev4", "1.0_post_2", "2024.01.01", "0",
    "1.0+", "1.0+.x", "1..0", "1.0.", "1.0a1a2", "1.0-", "1!", "!1.0", "1.0dev-", "x",
    "", "1.0 beta", "١.٠", "1.0+ſ", "1.0+K", "01.02",
]  # fmt: skip


def packaging_accepts(text: str) -> bool:
    # packaging also allows surrounding whitespace; the rules do not (the version is
    # written into several files), so only the stripped text is compared.
    if text != text.strip():
        return False
    try:
        Version(text)
    except InvalidVersion:
        return False
    return text.isascii()  # non-ASCII look-alikes ("ſ", "K") are refused on purpose


def test_versions_are_accepted_exactly_as_pep_440_says() -> None:
    wrong = [v for v in VERSIONS if (check_free_text("version", v) is None) != packaging_accepts(v)]
    assert wrong == []


@given(
    st.from_regex(
        r"v?([0-9]{1,3}!)?[0-9]{1,3}(\.[0-9]{1,3}){0,3}"
        r"([-_.]?(a|b|c|rc|alpha|beta|pre|preview)[-_.]?[0-9]{0,2})?"
        r"(-[0-9]{1,2}|[-_.]?(post|rev|r)[-_.]?[0-9]{0,2})?"
        r"([-_.]?dev[-_.]?[0-9]{0,2})?(\+[a-z0-9]{1,3}([-_.][a-z0-9]{1,3}){0,2})?",
        fullmatch=True,
    )
    | st.text(alphabet="0123456789.!+-_abcdeloprstv ", max_size=12)
)
def test_any_version_text_gets_the_verdict_packaging_gives(text: str) -> None:
    assert (check_free_text("version", text) is None) == packaging_accepts(text), text


# Windows device names ---------------------------------------------------------------

WINDOWS = [
    "con",
    "prn",
    "aux",
    "nul",
    *(f"com{n}" for n in range(10)),
    *(f"lpt{n}" for n in range(10)),
]


def test_windows_device_names_are_refused_as_slug_and_package() -> None:
    accepted = [
        (kind, name)
        for name in WINDOWS
        for kind, check in (("slug", check_slug), ("package", check_package))
        if check(name) is None or "Windows" not in str(check(name))
    ]
    assert accepted == []
    assert check_slug("console") is None and check_package("com10") is None
