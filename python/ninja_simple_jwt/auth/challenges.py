"""RFC 6750 §3 answers: `WWW-Authenticate: Bearer` on every 401 of a route `HttpJwtAuth` guards, with
`error="invalid_token"` when a token was given, and `error="insufficient_scope"` on a 403 for a scope; and
`Retry-After` on its 503s (keys, a database or a cache that cannot be used).

django-ninja builds these answers itself (an `HttpError` through the API's exception handlers), with no
way for an auth class to add a header, whether `authenticate` returns None or raises. So `HttpJwtAuth`
leaves what to add on the request, and `BearerChallengeMiddleware` writes it onto the answer when that
has none. Add the middleware to MIDDLEWARE (anywhere; it reads only the response).
"""

from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.http import HttpRequest, HttpResponseBase

__all__ = [
    "CHALLENGE_ATTRIBUTE",
    "RETRY_AFTER_ATTRIBUTE",
    "BearerChallengeMiddleware",
    "add_challenge",
    "insufficient_scope",
    "invalid_token",
    "no_token",
]

CHALLENGE_ATTRIBUTE = "_ninja_simple_jwt_challenge"
# Seconds a 503 of `HttpJwtAuth` asks the client to wait.
RETRY_AFTER_ATTRIBUTE = "_ninja_simple_jwt_retry_after"


def no_token() -> tuple[int, str]:
    """The challenge of a request that gave no bearer token (RFC 6750 §3.1: no error code)."""
    return 401, "Bearer"


def invalid_token() -> tuple[int, str]:
    """The challenge of a token that was refused."""
    return 401, 'Bearer error="invalid_token"'


def insufficient_scope(scopes: Iterable[str]) -> tuple[int, str]:
    """The challenge of a token that lacks a scope: the scopes the route needs."""
    return 403, f'Bearer error="insufficient_scope", scope="{" ".join(scopes)}"'


def add_challenge(request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
    """Writes the challenge `HttpJwtAuth` left on the request onto a 401 or 403 answer without one, and
    the `Retry-After` it asked for onto a 503 without one."""
    retry_after = getattr(request, RETRY_AFTER_ATTRIBUTE, None)
    if retry_after is not None and response.status_code == 503 and not response.has_header("Retry-After"):
        response["Retry-After"] = str(retry_after)
    challenge = getattr(request, CHALLENGE_ATTRIBUTE, None)
    if challenge is not None and response.status_code in (401, 403) and not response.has_header("WWW-Authenticate"):
        status, value = challenge
        if status == response.status_code:
            response["WWW-Authenticate"] = value
        elif response.status_code == 401:
            response["WWW-Authenticate"] = "Bearer"
    return response


class BearerChallengeMiddleware:
    """Adds RFC 6750's `WWW-Authenticate` to the 401s and scope 403s of routes `HttpJwtAuth` guards, and
    `Retry-After` to their 503s."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> Any:
        if self.is_async:
            return self._acall(request)
        return add_challenge(request, self.get_response(request))

    async def _acall(self, request: HttpRequest) -> HttpResponseBase:
        get_response: Callable[[HttpRequest], Awaitable[HttpResponseBase]] = self.get_response
        return add_challenge(request, await get_response(request))
