"""The JSON API, registered under /api."""

from .views import bp

__all__ = ["bp"]
