"""RS256 JWT authentication for django-ninja, with a Rust core."""

__all__ = ["__version__"]

__version__ = "0.5.0"
