"""Ended sessions announced on a Redis channel, so that a worker need not ask Redis on every request.

Ending a session writes its id to the revocation cache (the rule) and then publishes it on a channel of
the same Redis server (the news). Each process subscribes to the channel and remembers the sessions it
has already read live from the cache; an announcement forgets that session again. A session it
remembers is accepted without a round trip; any other is read from the cache as before.

It is only trusted while the subscription provably works: Redis answered one of its pings (sent at most
every second, from the requests themselves) within the last TRUSTED_FOR seconds, on the connection that
is still open. Losing the connection forgets everything, and every request reads the cache again until a
new subscription answers. A session read live is remembered only if no announcement arrived and the
subscription was not lost while it was being read, so an announcement can never be overtaken.

Only Django's own RedisCache has a channel; with any other backend every check reads the cache.
"""

import logging
import math
import os
import threading
import time
from collections.abc import Iterable
from typing import Any

from django.core.cache.backends.base import BaseCache
from django.core.signals import setting_changed

__all__ = ["Channel", "channel_for"]

logger = logging.getLogger("ninja_simple_jwt")

CHANNEL_KEY = "ninja_simple_jwt:ended-sessions"
PING = "ninja_simple_jwt"
PING_EVERY = 1.0
TRUSTED_FOR = 3.0
RESUBSCRIBE_AFTER = 1.0
REMEMBERED_AT_MOST = 100_000


def _text(value: Any) -> Any:
    return value.decode() if isinstance(value, bytes) else value


class Channel:
    """One process's subscription to the channel on which one cache's ended sessions are announced."""

    def __init__(self, cache: BaseCache) -> None:
        client = cache._cache.get_client(write=True)  # type: ignore[attr-defined]
        self.name = cache.make_key(CHANNEL_KEY)
        self.pid = os.getpid()
        self._client = client
        pool = client.connection_pool
        # A connection of our own, with the cache's options, that fails instead of retrying: a lost
        # subscription must be noticed, and a retry would hide it.
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        self._connect_options = {**pool.connection_kwargs, "retry": Retry(NoBackoff(), 0)}
        self._connection_class = pool.connection_class
        self._lock = threading.Lock()
        self._connection: Any = None
        self._subscribe_after = 0.0
        self._last_ping = -math.inf
        self._last_pong = -math.inf
        self._live: dict[str, None] = {}  # sessions read live, none of them announced since
        self._news = 0  # announcements received, and subscriptions lost

    def announce(self, session_ids: Iterable[str]) -> None:
        """Publishes the ended sessions (one round trip). Raises what redis-py raises."""
        with self._client.pipeline(transaction=False) as pipe:
            for sid in session_ids:
                pipe.publish(self.name, sid)
            pipe.execute()

    def known_live(self, sid: str) -> bool:
        """Whether `sid` was read live from the cache and has not been announced ended since."""
        with self._lock:
            now = time.monotonic()
            self._poll(now)
            return self._trusted(now) and sid in self._live

    def ticket(self) -> int | None:
        """Taken before reading the cache; None while the subscription cannot be trusted."""
        with self._lock:
            return self._news if self._trusted(time.monotonic()) else None

    def remember_live(self, sid: str, ticket: int | None) -> None:
        """Remembers `sid`, read live from the cache after `ticket` was taken, if nothing happened since."""
        if ticket is None:
            return
        with self._lock:
            self._poll(time.monotonic())
            if self._news != ticket:
                return
            if len(self._live) >= REMEMBERED_AT_MOST:
                self._live.clear()
            self._live[sid] = None

    def close(self) -> None:
        """Ends the subscription (of this process only)."""
        with self._lock:
            if self._connection is not None and self.pid == os.getpid():
                self._connection.disconnect()
            self._connection = None

    def _trusted(self, now: float) -> bool:
        return self._connection is not None and now - self._last_pong <= TRUSTED_FOR

    def _poll(self, now: float) -> None:
        """Reads what Redis has sent, without waiting, and pings when due; subscribes when there is none."""
        if self._connection is None:
            if now >= self._subscribe_after:
                self._subscribe(now)
            return
        connection = self._connection
        try:
            while connection.can_read(timeout=0):
                self._receive(connection.read_response(push_request=True), now)
            if now - self._last_ping >= PING_EVERY:
                connection.send_command("PING", PING, check_health=False)
                self._last_ping = now
        except Exception as e:  # redis-py's errors, or the socket's
            self._lose(now, e)

    def _receive(self, message: Any, now: float) -> None:
        # RESP2 answers a PING on a subscribed connection with ["pong", text]; RESP3 with the text.
        kind = _text(message[0]) if isinstance(message, list) and message else _text(message)
        if kind == "message":
            self._live.pop(_text(message[2]), None)
            self._news += 1
        elif kind in ("pong", PING):
            self._last_pong = now

    def _subscribe(self, now: float) -> None:
        connection = self._connection_class(**self._connect_options)
        try:
            connection.connect()
            connection.send_command("SUBSCRIBE", self.name, check_health=False)
            connection.send_command("PING", PING, check_health=False)
        except Exception as e:
            connection.disconnect()
            self._subscribe_after = now + RESUBSCRIBE_AFTER
            logger.warning("Cannot subscribe to the ended sessions' channel: %s", type(e).__name__)
            return
        self._connection = connection
        self._last_ping = now

    def _lose(self, now: float, error: Exception) -> None:
        self._connection.disconnect()
        self._connection = None
        self._live.clear()
        self._news += 1
        self._last_pong = -math.inf
        self._subscribe_after = now + RESUBSCRIBE_AFTER
        logger.warning(
            "Lost the ended sessions' channel (%s): every request reads the revocation cache until it is back.",
            type(error).__name__,
        )


_channels: dict[str, Channel] = {}
_channels_lock = threading.Lock()


def channel_for(alias: str, cache: BaseCache) -> Channel | None:
    """This process's channel for the cache `alias`; None unless it is Django's RedisCache."""
    channel = _channels.get(alias)
    if channel is not None and channel.pid == os.getpid():
        return channel
    from django.core.cache.backends.redis import RedisCache

    if not isinstance(cache, RedisCache):
        return None
    with _channels_lock:
        channel = _channels.get(alias)
        # A forked worker must not use (nor close) the socket it inherited: it makes its own.
        if channel is None or channel.pid != os.getpid():
            channel = _channels[alias] = Channel(cache)
        return channel


def _forget_channels(*, setting: str, **kwargs: Any) -> None:
    if setting in ("CACHES", "NINJA_SIMPLE_JWT"):
        with _channels_lock:
            for channel in _channels.values():
                channel.close()
            _channels.clear()


setting_changed.connect(_forget_channels)
