"""The claim map read backwards: which user attribute each claim holds, and the user a token names.

`TOKEN_CLAIM_USER_ATTRIBUTE_MAP` maps a claim to a user attribute's name, or to a callable taking the
user. Forwards (user → claims) is the core's `map_claims`; backwards, a claim comes back as the attribute
it was read from, and a callable's claim keeps the claim's name.
"""

import functools
from collections.abc import Mapping
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ImproperlyConfigured, ValidationError

from ninja_simple_jwt.exceptions import InvalidTokenError
from ninja_simple_jwt.settings import ninja_simple_jwt_settings, on_reload

__all__ = ["claim_attributes", "id_claim", "load_user"]


# Both are asked on every authenticated request: worked out once per settings load.
@functools.cache
def claim_attributes() -> tuple[tuple[str, str], ...]:
    """(claim, attribute) for each claim of the map: the attribute it was read from, or the claim's name."""
    return tuple(
        (claim, source if isinstance(source, str) else claim)
        for claim, source in ninja_simple_jwt_settings.TOKEN_CLAIM_USER_ATTRIBUTE_MAP.items()
    )


@functools.cache
def id_claim() -> str | None:
    """The claim that holds the user's primary key: the one read from `id` or `pk`, if any."""
    for claim, attribute in claim_attributes():
        if attribute in ("id", "pk"):
            return claim
    return None


def load_user(claims: Mapping[str, Any]) -> AbstractBaseUser:
    """The active user the claims name; `InvalidTokenError` if there is none."""
    claim = id_claim()
    if claim is None:
        raise ImproperlyConfigured(
            "TOKEN_CLAIM_USER_ATTRIBUTE_MAP has no claim mapped to 'id' or 'pk': cannot load the user."
        )
    model = get_user_model()
    pk: Any = claims.get(claim)
    try:
        user = model._default_manager.get(pk=pk)
    except (model.DoesNotExist, ValueError, TypeError, ValidationError):
        raise InvalidTokenError("The token's user does not exist.") from None
    if not getattr(user, "is_active", True):
        raise InvalidTokenError("The token's user is inactive.")
    return user


on_reload(claim_attributes.cache_clear)
on_reload(id_claim.cache_clear)
