"""Podman on this machine: settings, a stand-in base image and a stand-in PostgreSQL.

No Docker engine runs here and no image registry is reachable (see the README's
"Containers" notes). Podman from Debian builds and runs images once it uses runc,
cgroupfs and fixed ulimits, with its storage under the test run's temp dir. The
upstream images are stood in for by a Debian bookworm root file system (its Python is
3.11) imported under the upstream names.
"""
