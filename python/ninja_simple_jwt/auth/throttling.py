"""Sign-in throttling: sign-in attempts counted per username and per client address in a Django cache.

Every attempt is counted before its password is checked, by an atomic increment, so attempts that arrive
together cannot all read a count under the limit: past SIGN_IN_MAX_FAILURES_PER_USERNAME attempts for one
username, or SIGN_IN_MAX_FAILURES_PER_ADDRESS from one client address, within a window of
SIGN_IN_FAILURE_WINDOW, sign-in answers 429 with `Retry-After` until the window ends, whatever the
password: a guesser learns nothing more. Only failures stay counted: a successful sign-in clears its
username's count and gives its address's attempt back (clearing the address would let an attacker reset
it with an account of their own), and an attempt refused, or ending in neither (a 503), is given back.

A client that signed in before gets a signed device cookie (OWASP's "device cookies"): with it, its
attempts for that username are counted on a count of its own (SIGN_IN_MAX_FAILURES_PER_DEVICE), so a
guesser who uses up the username's count locks out only clients the server does not know.

Counts live in the cache SIGN_IN_THROTTLE_CACHE; give every worker the same one (Redis, Memcached, the
database) or each counts on its own. When that cache cannot be reached, sign-in answers 503 (a throttle
that silently stops counting is an open door), or goes on unthrottled with SIGN_IN_THROTTLE_FAIL_OPEN.
"""

import functools
import hashlib
import logging
import math
import secrets
import time
from collections.abc import Callable
from typing import Any, NamedTuple, ParamSpec, TypeVar

from django.core import signing
from django.core.cache import BaseCache, caches
from django.core.cache.backends.db import DatabaseCache
from django.db import connections, router, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext
from ninja.errors import AuthenticationError

from ninja_simple_jwt.settings import ninja_simple_jwt_settings
from ninja_simple_jwt.signals import sign_in_throttled
from ninja_simple_jwt.unavailable import unavailable_response

__all__ = ["client_address", "throttle_sign_in"]

logger = logging.getLogger("ninja_simple_jwt")

P = ParamSpec("P")
R = TypeVar("R")

KEY_PREFIX = "ninja_simple_jwt:sign-in:"
DEVICE_SALT = "ninja_simple_jwt.sign-in-device"


