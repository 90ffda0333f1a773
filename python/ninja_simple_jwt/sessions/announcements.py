"""Ended sessions announced on a Redis channel, so that a worker need not ask Redis on every request.

Ending a session writes its id to the revocation cache (the rule) and publishes it on a channel of the
same Redis server (the news), both in one MULTI/EXEC: all or nothing. Each process subscribes to the
channel and remembers the sessions it has read live from the cache; an announcement forgets that session
again. A session it remembers is accepted without a round trip; any other is read from the cache.

The memory is only trusted while the subscription provably works: this connection confirmed its
subscription, and Redis has answered a ping sent less than TRUSTED_FOR ago (pings go at most every
PING_EVERY, from the requests themselves). Replies on one connection come in order, so every
announcement published before that ping was sent has been read. A broken connection forgets everything;
every request reads the cache until a new subscription answers. A session read live while an
announcement arrived is not remembered, so an announcement can never be overtaken by a read. A Redis
restart breaks the connection; a flush does not, but the cache filled again after it (see `revocation`)
is announced as FORGET_ALL, and every process forgets everything then too.

Only Django's own RedisCache with a single server (and redis-py 5 or later) has a channel: with replicas,
a read may come from one that is behind. Every other cache is read on every check.
"""

import logging
import math
import os
import threading
import time
from collections import deque
from collections.abc import Mapping
from typing import Any

from django.core.cache.backends.base import BaseCache
from django.core.signals import setting_changed

__all__ = ["Channel", "channel_for"]

logger = logging.getLogger("ninja_simple_jwt")

CHANNEL_KEY = "ninja_simple_jwt:ended-sessions"
PING = "ninja_simple_jwt"
PING_EVERY = 0.1
TRUSTED_FOR = 0.3
SILENT_FOR = 5.0  # a subscription that answers no ping for this long is replaced
RESUBSCRIBE_AFTER = 1.0
READ_TIMEOUT = 0.5  # at most, for the rest of a message whose start has arrived (the lock is held)
REMEMBERED_AT_MOST = 100_000
FORGET_ALL = "*"  # announced when the cache has been filled again: no session id looks like it


def _text(value: Any) -> Any:
    return value.decode() if isinstance(value, bytes) else value


class _Lost(Exception):
    """The subscription's connection is no longer the one that subscribed."""


