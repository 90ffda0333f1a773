"""`HttpJwtAuth`: django-ninja bearer authentication with this package's access tokens, and those of the
issuers in JWT_TRUSTED_ISSUERS."""

import asyncio
import logging
from collections.abc import Coroutine, Iterable
from typing import Any

from asgiref.sync import sync_to_async
from django.db import DatabaseError
from django.http import HttpRequest
from django.utils.translation import gettext, gettext_noop
from ninja.errors import AuthenticationError, HttpError
from ninja.security import HttpBearer
from ninja.security.http import DecodeError

from ninja_simple_jwt.auth.challenges import (
    CHALLENGE_ATTRIBUTE,
    RETRY_AFTER_ATTRIBUTE,
    insufficient_scope,
    invalid_token,
    no_token,
)
from ninja_simple_jwt.auth.token_user import TokenUser, load_user, token_user_class
from ninja_simple_jwt.database import DATABASE_UNAVAILABLE, log_database_error
from ninja_simple_jwt.exceptions import (
    InvalidKeyError,
    InvalidTokenError,
    KeysUnavailableError,
    MissingRequiredClaimError,
)
from ninja_simple_jwt.jwt.token_operations import TokenTypes, decode_token, decode_token_from_memory
from ninja_simple_jwt.sessions.revocation import check_not_revoked, known_not_revoked
from ninja_simple_jwt.settings import ninja_simple_jwt_settings
from ninja_simple_jwt.unavailable import RETRY_AFTER, keys_unavailable
from ninja_simple_jwt.users import claim_attributes, id_claim

__all__ = ["HttpJwtAuth", "TokenUser", "granted_scopes", "of_trusted_issuer"]

logger = logging.getLogger("ninja_simple_jwt")

# django-ninja answers a request no auth class accepts with this text, untranslated; the catalogues carry
# it for a project whose AuthenticationError handler passes it through gettext (README, Languages).
gettext_noop("Unauthorized")
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

    # OpenAPI: the bearer scheme's token is a JWT.
    openapi_bearerFormat = "JWT"

    def __init__(self, *, load_user: bool | None = None, scopes: Iterable[str] = ()) -> None:
        super().__init__()
        self.load_user_from_db = load_user
        self.scopes = tuple(scopes)
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
        setattr(request, CHALLENGE_ATTRIBUTE, no_token())
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
        with _answers(request):
            claims = decode_token(token, token_type=TokenTypes.ACCESS)
        return self._accept(request, claims)

    def _accept(self, request: HttpRequest, claims: dict[str, Any], known_live: bool = False) -> dict[str, Any]:
        """Checks the verified `claims` (a user named, the session not ended unless `known_live`, the
        scopes) and sets `request.user`; the claims."""
        with _answers(request):
            # Another issuer's tokens name its users, and its sessions (a `sid`) are not ended here.
            own = not of_trusted_issuer(claims)
            if own:
                self.check_user_id(claims)
            if own and not known_live and ninja_simple_jwt_settings.JWT_REVOKE_ACCESS_TOKENS:
                check_not_revoked(claims)  # 503 if the cache cannot be reached
            request.user = self.get_user(claims)
        self.check_scopes(request, claims)
        return claims

    def get_user(self, claims: dict[str, Any]) -> Any:
        """The user of verified `claims`: loaded from the database, or a TOKEN_USER_CLS (which quacks like a
        user without being a model instance)."""
        if of_trusted_issuer(claims):
            # A trusted issuer's user ids are not this database's: always a stateless user.
            user = token_user_class()(claims)
            if getattr(user, "id", None) is None and "sub" in claims:
                user.id = claims["sub"]
            return user
        return load_user(claims) if self._loads_user() else token_user_class()(claims)

    def check_scopes(self, request: HttpRequest, claims: dict[str, Any]) -> None:
        """A 403 `insufficient_scope` (RFC 6750 §3.1) unless the token grants every scope of `scopes`."""
        if self.scopes and not set(self.scopes) <= granted_scopes(claims):
            setattr(request, CHALLENGE_ATTRIBUTE, insufficient_scope(self.scopes))
            raise HttpError(403, gettext(INSUFFICIENT_SCOPE))

    @staticmethod
    def check_user_id(claims: dict[str, Any]) -> None:
        """Refuses a token that names no user when the claim map has a user id claim: such a token was not
        made for a user of this project (`MissingRequiredClaimError`)."""
        claim = id_claim()
        if claim is not None and claims.get(claim) in (None, ""):
            raise MissingRequiredClaimError(claim)

    def _loads_user(self) -> bool:
        if self.load_user_from_db is not None:
            return self.load_user_from_db
        s = ninja_simple_jwt_settings
        return bool(s.AUTH_LOAD_USER or not s.USE_STATELESS_AUTH)

    async def _authenticate_on_loop(self, request: HttpRequest, token: str) -> dict[str, Any]:
        """`authenticate` on an async route: on the event loop, but for what waits on I/O (reading keys,
        fetching a trusted issuer's, the revocation cache, the user from the database), which runs in a
        thread as django-ninja runs a sync authenticator."""
        if type(self).authenticate is not HttpJwtAuth.authenticate:
            return await sync_to_async(self.authenticate)(request, token)  # a subclass's may do I/O
        with _answers(request):
            claims = decode_token_from_memory(token, TokenTypes.ACCESS)
        if claims is None:
            return await sync_to_async(self.authenticate)(request, token)
        s = ninja_simple_jwt_settings
        own = not of_trusted_issuer(claims)
        if own and (self._loads_user() or (s.JWT_REVOKE_ACCESS_TOKENS and not known_not_revoked(claims))):
            return await sync_to_async(self._accept)(request, claims)
        return self._accept(request, claims, known_live=True)

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


