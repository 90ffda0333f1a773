"""The one answer when the server cannot sign or verify: 503, the reason in the log, never in the body."""

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from ninja.errors import HttpError

from ninja_simple_jwt.exceptions import InvalidKeyError

__all__ = ["KEYS_UNAVAILABLE", "keys_unavailable", "usable_keys"]

logger = logging.getLogger("ninja_simple_jwt")

KEYS_UNAVAILABLE = "Authentication is unavailable: the server's JWT keys are not usable."


def keys_unavailable(error: InvalidKeyError) -> HttpError:
    """Logs why the keys cannot be used (the message says what to run) and returns the 503 to raise."""
    logger.error("Cannot use the JWT keys: %s", error)
    return HttpError(503, KEYS_UNAVAILABLE)


@contextmanager
def usable_keys() -> Iterator[None]:
    """Turns an `InvalidKeyError` raised inside into the 503 (django-ninja views)."""
    try:
        yield
    except InvalidKeyError as e:
        raise keys_unavailable(e) from None
