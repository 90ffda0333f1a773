"""`HttpJwtAuth`: django-ninja bearer authentication with this package's access tokens, and those of the
issuers in JWT_TRUSTED_ISSUERS."""

import logging
from collections.abc import Iterable
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext, gettext_noop
from ninja.errors import HttpError
from ninja.security import HttpBearer

from ninja_simple_jwt.auth.challenges import CHALLENGE_ATTRIBUTE, insufficient_scope, invalid_token, no_token
from ninja_simple_jwt.auth.token_user import load_user, token_user_class
from ninja_simple_jwt.exceptions import InvalidKeyError, InvalidTokenError, KeysUnavailableError
from ninja_simple_jwt.jwt.token_operations import TokenTypes, decode_token
from ninja_simple_jwt.sessions.revocation import check_not_revoked
from ninja_simple_jwt.settings import ninja_simple_jwt_settings
from ninja_simple_jwt.unavailable import keys_unavailable
from ninja_simple_jwt.users import claim_attributes

__all__ = ["HttpJwtAuth", "granted_scopes"]

logger = logging.getLogger("ninja_simple_jwt")

# Translated when answered (a client reads them).
INSUFFICIENT_SCOPE = gettext_noop("The token does not grant the scope this operation needs.")
TRUSTED_KEYS_UNAVAILABLE = gettext_noop("Authentication is unavailable: the token issuer's keys cannot be fetched.")


def granted_scopes(claims: dict[str, Any]) -> set[str]:
    """The scopes a token grants: `scope` (space-separated, RFC 8693/9068) and `scp` (a list or a string, as
    Okta and Azure AD write it)."""
    granted: set[str] = set()
    for name in ("scope", "scp"):
        value = claims.get(name)
        if isinstance(value, str):
            granted.update(value.split())
        elif isinstance(value, list):
            granted.update(v for v in value if isinstance(v, str))
    return granted


class HttpJwtAuth(HttpBearer):
    """Accepts `Authorization: Bearer <access token>`; anything else is a 401.

    On success `request.auth` holds the verified claims and `request.user` the user: a stateless
    TOKEN_USER_CLS (`TokenUser`) by default, or the active user from the database with `load_user=True`,
    or, when `load_user` is not given, with AUTH_LOAD_USER = True or USE_STATELESS_AUTH = False. A trusted
    issuer's token always gives a TOKEN_USER_CLS (its `sub` as the id when the id claim is absent).

    `scopes`: the token must grant every one (`scope` or `scp`), else 403 `insufficient_scope`.
    """

    def __init__(self, *, load_user: bool | None = None, scopes: Iterable[str] = ()) -> None:
        super().__init__()
        self.load_user_from_db = load_user
        self.scopes = tuple(scopes)

    def __call__(self, request: HttpRequest) -> dict[str, Any] | None:
        """Reads the bearer token from the header and passes it to `authenticate`.

        Replaces HttpBearer's own: that builds `request.headers` (every header of the request) to read
        one, and in DEBUG logs a header of another scheme whole, credentials and all.
        """
        setattr(request, CHALLENGE_ATTRIBUTE, no_token())
        value = request.META.get("HTTP_" + self.header.upper().replace("-", "_"))
        if not value:
            return None
        scheme, _, token = value.partition(" ")
        if scheme.lower() != self.openapi_scheme:
            logger.debug("Refused an %s header of another scheme than Bearer.", self.header)
            return None
        return self.authenticate(request, token)

    def authenticate(self, request: HttpRequest, token: str) -> dict[str, Any] | None:
        """The verified claims of `token`, or None (django-ninja then answers 401)."""
        try:
            claims = decode_token(token, token_type=TokenTypes.ACCESS)
            if ninja_simple_jwt_settings.JWT_REVOKE_ACCESS_TOKENS:
                check_not_revoked(claims)  # 503 if the cache cannot be reached
            request.user = self.get_user(claims)
        except InvalidTokenError as e:
            logger.debug("Refused a bearer token: %s", e)
            setattr(request, CHALLENGE_ATTRIBUTE, invalid_token())
            return None
        except KeysUnavailableError:
            # The fetch logged why, once per outage.
            raise HttpError(503, gettext(TRUSTED_KEYS_UNAVAILABLE)) from None
        except InvalidKeyError as e:
            raise keys_unavailable(e) from None
        self.check_scopes(request, claims)
        return claims

    def get_user(self, claims: dict[str, Any]) -> Any:
        """The user of verified `claims`: loaded from the database, or a TOKEN_USER_CLS."""
        iss = claims.get("iss")
        if iss is not None and iss != ninja_simple_jwt_settings.JWT_ISSUER:
            # A trusted issuer's user ids are not this database's: always a stateless user.
            user = token_user_class()(claims)
            if getattr(user, "id", None) is None and "sub" in claims:
                user.id = claims["sub"]
            return user
        load = self.load_user_from_db
        if load is None:
            s = ninja_simple_jwt_settings
            load = s.AUTH_LOAD_USER or not s.USE_STATELESS_AUTH
        return load_user(claims) if load else token_user_class()(claims)

    def check_scopes(self, request: HttpRequest, claims: dict[str, Any]) -> None:
        """A 403 `insufficient_scope` (RFC 6750 §3.1) unless the token grants every scope of `scopes`."""
        if self.scopes and not set(self.scopes) <= granted_scopes(claims):
            setattr(request, CHALLENGE_ATTRIBUTE, insufficient_scope(self.scopes))
            raise HttpError(403, gettext(INSUFFICIENT_SCOPE))

    @staticmethod
    def set_token_claims_to_user(user: Any, token_data: dict[str, Any]) -> None:
        """Copies the mapped claims onto `user`, as later versions of the original package do."""
        for claim, attribute in claim_attributes():
            setattr(user, attribute, token_data.get(claim))
