from django.apps import AppConfig
from django.core import checks

from ninja_simple_jwt.distribution import check_single_distribution

__all__ = ["NinjaJwtConfig"]


class NinjaJwtConfig(AppConfig):
    """The Django app: gives the `make_rsa` management command and the package's system checks."""

    name = "ninja_simple_jwt"
    verbose_name = "Ninja simple JWT"

    def ready(self) -> None:
        """Registers the system checks."""
        checks.register(check_single_distribution, checks.Tags.compatibility)
