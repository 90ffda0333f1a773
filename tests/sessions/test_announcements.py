"""The ended sessions' channel on Redis: a session already read live costs no round trip, and no
announcement, lost subscription or silent one lets an ended session's access token through.

These tests start their own Redis server, on SQLite as on PostgreSQL.
"""

import os
import time
import warnings
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from django.core.cache import caches
from django.test import Client

from ninja_simple_jwt.sessions import announcements
from ninja_simple_jwt.sessions.announcements import channel_for
from ninja_simple_jwt.sessions.revocation import KEY_PREFIX, revoke_access_tokens
from tests import services
from tests.sessions.test_sessions import ME, MOBILE_SIGN_OUT, bearer, post, session_of, sign_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("keys")]


@pytest.fixture(scope="module")
def redis_port() -> Iterator[int]:
    port = services.free_port()
    with services.redis(port):
        yield port


def redis_cache(port: int, protocol: int = 3) -> dict[str, Any]:
    return {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": f"redis://127.0.0.1:{port}/0",
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1, "protocol": protocol},
    }


@pytest.fixture(params=[2, 3], ids=["RESP2", "RESP3"])
def on_redis(request: Any, settings: Any, redis_port: int) -> Iterator[redis.Redis]:
    """Access revocation through the cache alias "revocation", on the module's Redis; a client of it.

    In both protocols: they differ in how a subscribed connection answers a ping."""
    settings.CACHES = {**settings.CACHES, "revocation": redis_cache(redis_port, request.param)}
    settings.NINJA_SIMPLE_JWT = {"JWT_REVOKE_ACCESS_TOKENS": True, "JWT_REVOCATION_CACHE": "revocation"}
    client = redis.Redis(port=redis_port)
    client.flushall()
    yield client
    client.close()


@pytest.fixture(autouse=True)
def _trust_through_stalls(monkeypatch: pytest.MonkeyPatch) -> None:
    # A subscription is trusted while a ping sent less than TRUSTED_FOR (0.3 s) ago has been answered: a
    # test process that a loaded machine stalls for longer between two requests sees its own memory
    # distrusted, and reads the cache. These tests are about what is remembered and forgotten, not about
    # the length of the window: 3 s, still below SILENT_FOR, which the silent subscription test needs.
    monkeypatch.setattr(announcements, "TRUSTED_FOR", 3.0)
    assert announcements.TRUSTED_FOR < announcements.SILENT_FOR


def read_live(client: Client, access: str, redis_client: redis.Redis) -> None:
    """Sends requests with `access` until one costs no GET: the session is then remembered."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        before = services.redis_calls(redis_client)
        assert client.get(ME, **bearer(access)).status_code == 200
        if services.redis_calls(redis_client) == before:
            return
        time.sleep(0.01)  # for the subscription's first answer
    raise AssertionError("every request read the cache")


def trusted_ticket(channel: announcements.Channel, other_than: int | None = None) -> int:
    """Polls the channel (it checks a made-up session) until it hands out a ticket, other than `other_than`."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        channel.known_live("-")  # reads what Redis has sent, and pings when due
        ticket = channel.ticket()
        if ticket is not None and ticket != other_than:
            return ticket
        time.sleep(0.01)
    raise AssertionError("the subscription never answered")


def end_without_announcing(access_sid: str) -> None:
    """What another host's write looks like when its announcement is lost: the cache entry alone."""
    caches["revocation"].set(KEY_PREFIX + access_sid, 1, timeout=60)


def test_a_session_read_live_costs_no_round_trip(client: Client, user: Any, on_redis: redis.Redis) -> None:
    tokens = sign_in(client)
    # Pings counted from before the subscription: none of this channel's is still on its way to Redis.
    pings = services.redis_calls(on_redis, "ping")
    start = time.monotonic()
    read_live(client, tokens["access"], on_redis)
    before = services.redis_calls(on_redis)
    for _ in range(20):
        assert client.get(ME, **bearer(tokens["access"])).status_code == 200
    assert services.redis_calls(on_redis) == before
    # And the pings that keep the subscription trusted go at most every PING_EVERY, not with each request.
    most = (time.monotonic() - start) / announcements.PING_EVERY + 1
    assert services.redis_calls(on_redis, "ping") - pings <= most


def test_an_ended_session_is_refused_at_once_though_it_was_read_live(
    client: Client, user: Any, on_redis: redis.Redis
) -> None:
    tokens, other = sign_in(client), sign_in(client)
    read_live(client, tokens["access"], on_redis)
    read_live(client, other["access"], on_redis)
    assert post(client, MOBILE_SIGN_OUT, {"refresh": tokens["refresh"]}).status_code == 204
    assert client.get(ME, **bearer(tokens["access"])).status_code == 401
    assert client.get(ME, **bearer(other["access"])).status_code == 200


