"""The notes feature: a model, its HTML page and its JSON resource."""

from .api import bp as api_bp
from .models import Note
from .views import bp

__all__ = ["Note", "api_bp", "bp"]
