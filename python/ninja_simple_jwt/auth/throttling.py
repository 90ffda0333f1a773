"""Sign-in throttling: failed sign-ins counted per username and per client address in a Django cache.

Past SIGN_IN_MAX_FAILURES_PER_USERNAME failures for one username, or SIGN_IN_MAX_FAILURES_PER_ADDRESS
from one client address, within a window of SIGN_IN_FAILURE_WINDOW, sign-in answers 429 with
`Retry-After` until the window ends, whatever the password: a guesser learns nothing more. A successful
sign-in clears its username's count (not its address's: an attacker could otherwise reset it with an
account of their own). Counts live in the cache SIGN_IN_THROTTLE_CACHE; give every worker the same one
(Redis, Memcached, the database) or each counts on its own.
"""

import functools
import hashlib
import logging
import math
import time
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

from django.core.cache import caches
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext
from ninja.errors import AuthenticationError

from ninja_simple_jwt.settings import ninja_simple_jwt_settings

__all__ = ["client_address", "throttle_sign_in"]

logger = logging.getLogger("ninja_simple_jwt")

P = ParamSpec("P")
R = TypeVar("R")


def client_address(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or X-Forwarded-For as django-ninja reads it if NINJA_NUM_PROXIES is set.

    X-Forwarded-For is ignored otherwise: any client can write it, and would get a fresh count each request.
    """
    from ninja.conf import settings as ninja_settings
    from ninja.throttling import BaseThrottle

    if ninja_settings.NUM_PROXIES is not None:
        return BaseThrottle().get_ident(request) or ""
    return str(request.META.get("REMOTE_ADDR") or "")


def _counters(request: HttpRequest, username: str, now: float) -> tuple[list[tuple[str, int]], float]:
    """The cache keys of this attempt's counts with their limits, and when the current window ends."""
    s = ninja_simple_jwt_settings
    window = s.SIGN_IN_FAILURE_WINDOW.total_seconds()
    bucket = math.floor(now / window)
    counters = []
    for kind, who, limit in (
        ("username", username.casefold(), s.SIGN_IN_MAX_FAILURES_PER_USERNAME),
        ("address", client_address(request), s.SIGN_IN_MAX_FAILURES_PER_ADDRESS),
    ):
        if limit:
            # Hashed: cache keys must be short and plain, and the cache need not hold usernames.
            digest = hashlib.sha256(who.encode("utf-8", "surrogatepass")).hexdigest()
            counters.append((f"ninja_simple_jwt:sign-in:{kind}:{digest}:{bucket}", limit))
    return counters, (bucket + 1) * window


def _throttled(request: HttpRequest, username: str) -> JsonResponse | None:
    counters, window_end = _counters(request, username, time.time())
    if not counters:
        return None
    counts = caches[ninja_simple_jwt_settings.SIGN_IN_THROTTLE_CACHE].get_many([key for key, _ in counters])
    if all(counts.get(key, 0) < limit for key, limit in counters):
        return None
    retry_after = max(1, math.ceil(window_end - time.time()))
    logger.warning("Refused a sign-in from %s: too many failed sign-ins.", client_address(request))
    response = JsonResponse({"detail": gettext("Too many failed sign-ins. Try again later.")}, status=429)
    response["Retry-After"] = str(retry_after)
    return response


def _count_failure(request: HttpRequest, username: str) -> None:
    now = time.time()
    counters, window_end = _counters(request, username, now)
    cache = caches[ninja_simple_jwt_settings.SIGN_IN_THROTTLE_CACHE]
    timeout = math.ceil(window_end - now) + 1
    for key, _ in counters:
        cache.add(key, 0, timeout)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout)


def _clear_username(request: HttpRequest, username: str) -> None:
    counters, _ = _counters(request, username, time.time())
    keys = [key for key, _ in counters if ":username:" in key]
    if keys:
        caches[ninja_simple_jwt_settings.SIGN_IN_THROTTLE_CACHE].delete_many(keys)


def throttle_sign_in(view: Callable[P, R]) -> Callable[P, R | JsonResponse]:
    """Wraps a sign-in view taking `request` and `payload` (with `username`): throttled as the module says.

    The view signals bad credentials by raising ninja's `AuthenticationError`.
    """

    @functools.wraps(view)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R | JsonResponse:
        request: Any = args[0] if args else kwargs["request"]
        username = str(getattr(kwargs.get("payload"), "username", ""))
        refused = _throttled(request, username)
        if refused is not None:
            return refused
        try:
            result = view(*args, **kwargs)
        except AuthenticationError:
            _count_failure(request, username)
            raise
        _clear_username(request, username)
        return result

    return wrapper
