"""A system check for the switch from the original package: both distributions installed at once.

`django-ninja-simple-jwt` (the original) and `django-ninja-simple-jwt-rs` (this one) both install the module
`ninja_simple_jwt`. pip does not know they clash: installing one over the other overwrites the files they
share, and uninstalling either deletes them, which breaks the other at its next import.
"""

from collections.abc import Sequence
from importlib import metadata
from typing import Any

from django.apps import AppConfig
from django.core.checks import CheckMessage, Error
from django.utils.translation import gettext as _

__all__ = ["ORIGINAL_DISTRIBUTION", "THIS_DISTRIBUTION", "check_single_distribution", "installed_version"]

ORIGINAL_DISTRIBUTION = "django-ninja-simple-jwt"
THIS_DISTRIBUTION = "django-ninja-simple-jwt-rs"


def installed_version(distribution: str) -> str | None:
    """The installed version of `distribution`, or None if it is not installed."""
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def check_single_distribution(app_configs: Sequence[AppConfig] | None = None, **kwargs: Any) -> list[CheckMessage]:
    """Error `ninja_simple_jwt.E100` when the original distribution is installed beside this one."""
    original = installed_version(ORIGINAL_DISTRIBUTION)
    if original is None:
        return []
    return [
        Error(
            _(
                "Both %(original)s %(version)s and %(this)s are installed. They ship the same module, "
                "ninja_simple_jwt: the files of the one installed last replaced the other's, and uninstalling "
                "either deletes files the other needs."
            )
            % {"original": ORIGINAL_DISTRIBUTION, "version": original, "this": THIS_DISTRIBUTION},
            hint=_(
                "Run `pip uninstall %(original)s %(this)s`, then `pip install %(this)s`, and remove %(original)s "
                "from your requirements."
            )
            % {"original": ORIGINAL_DISTRIBUTION, "this": THIS_DISTRIBUTION},
            id="ninja_simple_jwt.E100",
        )
    ]