class Channel:
    """One process's subscription to the channel on which one cache's ended sessions are announced."""

    def __init__(self, cache: BaseCache) -> None:
        client_of_cache = cache._cache  # type: ignore[attr-defined]  # Django's RedisCacheClient
        self.name = cache.make_key(CHANNEL_KEY)
        self._client = client_of_cache.get_client(write=True)
        self._dump = client_of_cache._serializer.dumps
        self._make_key = cache.make_and_validate_key
        pool = self._client.connection_pool
        # A connection of our own, with the cache's options, that fails instead of retrying: a lost
        # subscription must be noticed, and a retry would hide it.
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        options = pool.connection_kwargs
        self._connect_options = {
            **options,
            "retry": Retry(NoBackoff(), 0),
            "socket_timeout": min(options.get("socket_timeout") or READ_TIMEOUT, READ_TIMEOUT),
        }
        self._connection_class = pool.connection_class
        self._lock = threading.Lock()
        self._closed = False
        self._subscribing = False  # one subscription at a time: a second would hide what the first read
        self._failing = False  # warned already, until a subscription is confirmed
        self._connection: Any = None
        self._subscribed = False  # this connection has confirmed its subscription
        self._pings: deque[float] = deque()  # when the pings not answered yet were sent
        self._last_ping = -math.inf
        self._answered = -math.inf  # when the last answered ping was sent
        self._subscribe_after = 0.0
        self._live: dict[str, None] = {}  # sessions read live, none of them announced since
        self._news = 0  # announcements received, and subscriptions lost

    def end(self, keys: Mapping[str, str], timeout: int, complete_key: str | None = None) -> None:
        """Writes the cache entries of ended sessions (cache key: session id) and announces the sessions.

        With `complete_key` (the cache has just been filled again from the database), also writes that
        key, with no expiry, and tells every process to forget all it remembers: what a process read
        from a cache that had lost entries is not to be trusted. One MULTI/EXEC: if Redis refuses any of
        it (a connection lost, an ACL), nothing is written.
        """
        value = self._dump(1)
        with self._client.pipeline(transaction=True) as pipe:
            for key in keys:
                pipe.set(self._make_key(key), value, ex=timeout)
            for sid in keys.values():
                pipe.publish(self.name, sid)
            if complete_key is not None:
                pipe.set(self._make_key(complete_key), value)
                pipe.publish(self.name, FORGET_ALL)
            pipe.execute()
        # This process knows at once, without waiting to read its own announcement back.
        with self._lock:
            for sid in [FORGET_ALL] if complete_key is not None else keys.values():
                self._forget(sid)

    def known_live(self, sid: str, subscribe: bool = True) -> bool:
        """Whether `sid` was read live from the cache and has not been announced ended since.

        Without a subscription, starts one unless `subscribe` is False (connecting waits on the network,
        which an event loop must not).
        """
        with self._lock:
            now = time.monotonic()
            if self._connection is not None:
                self._poll(now)
                return self._trusted(now) and sid in self._live
            if not subscribe or now < self._subscribe_after or self._subscribing:
                return False
            self._subscribing = True  # the other threads go on meanwhile
        try:
            self._subscribe()  # outside the lock: connecting may take up to socket_connect_timeout
        finally:
            with self._lock:
                self._subscribing = False
        return False

    def ticket(self) -> int | None:
        """Taken before reading the cache; None while the subscription cannot be trusted."""
        with self._lock:
            return self._news if self._trusted(time.monotonic()) else None

    def remember_live(self, sid: str, ticket: int | None) -> None:
        """Remembers `sid`, read live from the cache after `ticket` was taken, if nothing happened since."""
        if ticket is None:
            return
        with self._lock:
            if self._connection is not None:
                self._poll(time.monotonic())
            if self._news != ticket:
                return
            if len(self._live) >= REMEMBERED_AT_MOST:
                self._live.clear()
            self._live[sid] = None

    def close(self) -> None:
        """Ends the subscription."""
        with self._lock:
            self._closed = True
            if self._connection is not None:
                self._connection.disconnect()
            self._connection = None

    def _trusted(self, now: float) -> bool:
        return self._connection is not None and self._subscribed and now - self._answered <= TRUSTED_FOR

    def _subscribe(self) -> None:
        connection = self._connection_class(**self._connect_options)
        try:
            connection.connect()
            connection.send_command("SUBSCRIBE", self.name, check_health=False)
            sent = time.monotonic()
            connection.send_command("PING", PING, check_health=False)
        except BaseException as e:
            connection.disconnect()
            with self._lock:
                self._subscribe_after = time.monotonic() + RESUBSCRIBE_AFTER
                self._warn("Cannot subscribe to the ended sessions' channel (%s).", e)
            if not isinstance(e, Exception):
                raise
            return
        with self._lock:
            if self._closed or self._connection is not None:
                connection.disconnect()
                return
            self._connection = connection
            self._subscribed = False
            self._pings = deque([sent])
            self._last_ping = sent
            self._answered = -math.inf

    def _poll(self, now: float) -> None:
        """Reads what Redis has sent, without waiting, and pings when due. Called with the lock held."""
        connection = self._connection
        try:
            # redis-py closes a connection on any error it re-raises, and would quietly open a new one
            # (never subscribed) on the next read: a closed connection is a lost subscription.
            if connection._sock is None:
                raise _Lost("closed")
            while connection.can_read(timeout=0):
                self._receive(connection.read_response(push_request=True), getattr(connection, "protocol", 2))
            if self._pings and now - self._pings[0] > SILENT_FOR:
                raise _Lost("silent")
            if now - self._last_ping >= PING_EVERY:
                connection.send_command("PING", PING, check_health=False)
                self._pings.append(now)
                self._last_ping = now
        except BaseException as e:  # redis-py's errors, the socket's, or an interruption
            self._lose(now, e)
            if not isinstance(e, Exception):
                raise

    def _receive(self, message: Any, protocol: Any) -> None:
        if isinstance(message, list) and len(message) >= 2:
            kind = _text(message[0])
            if kind == "message" and len(message) == 3:
                self._forget(_text(message[2]))
            elif kind == "subscribe" and _text(message[1]) == self.name:
                self._subscribed = True
                self._failing = False
            elif kind == "pong" and _text(message[1]) == PING:  # RESP2's answer on a subscribed connection
                self._answered_ping()
        elif str(protocol) == "3" and _text(message) == PING:  # RESP3 answers as on any connection
            self._answered_ping()

    def _forget(self, sid: str) -> None:
        """An announced session (or FORGET_ALL): no longer known live. Called with the lock held."""
        if sid == FORGET_ALL:
            self._live.clear()
        else:
            self._live.pop(sid, None)
        self._news += 1

    def _answered_ping(self) -> None:
        if self._pings:
            self._answered = self._pings.popleft()

    def _lose(self, now: float, error: BaseException) -> None:
        self._connection.disconnect()
        self._connection = None
        self._subscribed = False
        self._pings.clear()
        self._answered = -math.inf
        self._live.clear()
        self._news += 1
        self._subscribe_after = now + RESUBSCRIBE_AFTER
        self._warn("Lost the ended sessions' channel (%s).", error)

    def _warn(self, message: str, error: BaseException) -> None:
        """Warns once until a subscription is confirmed again (else once a second), with the lock held."""
        level = logging.DEBUG if self._failing else logging.WARNING
        self._failing = True
        logger.log(level, message + " Every request reads the revocation cache until it is back.", type(error).__name__)


def _redis_py_reads_push_replies() -> bool:
    import redis

    return int(redis.__version__.split(".")[0]) >= 5  # read_response(push_request=...) came with RESP3


def _has_channel(cache: BaseCache) -> bool:
    from django.core.cache.backends.redis import RedisCache

    # Exactly Django's class: a subclass may store or read entries otherwise.
    return type(cache) is RedisCache and len(cache._servers) == 1 and _redis_py_reads_push_replies()  # type: ignore[attr-defined]


# By cache alias, until the settings change; None for a cache without a channel. Emptied in a forked
# child: the channels it inherited (their sockets above all) belong to the parent.
_channels: dict[str, Channel | None] = {}
_channels_lock = threading.Lock()


def channel_for(alias: str, cache: BaseCache) -> Channel | None:
    """This process's channel for the cache `alias`; None unless it is Django's RedisCache on one server."""
    try:
        return _channels[alias]
    except KeyError:
        pass
    with _channels_lock:
        if alias not in _channels:
            _channels[alias] = Channel(cache) if _has_channel(cache) else None
        return _channels[alias]


def _forget_channels(*, setting: str, **kwargs: Any) -> None:
    if setting in ("CACHES", "NINJA_SIMPLE_JWT"):
        with _channels_lock:
            for channel in _channels.values():
                if channel is not None:
                    channel.close()
            _channels.clear()


def _after_fork() -> None:
    # A fork may happen while another thread holds the lock; the inherited channels are not closed, as
    # closing would shut the parent's sockets.
    global _channels_lock
    _channels_lock = threading.Lock()
    _channels.clear()


setting_changed.connect(_forget_channels)
os.register_at_fork(after_in_child=_after_fork)
