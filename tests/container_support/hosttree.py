"""A Debian root file system copied from this machine's own installed packages.

When the machine is itself Debian bookworm with the stand-ins' packages installed, the
tree debootstrap would download and unpack (minutes) is already here, file for file:
the dependency closure of those packages plus every required one, as dpkg lists them.
Copying it takes seconds and needs no network. What dpkg does not own, because
maintainer scripts make it on a real install (the accounts, PAM's common files, the
alternatives' links, the linker cache), is written here the way a minbase install has
it. Documentation, manual pages and message catalogues are left out, as slim images do.
"""

from __future__ import annotations

import grp
import os
import pwd
import subprocess
from collections.abc import Iterable, Sequence
from pathlib import Path

SUITE = "bookworm"
# A slim image drops these (dpkg path-exclude); nothing in a container reads them.
LEFT_OUT = ("/usr/share/doc/", "/usr/share/man/", "/usr/share/info/", "/usr/share/locale/")
FIELDS = "${Package}\t${db:Status-Abbrev}\t${Essential}\t${Priority}\t${Pre-Depends}\t${Depends}\t${Provides}\n"  # fmt: skip
# What pam-auth-update writes on a minbase install (pam_unix only).
PAM_COMMON = {
    "common-auth": "auth\t[success=1 default=ignore]\tpam_unix.so nullok\n"
    "auth\trequisite\tpam_deny.so\nauth\trequired\tpam_permit.so\n",
    "common-account": "account\t[success=1 new_authtok_reqd=done default=ignore]\tpam_unix.so\n"
    "account\trequisite\tpam_deny.so\naccount\trequired\tpam_permit.so\n",
    "common-password": "password\t[success=1 default=ignore]\tpam_unix.so obscure yescrypt\n"
    "password\trequisite\tpam_deny.so\npassword\trequired\tpam_permit.so\n",
    "common-session": "session\t[default=1]\tpam_permit.so\nsession\trequisite\tpam_deny.so\n"
    "session\trequired\tpam_permit.so\nsession\trequired\tpam_unix.so\n",
}
PAM_COMMON["common-session-noninteractive"] = PAM_COMMON["common-session"]
# The merged-/usr links debootstrap makes; no package owns them.
USR_MERGE = {"bin": "usr/bin", "sbin": "usr/sbin", "lib": "usr/lib", "lib64": "usr/lib64"}


def installed() -> dict[str, list[str]]:
    """Installed package -> [Essential, Priority, Pre-Depends, Depends, Provides]."""
    out = subprocess.run(
        ["dpkg-query", "-W", "-f", FIELDS], capture_output=True, text=True, check=True
    ).stdout
    return {
        name: rest
        for name, status, *rest in (line.split("\t") for line in out.splitlines())
        if status.startswith("ii")
    }


def host_missing(packages: Sequence[str]) -> str | None:
    """Why this machine's packages cannot stand in for debootstrap, or None."""
    release = Path("/etc/os-release")
    text = release.read_text() if release.is_file() else ""
    if f"VERSION_CODENAME={SUITE}" not in text.splitlines():
        return f"this machine is not Debian {SUITE}"
    try:
        have = installed()
    except (OSError, subprocess.CalledProcessError):
        return "dpkg-query is not available"
    absent = [name for name in packages if name not in have]
    return f"not installed here: {', '.join(absent)}" if absent else None


def closure(packages: Iterable[str], have: dict[str, list[str]]) -> set[str]:
    """``packages``, every required or essential package, and all they depend on."""
    provided: dict[str, str] = {}
    for name, (*_, provides) in have.items():
        for item in filter(None, (part.strip().split(" ")[0] for part in provides.split(","))):
            provided.setdefault(item, name)

    def pick(alternatives: str) -> str | None:
        # "a (>= 1) | b": the first alternative installed here satisfies it.
        for option in alternatives.split("|"):
            name = option.strip().split(" ")[0].split(":")[0]
            if name in have or name in provided:
                return name if name in have else provided[name]
        return None

    todo = [n for n, (ess, priority, *_) in have.items() if ess == "yes" or priority == "required"]
    todo += list(packages)
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        _, _, pre_depends, depends, _ = have[name]
        for field in (pre_depends, depends):
            for alternatives in filter(None, (a.strip() for a in field.split(","))):
                chosen = pick(alternatives)
                if chosen is None:
                    raise AssertionError(f"{name} depends on {alternatives}, not installed here")
                todo.append(chosen)
    return seen


