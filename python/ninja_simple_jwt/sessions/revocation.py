"""Ended sessions in Django's cache (JWT_REVOCATION_CACHE), so every worker and host refuses their access tokens.

An ended session's id stays in the cache until its last access token has expired. With Django's
RedisCache every host sees it at once, and it is also announced on a channel (see `announcements`) so
that a worker can accept a session it has already read live without asking Redis again. A cache that
cannot be reached is a 503, never a silent accept.
"""

import logging
import math
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.cache import caches
from ninja.errors import HttpError

from ninja_simple_jwt.exceptions import InvalidTokenError
from ninja_simple_jwt.sessions.announcements import channel_for
from ninja_simple_jwt.settings import ninja_simple_jwt_settings

__all__ = ["RevocationCacheUnavailableError", "check_not_revoked", "known_not_revoked", "revoke_access_tokens"]

logger = logging.getLogger("ninja_simple_jwt")

KEY_PREFIX = "ninja_simple_jwt:ended-session:"


class RevocationCacheUnavailableError(HttpError):
    """The revocation cache cannot be reached: django-ninja answers 503 with a JSON `detail`."""

    def __init__(self) -> None:
        super().__init__(503, "Cannot check whether the session has ended: try again later.")


def revoke_access_tokens(session_ids: Iterable[str]) -> None:
    """Puts the sessions in the cache for as long as their access tokens can still be accepted."""
    s = ninja_simple_jwt_settings
    entries = {KEY_PREFIX + sid: sid for sid in session_ids}
    if not entries:
        return
    # The settings are timedeltas (validated at start).
    timeout = math.ceil((s.JWT_ACCESS_TOKEN_LIFETIME + s.JWT_LEEWAY).total_seconds()) + 1
    try:
        cache = caches[s.JWT_REVOCATION_CACHE]
        channel = channel_for(s.JWT_REVOCATION_CACHE, cache)
        if channel is not None:
            channel.end(entries, timeout)  # written and announced, or neither
        else:
            cache.set_many(dict.fromkeys(entries, 1), timeout=timeout)
    except Exception as e:
        logger.error("Cannot write ended sessions to the revocation cache: %s", type(e).__name__)
        raise RevocationCacheUnavailableError() from e


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
        ended = cache.get(KEY_PREFIX + sid)
        if ended is None and channel is not None:
            channel.remember_live(sid, ticket)
    except Exception as e:
        logger.error("Cannot read the revocation cache: %s", type(e).__name__)
        raise RevocationCacheUnavailableError() from e
    if ended is not None:
        raise InvalidTokenError("The token's session has ended.")


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
