"""Ended sessions in Django's cache (JWT_REVOCATION_CACHE), so every worker and host refuses their access tokens.

An ended session's id stays in the cache until its last access token has expired. With Django's
RedisCache every host sees it at once, and it is also announced on a channel (see `announcements`) so
that a worker can accept a session it has already read live without asking Redis again. A cache that
cannot be reached is a 503, never a silent accept.

A cache that forgets (Redis restarted without persistence, a flush, a new Memcached) must not let an
ended session back in: the entries are only trusted while a key that never expires, COMPLETE_KEY, is
there. It is written after the cache has been filled from the database (every session ended within an
access token's lifetime), so its absence means the cache may have lost entries: the check that finds
it missing fills the cache again from the database first (the database's record of ended sessions is
the rule; the cache is the fast copy). This holds if the cache evicts nothing: an entry evicted while
COMPLETE_KEY stays would go unnoticed (Redis: `maxmemory-policy noeviction`, its default).
"""

import logging
import math
from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any

from django.core.cache import caches
from django.core.cache.backends.base import BaseCache
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.errors import HttpError

from ninja_simple_jwt.exceptions import InvalidTokenError
from ninja_simple_jwt.sessions.announcements import channel_for
from ninja_simple_jwt.settings import ninja_simple_jwt_settings

__all__ = ["RevocationCacheUnavailableError", "check_not_revoked", "known_not_revoked", "revoke_access_tokens"]

logger = logging.getLogger("ninja_simple_jwt")

KEY_PREFIX = "ninja_simple_jwt:ended-session:"
COMPLETE_KEY = "ninja_simple_jwt:ended-sessions-complete"


class RevocationCacheUnavailableError(HttpError):
    """The revocation cache cannot be reached: django-ninja answers 503 with a JSON `detail`."""

    def __init__(self) -> None:
        super().__init__(503, _("Cannot check whether the session has ended: try again later."))


def revoke_access_tokens(session_ids: Iterable[str]) -> None:
    """Puts the sessions in the cache for as long as their access tokens can still be accepted."""
    entries = {KEY_PREFIX + sid: sid for sid in session_ids}
    if not entries:
        return
    alias = ninja_simple_jwt_settings.JWT_REVOCATION_CACHE
    try:
        cache = caches[alias]
        _write(alias, cache, entries, complete=False)
    except Exception as e:
        logger.error("Cannot write ended sessions to the revocation cache: %s", type(e).__name__)
        raise RevocationCacheUnavailableError() from e


def _timeout() -> int:
    """Seconds an ended session's access tokens can still be accepted (the settings are timedeltas)."""
    s = ninja_simple_jwt_settings
    lifetime: timedelta = s.JWT_ACCESS_TOKEN_LIFETIME + s.JWT_LEEWAY
    return math.ceil(lifetime.total_seconds()) + 1


def _write(alias: str, cache: BaseCache, entries: dict[str, str], *, complete: bool) -> None:
    """Writes the ended sessions' entries (cache key: session id), and with `complete` COMPLETE_KEY after them."""
    channel = channel_for(alias, cache)
    if channel is not None:
        channel.end(entries, _timeout(), complete_key=COMPLETE_KEY if complete else None)  # all or nothing
        return
    if entries:
        cache.set_many(dict.fromkeys(entries, 1), timeout=_timeout())
    if complete:
        cache.set(COMPLETE_KEY, 1, timeout=None)


def _refill(alias: str, cache: BaseCache) -> set[str]:
    """The sessions ended within an access token's lifetime, from the database, written to the cache and
    then COMPLETE_KEY. A cache that refuses the write is logged: the database answered this check, and
    the next one reads it again. A database that cannot be read raises `DatabaseError` (a 503)."""
    from ninja_simple_jwt.sessions.models import JwtSession  # the app may not be installed

    since = timezone.now() - timedelta(seconds=_timeout())
    ended = {sid.hex for sid in JwtSession.objects.filter(revoked_at__gte=since).values_list("pk", flat=True)}
    try:
        _write(alias, cache, {KEY_PREFIX + sid: sid for sid in ended}, complete=True)
    except Exception as e:
        logger.error("Cannot fill the revocation cache again: %s. The database answers meanwhile.", type(e).__name__)
    else:
        logger.warning(
            "The revocation cache had no record of being complete (new, restarted or flushed): filled it "
            "from the database with %d ended sessions.",
            len(ended),
        )
    return ended


def check_not_revoked(claims: Mapping[str, Any]) -> None:
    """Raises `InvalidTokenError` if the access token's session has ended (JWT_REVOKE_ACCESS_TOKENS)."""
    sid = claims.get("sid")
    if not isinstance(sid, str):
        return  # A token of no session: issued without the sessions app, nothing can end it.
    alias = ninja_simple_jwt_settings.JWT_REVOCATION_CACHE
    try:
        cache = caches[alias]
        channel = channel_for(alias, cache)
        if channel is not None and channel.known_live(sid):
            return  # read live before, and not announced ended since: no round trip
        ticket = channel.ticket() if channel is not None else None
        key = KEY_PREFIX + sid
        found = cache.get_many([key, COMPLETE_KEY])  # one round trip
    except Exception as e:
        logger.error("Cannot read the revocation cache: %s", type(e).__name__)
        raise RevocationCacheUnavailableError() from e
    if key in found:
        raise InvalidTokenError("The token's session has ended.")
    if COMPLETE_KEY not in found and sid in _refill(alias, cache):
        raise InvalidTokenError("The token's session has ended.")
    if channel is not None:
        channel.remember_live(sid, ticket)


def known_not_revoked(claims: Mapping[str, Any]) -> bool:
    """Whether the access token's session is known not to have ended without asking the cache: a token of
    no session, or one the channel knows live. False means `check_not_revoked` must ask (in a thread, on
    an async route)."""
    sid = claims.get("sid")
    if not isinstance(sid, str):
        return True
    alias = ninja_simple_jwt_settings.JWT_REVOCATION_CACHE
    try:
        channel = channel_for(alias, caches[alias])
        return channel is not None and channel.known_live(sid, subscribe=False)
    except Exception:
        return False  # check_not_revoked reads the cache, and answers 503 if it cannot
