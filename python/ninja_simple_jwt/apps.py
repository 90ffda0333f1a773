from django.apps import AppConfig, apps
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

__all__ = ["NinjaJwtConfig", "require_installed"]


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


def require_installed() -> None:
    """Refuses the import of the routers' modules (a URL conf mounts them) when the app is not installed.

    Without the app nothing checks the settings or the keys and `make_jwt_key` is an unknown command. A
    check registered here would come too late: `manage.py check` lists its checks before its URL check
    imports the URL conf, so, as Django refuses a model whose app is not installed, the import fails,
    naming INSTALLED_APPS and whatever is wrong in the settings.
    """
    if not apps.ready or apps.is_installed(NinjaJwtConfig.name):
        return
    from ninja_simple_jwt.settings import settings_problems

    lines = [
        gettext(
            "The routers of ninja_simple_jwt are imported (a URL conf mounts them), but 'ninja_simple_jwt' is not "
            "in INSTALLED_APPS: add it, so that its settings and keys are checked and `manage.py make_jwt_key` "
            "exists."
        ),
        *map(str, settings_problems()),
    ]
    raise ImproperlyConfigured("\n".join(lines))
