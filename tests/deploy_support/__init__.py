"""Helpers for tests/test_deploy.py: real Nginx, Gunicorn and wrk on loopback."""