def of_trusted_issuer(claims: dict[str, Any]) -> bool:
    """Whether verified `claims` are another issuer's (one of JWT_TRUSTED_ISSUERS), not this project's: their
    user ids and sessions are not this database's."""
    iss = claims.get("iss")
    s = ninja_simple_jwt_settings
    return iss is not None and iss != s.JWT_ISSUER and any(entry.issuer == iss for entry in s.JWT_TRUSTED_ISSUERS)


class _answers:
    """Turns what verifying raises into the answer: 401 for a refused token (the reason to the debug log,
    the RFC 6750 challenge on the request), 503 for keys, a database or a cache that cannot be used (with
    `Retry-After` asked of the middleware). A class rather than a generator-based context manager: every
    request that carries a token passes through it, on async routes twice."""

    __slots__ = ("request",)

    def __init__(self, request: HttpRequest) -> None:
        self.request = request

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, traceback: Any) -> None:
        request = self.request
        if error is None:
            return
        if isinstance(error, InvalidTokenError):
            logger.debug("Refused a bearer token: %s", error)
            setattr(request, CHALLENGE_ATTRIBUTE, invalid_token())
            raise AuthenticationError() from error
        if isinstance(error, KeysUnavailableError):
            raise _unavailable(request, HttpError(503, gettext(TRUSTED_KEYS_UNAVAILABLE))) from None  # logged once
        if isinstance(error, InvalidKeyError):
            raise _unavailable(request, keys_unavailable(error)) from None
        if isinstance(error, DatabaseError):  # reading the user (load_user): a 503 to retry, not a 500
            log_database_error(error)
            raise _unavailable(request, HttpError(503, str(DATABASE_UNAVAILABLE))) from None
        if isinstance(error, HttpError) and error.status_code == 503:  # the revocation cache cannot be reached
            _unavailable(request, error)
        # Anything else goes on as it was raised.


def _unavailable(request: HttpRequest, error: HttpError) -> HttpError:
    """`error`, a 503, after asking `BearerChallengeMiddleware` to add `Retry-After` to the answer."""
    setattr(request, RETRY_AFTER_ATTRIBUTE, RETRY_AFTER)
    return error
