"""The one answer when the server cannot sign or verify: 503, the reason in the log, never in the body."""

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from django.http import JsonResponse
from django.utils.translation import gettext, gettext_noop
from ninja.errors import HttpError

from ninja_simple_jwt.exceptions import InvalidKeyError

__all__ = ["KEYS_UNAVAILABLE", "RETRY_AFTER", "keys_unavailable", "unavailable_response", "usable_keys"]

logger = logging.getLogger("ninja_simple_jwt")

# English, as tests and callers compare it; translated where it is answered.
KEYS_UNAVAILABLE = gettext_noop("Authentication is unavailable: the server's JWT keys are not usable.")

# Seconds a client is asked to wait when a part this package needs (a cache, the database) is down.
RETRY_AFTER = 30


def unavailable_response(detail: str, *, retry_after: int = RETRY_AFTER) -> JsonResponse:
    """The 503 this package's own endpoints answer when a part they need is down; the caller logs why."""
    response = JsonResponse({"detail": detail}, status=503)
    response["Retry-After"] = str(retry_after)
    return response


def keys_unavailable(error: InvalidKeyError) -> HttpError:
    """Logs why the keys cannot be used (the message says what to run) and returns the 503 to raise."""
    logger.error("Cannot use the JWT keys: %s", error)
    return HttpError(503, gettext(KEYS_UNAVAILABLE))


@contextmanager
def usable_keys() -> Iterator[None]:
    """Turns an `InvalidKeyError` raised inside into the 503 (django-ninja views)."""
    try:
        yield
    except InvalidKeyError as e:
        raise keys_unavailable(e) from None
