"""Sessions that end: an optional Django app, `ninja_simple_jwt.sessions`.

With it in INSTALLED_APPS, every sign-in starts a session (one database row) named by the `sid` claim of
both tokens; refresh tokens can rotate, with reuse detection; sign-out, a password change, deactivation
and deletion end sessions. Without it, tokens are stateless, as in the original package.

This module imports no model, so that it can be imported whether or not the app is installed.
"""

from django.apps import apps as _apps

__all__ = ["sessions_enabled"]


def sessions_enabled() -> bool:
    """Whether the sessions app is in INSTALLED_APPS."""
    return _apps.is_installed("ninja_simple_jwt.sessions")
