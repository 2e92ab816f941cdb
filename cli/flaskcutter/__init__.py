"""flaskcutter: generate Flask projects that a team can ship."""

__version__ = "0.1.0"
