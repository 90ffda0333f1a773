"""`HttpJwtAuth`: django-ninja bearer authentication with this package's access tokens."""

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

from asgiref.sync import sync_to_async
from django.db import DatabaseError
from django.http import HttpRequest
from django.utils.translation import gettext_noop
from ninja.errors import AuthenticationError, HttpError
from ninja.security import HttpBearer
from ninja.security.http import DecodeError

from ninja_simple_jwt.auth.token_user import TokenUser, load_user, token_user_class
from ninja_simple_jwt.database import DATABASE_UNAVAILABLE, log_database_error
from ninja_simple_jwt.exceptions import InvalidKeyError, InvalidTokenError, MissingRequiredClaimError
from ninja_simple_jwt.jwt.token_operations import TokenTypes, decode_token, decode_token_from_memory
from ninja_simple_jwt.sessions.revocation import check_not_revoked, known_not_revoked
from ninja_simple_jwt.settings import ninja_simple_jwt_settings
from ninja_simple_jwt.unavailable import keys_unavailable
from ninja_simple_jwt.users import claim_attributes, id_claim

__all__ = ["HttpJwtAuth", "TokenUser"]

logger = logging.getLogger("ninja_simple_jwt")

# django-ninja answers a request no auth class accepts with this text, untranslated; the catalogues carry
# it for a project whose AuthenticationError handler passes it through gettext (README, Languages).
gettext_noop("Unauthorized")


class HttpJwtAuth(HttpBearer):
    """Accepts `Authorization: Bearer <access token>`; anything else is a 401.

    On success `request.auth` holds the verified claims and `request.user` the user: a stateless
    TOKEN_USER_CLS (`TokenUser`) by default, or the active user from the database with `load_user=True`,
    or, when `load_user` is not given, with AUTH_LOAD_USER = True or USE_STATELESS_AUTH = False.
    """

    # OpenAPI: the bearer scheme's token is a JWT.
    openapi_bearerFormat = "JWT"

    def __init__(self, *, load_user: bool | None = None) -> None:
        super().__init__()
        self.load_user_from_db = load_user
        # django-ninja awaits what an auth callable marked `is_async` returns on async routes, and takes
        # a value that is not a coroutine as it is on sync routes (1.5 and later alike): __call__ returns
        # a coroutine only when called on an event loop, so that async routes need no thread per request
        # and sync routes never see a coroutine (django-ninja 1.5 would call a coroutine's callable twice).
        self._authenticate_is_async = self.is_async
        self.is_async = True

    def __call__(self, request: HttpRequest) -> dict[str, Any] | Coroutine[Any, Any, Any] | None:
        """Reads the bearer token from the header and passes it to `authenticate`.

        Replaces HttpBearer's own: that builds `request.headers` (every header of the request) to read
        one, and in DEBUG logs a header of another scheme whole, credentials and all.
        """
        value = request.META.get("HTTP_" + self.header.upper().replace("-", "_"))
        if not value:
            return None
        scheme, _, token = value.partition(" ")
        if scheme.lower() != self.openapi_scheme:
            logger.debug("Refused an %s header of another scheme than Bearer.", self.header)
            return None
        if not self._authenticate_is_async and _on_event_loop():
            return self._authenticate_on_loop(request, token)
        return self.authenticate(request, token)

    def decode_authorization(self, value: str) -> str:
        """The token of an `Authorization` header's value `Bearer <token>` (the scheme in any case);
        django-ninja's `DecodeError` for anything else, as the original's."""
        scheme, _, token = value.partition(" ")
        if scheme.lower() != self.openapi_scheme or not token or " " in token:
            raise DecodeError("Invalid Authorization header")
        return token

    def authenticate(self, request: HttpRequest, token: str) -> dict[str, Any]:
        """The verified claims of `token`; django-ninja's `AuthenticationError` (its 401) otherwise, as the
        original's since 0.7. The answer never says why: the reason goes to the debug log."""
        try:
            claims = decode_token(token, token_type=TokenTypes.ACCESS)
        except InvalidTokenError as e:
            raise _refused(e) from e
        except InvalidKeyError as e:
            raise keys_unavailable(e) from None
        return self._accept(request, claims)

    def _accept(self, request: HttpRequest, claims: dict[str, Any], known_live: bool = False) -> dict[str, Any]:
        """Checks that the token names a user and that its session has not ended (unless `known_live`), and
        sets `request.user`; the claims."""
        try:
            self.check_user_id(claims)
            if not known_live and ninja_simple_jwt_settings.JWT_REVOKE_ACCESS_TOKENS:
                check_not_revoked(claims)  # 503 if the cache cannot be reached
            # A TokenUser quacks like a user without being a model instance.
            user = load_user(claims) if self._loads_user() else token_user_class()(claims)
            request.user = user  # type: ignore[assignment]
        except InvalidTokenError as e:
            raise _refused(e) from e
        except DatabaseError as e:  # reading the user (load_user): a 503 to retry, not a 500
            log_database_error(e)
            raise HttpError(503, str(DATABASE_UNAVAILABLE)) from None
        return claims

    def _loads_user(self) -> bool:
        if self.load_user_from_db is not None:
            return self.load_user_from_db
        s = ninja_simple_jwt_settings
        return bool(s.AUTH_LOAD_USER or not s.USE_STATELESS_AUTH)

    async def _authenticate_on_loop(self, request: HttpRequest, token: str) -> dict[str, Any]:
        """`authenticate` on an async route: on the event loop, but for what waits on I/O (reading keys,
        the revocation cache, the user from the database), which runs in a thread as django-ninja runs a
        sync authenticator."""
        if type(self).authenticate is not HttpJwtAuth.authenticate:
            return await sync_to_async(self.authenticate)(request, token)  # a subclass's may do I/O
        try:
            claims = decode_token_from_memory(token, TokenTypes.ACCESS)
        except InvalidTokenError as e:
            raise _refused(e) from e
        except InvalidKeyError as e:
            raise keys_unavailable(e) from None
        if claims is None:
            return await sync_to_async(self.authenticate)(request, token)
        s = ninja_simple_jwt_settings
        if self._loads_user() or (s.JWT_REVOKE_ACCESS_TOKENS and not known_not_revoked(claims)):
            return await sync_to_async(self._accept)(request, claims)
        return self._accept(request, claims, known_live=True)

    @staticmethod
    def check_user_id(claims: dict[str, Any]) -> None:
        """Refuses a token that names no user when the claim map has a user id claim: such a token was not
        made for a user of this project (`MissingRequiredClaimError`)."""
        claim = id_claim()
        if claim is not None and claims.get(claim) in (None, ""):
            raise MissingRequiredClaimError(claim)

    @staticmethod
    def set_token_claims_to_user(user: Any, token_data: dict[str, Any]) -> None:
        """Copies the mapped claims onto `user`, as later versions of the original package do."""
        for claim, attribute in claim_attributes():
            setattr(user, attribute, token_data.get(claim))


def _on_event_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def _refused(error: InvalidTokenError) -> AuthenticationError:
    """Logs why a bearer token is refused (never the token) and returns the 401 to raise."""
    logger.debug("Refused a bearer token: %s", error)
    return AuthenticationError()
