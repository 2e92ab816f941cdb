"""Stand-ins for the upstream images, made from one Debian root file system.

The root file system carries Python 3.11 (bookworm's) and PostgreSQL 15, so that one
tree serves both images; the upstream ``python`` image does not carry PostgreSQL,
which no test relies on. On a Debian bookworm machine with those packages installed
the tree is copied from its own files (``hosttree``, seconds); elsewhere debootstrap
downloads it (minutes).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from .hosttree import copy_host_tree, host_missing
from .podman import Podman, make_rootfs

PYTHON_IMAGE = "docker.io/library/python:3.11-slim"
# The name compose.yaml uses.
POSTGRES_IMAGE = "docker.io/library/postgres:16"
PACKAGES = ("python3", "python3-venv", "python3-pip", "ca-certificates", "postgresql")
HOST_CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")

# What the official postgres image's entrypoint does, in the few lines compose.yaml
# relies on: a cluster in PGDATA owned by postgres, the role and database named by
# POSTGRES_USER / POSTGRES_DB with POSTGRES_PASSWORD, password logins from the network.
POSTGRES_ENTRYPOINT = r"""#!/bin/sh
set -eu
: "${POSTGRES_PASSWORD:?}" "${POSTGRES_USER:=postgres}" "${POSTGRES_DB:=$POSTGRES_USER}"
BIN=/usr/lib/postgresql/15/bin
mkdir -p "$PGDATA" /run/postgresql
chown -R postgres:postgres "$PGDATA" /run/postgresql
if [ ! -s "$PGDATA/PG_VERSION" ]; then
    # UTF8, as the official image: under SQL_ASCII psycopg hands back bytes.
    su postgres -s /bin/sh -c "$BIN/initdb -D $PGDATA -U postgres -E UTF8 \
        --locale=C.UTF-8 --auth-local=trust --auth-host=scram-sha-256" >/dev/null
    echo "host all all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
    password=$(printf '%s' "$POSTGRES_PASSWORD" | sed "s/'/''/g")
    su postgres -s /bin/sh -c "$BIN/postgres --single -D $PGDATA postgres" >/dev/null <<SQL
CREATE ROLE "$POSTGRES_USER" LOGIN SUPERUSER PASSWORD '$password'
CREATE DATABASE "$POSTGRES_DB" OWNER "$POSTGRES_USER"
SQL
fi
exec su postgres -s /bin/sh -c "exec $BIN/postgres -D $PGDATA -c listen_addresses='*'"
"""
POSTGRES_CONTAINERFILE = f"""\
FROM {PYTHON_IMAGE}
COPY entrypoint.sh /usr/local/bin/docker-entrypoint.sh
ENV PGDATA=/var/lib/postgresql/data PATH=/usr/lib/postgresql/15/bin:/usr/bin:/bin
EXPOSE 5432
CMD ["/usr/local/bin/docker-entrypoint.sh"]
"""


def prepare(rootfs: Path) -> None:
    """Make upstream Dockerfile patterns work on the Debian tree.

    ``python`` on PATH (the upstream image has it), pip allowed outside a venv, and
    this machine's CA bundle, since HTTPS from inside a build goes through a proxy
    that re-signs traffic. That is a property of this machine: it goes into the
    stand-in, never into a generated Dockerfile.
    """
    (rootfs / "usr/local/bin/python").symlink_to("/usr/bin/python3")
    for marker in (rootfs / "usr/lib").glob("python3*/EXTERNALLY-MANAGED"):
        marker.unlink()
    if HOST_CA_BUNDLE.is_file():
        shutil.copyfile(HOST_CA_BUNDLE, rootfs / "etc/ssl/certs/ca-certificates.crt")
    # The cluster Debian's package made belongs to the host-side layout; the
    # stand-in's entrypoint makes its own in PGDATA.
    shutil.rmtree(rootfs / "var/lib/postgresql/15", ignore_errors=True)
    shutil.rmtree(rootfs / "var/cache/apt/archives", ignore_errors=True)


def import_tree(podman: Podman, rootfs: Path, name: str) -> None:
    tar = subprocess.Popen(["tar", "-C", str(rootfs), "-c", "."], stdout=subprocess.PIPE)
    try:
        podman.run(
            "import", "--change", "ENV=PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin",
            "--change", 'CMD ["python3"]', "-", name,
            stdin=tar.stdout, timeout=600,
        )  # fmt: skip
    finally:
        assert tar.stdout is not None
        tar.stdout.close()
        tar.wait(timeout=60)


def make_images(podman: Podman, workdir: Path) -> None:
    """Both stand-ins, tagged with the upstream names."""
    rootfs = workdir / "rootfs"
    if host_missing(PACKAGES) is None:
        copy_host_tree(rootfs, PACKAGES)
    else:
        make_rootfs(rootfs, PACKAGES)
    prepare(rootfs)
    import_tree(podman, rootfs, PYTHON_IMAGE)
    shutil.rmtree(rootfs, ignore_errors=True)
    context = workdir / "postgres"
    context.mkdir()
    (context / "entrypoint.sh").write_text(POSTGRES_ENTRYPOINT)
    (context / "entrypoint.sh").chmod(0o755)
    (context / "Containerfile").write_text(POSTGRES_CONTAINERFILE)
    podman.build(context, POSTGRES_IMAGE, "--file", str(context / "Containerfile"))
