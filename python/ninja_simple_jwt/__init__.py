"""RS256 JWT authentication for django-ninja, with a Rust core."""

from ninja_simple_jwt._core import __version__

__all__ = ["__version__"]
