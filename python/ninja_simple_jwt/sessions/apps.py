from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

__all__ = ["SessionsConfig"]


class SessionsConfig(AppConfig):
    """The sessions app: one row per sign-in, ended by sign-out, password change or deactivation."""

    name = "ninja_simple_jwt.sessions"
    label = "ninja_simple_jwt_sessions"
    verbose_name = _("JWT sessions")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from ninja_simple_jwt.sessions import signals  # noqa: F401  (connects the receivers)