def test_the_process_that_ends_a_session_knows_without_reading_its_announcement(
    client: Client, user: Any, on_redis: redis.Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    tokens = sign_in(client)
    read_live(client, tokens["access"], on_redis)
    receive = announcements.Channel._receive

    def deaf(self: announcements.Channel, message: Any, protocol: Any) -> None:
        if isinstance(message, list) and len(message) == 3 and announcements._text(message[0]) == "message":
            return  # the announcement never comes back to this process; pings still do
        receive(self, message, protocol)

    monkeypatch.setattr(announcements.Channel, "_receive", deaf)
    assert post(client, MOBILE_SIGN_OUT, {"refresh": tokens["refresh"]}).status_code == 204
    assert client.get(ME, **bearer(tokens["access"])).status_code == 401


def test_a_lost_subscription_reads_the_cache_again(
    client: Client, user: Any, on_redis: redis.Redis, caplog: Any
) -> None:
    tokens = sign_in(client)
    read_live(client, tokens["access"], on_redis)
    assert on_redis.client_kill_filter(_type="pubsub") == 1
    end_without_announcing(session_of(tokens["refresh"]).id.hex)
    assert client.get(ME, **bearer(tokens["access"])).status_code == 401
    assert "Lost the ended sessions' channel (ConnectionError)" in caplog.text
    # A new subscription is made: sessions are remembered again, but none from before the loss.
    fresh = sign_in(client)
    time.sleep(announcements.RESUBSCRIBE_AFTER)
    read_live(client, fresh["access"], on_redis)
    assert client.get(ME, **bearer(tokens["access"])).status_code == 401


def test_a_silent_subscription_is_not_trusted(
    client: Client, user: Any, on_redis: redis.Redis, monkeypatch: Any
) -> None:
    tokens = sign_in(client)
    read_live(client, tokens["access"], on_redis)
    end_without_announcing(session_of(tokens["refresh"]).id.hex)
    # Every ping answered so far was sent longer than TRUSTED_FOR ago, as if the link had stalled since:
    # whatever answers arrive now, they do not vouch for the last TRUSTED_FOR.
    later = time.monotonic() + announcements.TRUSTED_FOR + 0.05
    monkeypatch.setattr(announcements.time, "monotonic", lambda: later)
    assert client.get(ME, **bearer(tokens["access"])).status_code == 401


def test_a_connection_closed_under_it_is_a_lost_subscription(client: Client, user: Any, on_redis: redis.Redis) -> None:
    """redis-py closes a connection on an error it re-raises (an interruption, a gevent timeout), and its
    next read would quietly open a new one that never subscribed: that must not be trusted."""
    tokens = sign_in(client)
    read_live(client, tokens["access"], on_redis)
    channel = channel_for("revocation", caches["revocation"])
    assert channel is not None
    channel._connection.disconnect()
    end_without_announcing(session_of(tokens["refresh"]).id.hex)
    for _ in range(3):
        assert client.get(ME, **bearer(tokens["access"])).status_code == 401
        time.sleep(announcements.RESUBSCRIBE_AFTER / 2)


def test_an_announcement_during_the_read_is_not_overtaken(user: Any, on_redis: redis.Redis) -> None:
    channel = channel_for("revocation", caches["revocation"])
    assert channel is not None
    sid = "0" * 32
    ticket = trusted_ticket(channel)
    # Between the ticket and the cache's answer, another host ends the session: its announcement has
    # arrived (the tickets moved on) when the answer comes to be remembered.
    revoke_access_tokens([sid])
    later = trusted_ticket(channel, other_than=ticket)
    channel.remember_live(sid, ticket)
    assert not channel.known_live(sid)
    channel.remember_live(sid, later)
    assert channel.known_live(sid)


def test_redis_stopped_is_503_though_the_session_was_read_live(client: Client, user: Any, settings: Any) -> None:
    port = services.free_port()
    with services.redis(port):
        settings.CACHES = {**settings.CACHES, "revocation": redis_cache(port)}
        settings.NINJA_SIMPLE_JWT = {"JWT_REVOKE_ACCESS_TOKENS": True, "JWT_REVOCATION_CACHE": "revocation"}
        tokens = sign_in(client)
        with redis.Redis(port=port) as redis_client:
            read_live(client, tokens["access"], redis_client)
    response = client.get(ME, **bearer(tokens["access"]))
    assert response.status_code == 503
    assert response["Retry-After"] == "30"


def test_other_caches_have_no_channel(settings: Any) -> None:
    settings.CACHES = {**settings.CACHES, "local": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert channel_for("local", caches["local"]) is None


def test_an_end_that_cannot_be_announced_is_503_and_ends_nothing(
    client: Client, user: Any, settings: Any, redis_port: int
) -> None:
    with redis.Redis(port=redis_port) as admin:
        admin.flushall()
        admin.acl_setuser(
            "no-publish",
            enabled=True,
            passwords=["+secret-pw"],
            keys=["*"],
            channels=["*"],
            commands=["+@all", "-publish"],
        )
        try:
            cache = redis_cache(redis_port)
            cache["LOCATION"] = f"redis://no-publish:secret-pw@127.0.0.1:{redis_port}/0"
            settings.CACHES = {**settings.CACHES, "revocation": cache}
            settings.NINJA_SIMPLE_JWT = {"JWT_REVOKE_ACCESS_TOKENS": True, "JWT_REVOCATION_CACHE": "revocation"}
            tokens = sign_in(client)
            assert post(client, MOBILE_SIGN_OUT, {"refresh": tokens["refresh"]}).status_code == 503
            assert session_of(tokens["refresh"]).revoked_at is None
            # Nothing was written either: the session goes on as before.
            assert admin.keys("*ended-session*") == []
            assert client.get(ME, **bearer(tokens["access"])).status_code == 200
        finally:
            admin.acl_deluser("no-publish")


def test_with_replicas_every_check_reads_the_cache(settings: Any, redis_port: int) -> None:
    """A read may come from a replica that is behind: nothing read there may be remembered."""
    url = f"redis://127.0.0.1:{redis_port}/0"
    settings.CACHES = {**settings.CACHES, "replicas": {**redis_cache(redis_port), "LOCATION": [url, url]}}
    assert channel_for("replicas", caches["replicas"]) is None


def test_without_the_right_to_subscribe_every_check_reads_the_cache(
    client: Client, user: Any, settings: Any, redis_port: int, caplog: Any
) -> None:
    with redis.Redis(port=redis_port) as admin:
        admin.acl_setuser(
            "no-subscribe", enabled=True, passwords=["+secret-pw"], keys=["*"], commands=["+@all", "-subscribe"]
        )
        try:
            cache = redis_cache(redis_port)
            cache["LOCATION"] = f"redis://no-subscribe:secret-pw@127.0.0.1:{redis_port}/0"
            settings.CACHES = {**settings.CACHES, "revocation": cache}
            settings.NINJA_SIMPLE_JWT = {"JWT_REVOKE_ACCESS_TOKENS": True, "JWT_REVOCATION_CACHE": "revocation"}
            tokens = sign_in(client)
            before = services.redis_calls(admin)
            for _ in range(10):
                assert client.get(ME, **bearer(tokens["access"])).status_code == 200
                time.sleep(0.02)
            assert services.redis_calls(admin) - before == 10
            assert "Lost the ended sessions' channel (NoPermissionError)" in caplog.text
        finally:
            admin.acl_deluser("no-subscribe")


def test_a_second_subscription_does_not_replace_the_first(user: Any, on_redis: redis.Redis) -> None:
    """Replacing it would drop what the first had received and not yet read."""
    channel = channel_for("revocation", caches["revocation"])
    assert channel is not None
    trusted_ticket(channel)
    first = channel._connection
    assert first is not None
    channel._subscribe()  # as a second thread would, had the first connect taken long
    assert channel._connection is first
    deadline = time.monotonic() + 30
    while (
        time.monotonic() < deadline
    ):  # Redis notices closed connections (this test's, the previous test's) in its loop
        if on_redis.pubsub_numsub(channel.name) == [(channel.name.encode(), 1)]:
            break
        time.sleep(0.01)
    assert on_redis.pubsub_numsub(channel.name) == [(channel.name.encode(), 1)]


def test_a_forked_worker_makes_a_channel_of_its_own(user: Any, on_redis: redis.Redis) -> None:
    """The parent's subscription socket is not the child's to read, nor to close."""
    channel = channel_for("revocation", caches["revocation"])
    assert channel is not None
    read, write = os.pipe()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # Python 3.12+ on fork() with threads running
        pid = os.fork()
    if pid == 0:
        try:
            child = channel_for("revocation", caches["revocation"])
            os.write(write, b"1" if child is not None and child is not channel else b"0")
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
    assert os.read(read, 1) == b"1"
    assert channel_for("revocation", caches["revocation"]) is channel


def test_a_flushed_cache_filled_again_makes_every_worker_forget(
    client: Client, user: Any, on_redis: redis.Redis
) -> None:
    """A flush breaks no subscription: the refill after it is announced, and what was remembered goes."""
    tokens = sign_in(client)
    read_live(client, tokens["access"], on_redis)
    on_redis.flushall()
    # What another host's check does when it finds the cache emptied; then an end whose announcement
    # is lost: only a worker that forgot reads the cache again and sees it.
    other = sign_in(client)
    assert Client().get(ME, **bearer(other["access"])).status_code == 200  # fills the cache again
    end_without_announcing(session_of(tokens["refresh"]).id.hex)
    assert client.get(ME, **bearer(tokens["access"])).status_code == 401