def client_address(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or X-Forwarded-For as django-ninja reads it if NINJA_NUM_PROXIES is set.

    X-Forwarded-For is ignored otherwise: any client can write it, and would get a fresh count each request.
    """
    from ninja.conf import settings as ninja_settings
    from ninja.throttling import BaseThrottle

    if ninja_settings.NUM_PROXIES is not None:
        return BaseThrottle().get_ident(request) or ""
    return str(request.META.get("REMOTE_ADDR") or "")


def _digest(*parts: str) -> str:
    # Hashed: cache keys and cookies must be short and plain, and need not hold usernames.
    return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


class _Counter(NamedTuple):
    kind: str  # "username", "device" or "address"
    key: str
    limit: int


class _Attempt(NamedTuple):
    counters: list[_Counter]
    window_end: float
    timeout: int
    refused: bool


def _device(request: HttpRequest, username: str) -> str | None:
    """The device id of a valid device cookie issued to this username, or None."""
    s = ninja_simple_jwt_settings
    value = request.COOKIES.get(s.SIGN_IN_DEVICE_COOKIE_NAME)
    if not value or not s.SIGN_IN_MAX_FAILURES_PER_DEVICE:
        return None
    try:
        device = signing.loads(value, salt=DEVICE_SALT, max_age=s.SIGN_IN_DEVICE_COOKIE_AGE)
    except (signing.BadSignature, ValueError):
        return None
    if not isinstance(device, dict) or device.get("u") != _digest(username.casefold()):
        return None  # issued to another username: its allowance is that username's only
    return str(device.get("d") or "") or None


def _counters(request: HttpRequest, username: str, device: str | None, bucket: int) -> list[_Counter]:
    s = ninja_simple_jwt_settings
    who = username.casefold()
    wanted = [
        ("device", _digest(who, device), s.SIGN_IN_MAX_FAILURES_PER_DEVICE)
        if device is not None
        else ("username", _digest(who), s.SIGN_IN_MAX_FAILURES_PER_USERNAME),
        ("address", _digest(client_address(request)), s.SIGN_IN_MAX_FAILURES_PER_ADDRESS),
    ]
    return [_Counter(kind, f"{KEY_PREFIX}{kind}:{digest}:{bucket}", limit) for kind, digest, limit in wanted if limit]


def _add(cache: BaseCache, key: str, delta: int, timeout: int) -> int:
    """Adds `delta` to the count at `key` (made with `timeout` if missing), atomically; the new count."""
    if isinstance(cache, DatabaseCache):
        return _add_in_database(cache, key, delta, timeout)
    # add (a set-if-absent) and incr are atomic in Redis, Memcached and the local-memory cache.
    if delta > 0:
        cache.add(key, 0, timeout)
    try:
        return int(cache.incr(key, delta))
    except ValueError:  # expired since add, or (giving back) already gone
        if delta < 0:
            return 0
        cache.set(key, delta, timeout)
        return delta


def _add_in_database(cache: DatabaseCache, key: str, delta: int, timeout: int) -> int:
    # Django's database cache increments by a read and a write: under a lock on the row, held until the
    # transaction ends, no other worker's read comes between the two.
    using = router.db_for_write(cache.cache_model_class)
    connection = connections[using]
    table = connection.ops.quote_name(cache._table)  # type: ignore[attr-defined]  # set by BaseDatabaseCache
    lock = f"UPDATE {table} SET expires = expires WHERE cache_key = %s"
    cache_key = cache.make_and_validate_key(key)
    with transaction.atomic(using=using):
        with connection.cursor() as cursor:
            # Written first, so that SQLite takes its write lock before any read (waiting its turn
            # rather than failing as "database is locked"); on PostgreSQL it locks an existing row.
            cursor.execute(lock, [cache_key])
            if delta > 0:
                cache.add(key, 0, timeout)
                cursor.execute(lock, [cache_key])  # it may have been made by another worker meanwhile
        count = int(cache.get(key, 0)) + delta
        if count <= 0:
            cache.delete(key)
            return 0
        cache.set(key, count, timeout)
        return count


def _count_attempt(request: HttpRequest, username: str, device: str | None) -> _Attempt:
    """Counts this attempt on every counter; whether one of them is now past its limit."""
    now = time.time()
    window = ninja_simple_jwt_settings.SIGN_IN_FAILURE_WINDOW.total_seconds()
    bucket = math.floor(now / window)
    window_end = (bucket + 1) * window
    timeout = math.ceil(window_end - now) + 1
    counters = _counters(request, username, device, bucket)
    cache = caches[ninja_simple_jwt_settings.SIGN_IN_THROTTLE_CACHE]
    refused = False
    for counter in counters:
        refused |= _add(cache, counter.key, 1, timeout) > counter.limit
    return _Attempt(counters, window_end, timeout, refused)


def _settle(attempt: _Attempt, succeeded: bool) -> None:
    """After the view: a success clears its username's (or device's) count and gives the address's attempt
    back; an attempt that was no failure (refused, or the server could not answer) is given back everywhere."""
    try:
        cache = caches[ninja_simple_jwt_settings.SIGN_IN_THROTTLE_CACHE]
        for counter in attempt.counters:
            if succeeded and counter.kind != "address":
                cache.delete(counter.key)
            else:
                _add(cache, counter.key, -1, attempt.timeout)
    except Exception as e:
        # The answer is already decided: a cache lost since the count only leaves this attempt counted.
        logger.error("Cannot update the sign-in throttle's cache: %s", type(e).__name__)


def _refused(request: HttpRequest, attempt: _Attempt, view: Any, username: str) -> JsonResponse:
    retry_after = max(1, math.ceil(attempt.window_end - time.time()))
    logger.warning("Refused a sign-in from %s: too many failed sign-ins.", client_address(request))
    sign_in_throttled.send(sender=view, request=request, username=username)
    response = JsonResponse({"detail": gettext("Too many failed sign-ins. Try again later.")}, status=429)
    response["Retry-After"] = str(retry_after)
    return response


def _set_device_cookie(request: HttpRequest, response: HttpResponse, username: str, device: str | None) -> None:
    s = ninja_simple_jwt_settings
    value = signing.dumps(
        {"u": _digest(username.casefold()), "d": device or secrets.token_urlsafe(16)}, salt=DEVICE_SALT
    )
    response.set_cookie(
        s.SIGN_IN_DEVICE_COOKIE_NAME,
        value,
        max_age=int(s.SIGN_IN_DEVICE_COOKIE_AGE.total_seconds()),
        path=request.path,  # only where it is read: this sign-in route
        secure=s.WEB_REFRESH_COOKIE_SECURE,
        httponly=True,
        samesite="Strict",
    )


def throttle_sign_in(view: Callable[P, R]) -> Callable[P, R | JsonResponse]:
    """Wraps a sign-in view taking `request` and `payload` (with `username`): throttled as the module says.

    The view signals bad credentials by raising ninja's `AuthenticationError`. If it also takes django-ninja's
    `response`, a successful sign-in sets the device cookie there.
    """

    @functools.wraps(view)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R | JsonResponse:
        request: Any = args[0] if args else kwargs["request"]
        username = str(getattr(kwargs.get("payload"), "username", ""))
        device = _device(request, username)
        try:
            attempt: _Attempt | None = _count_attempt(request, username, device)
        except Exception as e:
            alias = ninja_simple_jwt_settings.SIGN_IN_THROTTLE_CACHE
            if not ninja_simple_jwt_settings.SIGN_IN_THROTTLE_FAIL_OPEN:
                logger.error(
                    "Refused a sign-in: the sign-in throttle's cache %r is unreachable (%s).", alias, type(e).__name__
                )
                return unavailable_response(gettext("Sign-in is unavailable for a moment. Try again later."))
            logger.warning(
                "Sign-in not throttled: the sign-in throttle's cache %r is unreachable (%s), and "
                "SIGN_IN_THROTTLE_FAIL_OPEN is on.",
                alias,
                type(e).__name__,
            )
            attempt = None
        if attempt is not None and attempt.refused:
            # Given back: the counts are of password checks, so a refused guess costs an address nothing
            # more, and an attempt still counted while it is refused keeps every concurrent one out.
            _settle(attempt, succeeded=False)
            return _refused(request, attempt, view, username)
        try:
            result = view(*args, **kwargs)
        except AuthenticationError:
            raise  # a failure: it stays counted
        except BaseException:
            if attempt is not None:
                _settle(attempt, succeeded=False)
            raise
        if attempt is not None:
            _settle(attempt, succeeded=True)
        response = kwargs.get("response")
        if isinstance(response, HttpResponse) and ninja_simple_jwt_settings.SIGN_IN_MAX_FAILURES_PER_DEVICE:
            _set_device_cookie(request, response, username, device)
        return result

    return wrapper
