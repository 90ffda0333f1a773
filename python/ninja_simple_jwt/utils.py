from typing import Any

from ninja_simple_jwt.settings import ninja_simple_jwt_settings

__all__ = ["make_authentication_params"]


def make_authentication_params(params: dict[str, Any]) -> dict[str, Any]:
    """Credentials for `django.contrib.auth.authenticate`, with the username under USERNAME_FIELD."""
    return {ninja_simple_jwt_settings.USERNAME_FIELD: params["username"], "password": params["password"]}
