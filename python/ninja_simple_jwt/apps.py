from django.apps import AppConfig
from django.core import checks
from django.utils.translation import gettext_lazy as _

__all__ = ["NinjaJwtConfig"]


class NinjaJwtConfig(AppConfig):
    """The Django app: gives the `make_rsa` management command and the system checks."""

    name = "ninja_simple_jwt"
    verbose_name = _("Ninja simple JWT")

    def ready(self) -> None:
        # Registers the checks of `manage.py check`.
        from ninja_simple_jwt import checks as settings_checks  # noqa: F401
        from ninja_simple_jwt.distribution import check_single_distribution
        from ninja_simple_jwt.settings import ninja_simple_jwt_settings

        checks.register(check_single_distribution, checks.Tags.compatibility)
        # A bad setting stops the server before its first request, rather than failing requests later.
        ninja_simple_jwt_settings.reload()
        ninja_simple_jwt_settings.validated()
