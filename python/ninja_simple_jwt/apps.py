from django.apps import AppConfig

__all__ = ["NinjaJwtConfig"]


class NinjaJwtConfig(AppConfig):
    """The Django app: gives the `make_rsa` management command."""

    name = "ninja_simple_jwt"
    verbose_name = "Ninja simple JWT"