def owned_paths(packages: Iterable[str]) -> list[str]:
    """Every path the packages own, relative to /, through the merged-/usr links."""
    out = subprocess.run(
        ["dpkg-query", "-L", *sorted(packages)], capture_output=True, text=True, check=True
    ).stdout
    paths = set()
    for line in out.splitlines():
        if not line.startswith("/") or line == "/." or line.startswith(LEFT_OUT):
            continue
        # /bin/sh is /usr/bin/sh here: store the real place, the links are added later.
        real = os.path.join(os.path.realpath(os.path.dirname(line)), os.path.basename(line))
        if os.path.lexists(real):
            paths.add(real.lstrip("/"))
    return sorted(paths)


def accounts(rootfs: Path) -> None:
    """System users and groups (ids below 1000) as this machine has them, locked.

    Files in the tree keep this machine's owners (postgres's data directories), so the
    ids must be the same. No password leaves the machine: shadow entries are locked.
    """
    users = [u for u in pwd.getpwall() if u.pw_uid < 1000 or u.pw_name == "nobody"]
    groups = [g for g in grp.getgrall() if g.gr_gid < 1000 or g.gr_name == "nogroup"]
    etc = rootfs / "etc"
    etc.mkdir(exist_ok=True)
    (etc / "passwd").write_text(
        "".join(
            f"{u.pw_name}:x:{u.pw_uid}:{u.pw_gid}:{u.pw_gecos}:{u.pw_dir}:{u.pw_shell}\n"
            for u in users
        )
    )
    (etc / "group").write_text(
        "".join(f"{g.gr_name}:x:{g.gr_gid}:{','.join(g.gr_mem)}\n" for g in groups)
    )
    (etc / "shadow").write_text("".join(f"{u.pw_name}:*:19000:0:99999:7:::\n" for u in users))
    (etc / "gshadow").write_text("".join(f"{g.gr_name}:*::\n" for g in groups))
    (etc / "shadow").chmod(0o640)
    (etc / "gshadow").chmod(0o640)


def alternatives(rootfs: Path) -> None:
    """The update-alternatives links whose chosen program is in the tree."""
    host = Path("/etc/alternatives")
    (rootfs / "etc/alternatives").mkdir(parents=True, exist_ok=True)
    for link in host.iterdir() if host.is_dir() else ():
        target = os.readlink(link) if link.is_symlink() else ""
        if target and (rootfs / target.lstrip("/")).exists():
            (rootfs / "etc/alternatives" / link.name).symlink_to(target)
    for folder in ("usr/bin", "usr/sbin"):
        for entry in (Path("/") / folder).iterdir():
            if entry.is_symlink() and os.readlink(entry).startswith("/etc/alternatives/"):
                name = os.readlink(entry).removeprefix("/etc/alternatives/")
                copy = rootfs / folder / entry.name
                if (rootfs / "etc/alternatives" / name).is_symlink() and not copy.exists():
                    copy.symlink_to(os.readlink(entry))


def copy_host_tree(rootfs: Path, packages: Sequence[str]) -> None:
    """Copy the closure of ``packages`` from this machine into ``rootfs``."""
    paths = owned_paths(closure(packages, installed()))
    rootfs.mkdir(parents=True)
    for link, target in USR_MERGE.items():
        (rootfs / link).symlink_to(target)
    # tar keeps owners, modes and links; --no-recursion takes each listed path once.
    pack = subprocess.Popen(
        ["tar", "-C", "/", "--no-recursion", "--null", "-T", "-", "-c", "-f", "-"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    unpack = subprocess.Popen(["tar", "-C", str(rootfs), "-x", "-f", "-"], stdin=pack.stdout)
    assert pack.stdin is not None and pack.stdout is not None
    pack.stdout.close()
    pack.stdin.write(b"\0".join(p.encode() for p in paths))
    pack.stdin.close()
    if pack.wait(timeout=300) != 0 or unpack.wait(timeout=300) != 0:
        raise AssertionError("copying this machine's packages with tar failed")
    accounts(rootfs)
    alternatives(rootfs)
    pam = rootfs / "etc/pam.d"
    for name, text in PAM_COMMON.items():
        (pam / name).write_text(text)
    # base-files' postinst installs these from its own copies.
    for name in ("nsswitch.conf", "profile"):
        source = rootfs / "usr/share/base-files" / name
        if source.is_file():
            (rootfs / "etc" / name).write_text(source.read_text())
    # Made by base-files' postinst too.
    folders = {"tmp": 0o1777, "var/tmp": 0o1777, "run": 0o755, "root": 0o700}
    folders |= {f"usr/local/{name}": 0o755 for name in ("bin", "sbin", "lib", "share", "src")}
    for folder, mode in folders.items():
        (rootfs / folder).mkdir(parents=True, exist_ok=True)
        (rootfs / folder).chmod(mode)
    subprocess.run(["ldconfig", "-r", str(rootfs)], check=True, timeout=60)
