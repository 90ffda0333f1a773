"""Sign-in throttling at its edges: guesses that arrive together, a guesser locking a user out, the
throttle's cache down, and the audit signal of a refusal."""

import inspect
import json
import logging
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import caches
from django.db import connections
from django.test import Client, override_settings

from ninja_simple_jwt.auth.views import api
from ninja_simple_jwt.signals import sign_in_throttled
from tests import services
from tests.conftest import PASSWORD
from tests.servers import USER, demo_setup, example_env, gunicorn

MOBILE_SIGN_IN = "/api/auth/mobile/sign-in"
WEB_SIGN_IN = "/api/auth/web/sign-in"


def sign_in(client: Client, password: str, username: str = "alice", url: str = MOBILE_SIGN_IN, **extra: Any) -> Any:
    body = json.dumps({"username": username, "password": password})
    return client.post(url, data=body, content_type="application/json", **extra)


@pytest.fixture(autouse=True)
def _local_memory_cache(settings: Any) -> None:
    # The suite's default cache is file-based (shared by processes, as W040 asks), and its increments are
    # not atomic: the throttle needs one whose are (Redis, Memcached, the database, local memory).
    settings.CACHES = {**settings.CACHES, "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    caches["default"].clear()  # local memory outlives the settings: each test starts with no count


@pytest.fixture
def password_checks(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Counts the password checks; each takes 50 ms, as a real password hash does (the tests use MD5)."""
    checked: list[str] = []
    real = api.authenticate
    lock = threading.Lock()

    def slow_authenticate(request: Any, **credentials: Any) -> Any:
        with lock:
            checked.append(str(credentials.get("username")))
        threading.Event().wait(0.05)
        return real(request, **credentials)

    monkeypatch.setattr(api, "authenticate", slow_authenticate)
    yield checked


def close_thread_connections() -> None:
    """Closes the database connections of this thread, which the test client leaves open.

    Django ignores close() on an in-memory SQLite database, as closing its last connection would drop
    it: here the main thread's connection keeps it, so a thread's own is closed underneath. Left to the
    garbage collector, it would be closed whenever the thread's locals go, with a ResourceWarning
    (Python 3.13) in whatever test runs then.
    """
    for connection in connections.all(initialized_only=True):
        if connection.vendor == "sqlite" and connection.is_in_memory_db() and connection.connection is not None:
            connection.connection.close()
            connection.connection = None
        else:
            connection.close()


def guess_together(count: int, guess: Callable[[int], int]) -> list[int]:
    """`count` guesses sent at once from as many threads; their statuses."""
    barrier = threading.Barrier(count)

    def one(i: int) -> int:
        barrier.wait()
        try:
            return guess(i)
        finally:
            close_thread_connections()

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(one, range(count)))


@pytest.mark.django_db(transaction=True)
def test_guesses_sent_together_cost_at_most_the_limit_in_password_checks(
    user: Any, keys: Any, password_checks: list[str]
) -> None:
    statuses = guess_together(30, lambda i: sign_in(Client(), "wrong").status_code)
    assert sorted(statuses) == [401] * 10 + [429] * 20
    assert len(password_checks) == 10


class TestTargetedLockout:
    def test_a_device_that_signed_in_before_keeps_its_own_allowance(self, user: Any, keys: Any) -> None:
        own = Client()
        signed_in = sign_in(own, PASSWORD, url=WEB_SIGN_IN)
        assert signed_in.status_code == 200
        cookie = signed_in.cookies["sign_in_device"]
        assert cookie["httponly"] and cookie["path"] == WEB_SIGN_IN and cookie["samesite"] == "Strict"
        assert int(cookie["max-age"]) == 365 * 24 * 3600
        attacker = Client()
        for i in range(10):
            # From many addresses, so that only the username's count stops them.
            assert sign_in(attacker, "wrong", url=WEB_SIGN_IN, REMOTE_ADDR=f"10.3.0.{i}").status_code == 401
        assert sign_in(attacker, PASSWORD, url=WEB_SIGN_IN, REMOTE_ADDR="10.3.1.1").status_code == 429
        assert sign_in(Client(), PASSWORD, url=WEB_SIGN_IN).status_code == 429  # any unknown client
        # The known device still signs in, and mistyping there counts on its own allowance.
        assert sign_in(own, "wrong", url=WEB_SIGN_IN).status_code == 401
        assert sign_in(own, PASSWORD, url=WEB_SIGN_IN).status_code == 200

    def test_a_device_allowance_is_limited_too(self, user: Any, keys: Any) -> None:
        own = Client()
        assert sign_in(own, PASSWORD).status_code == 200  # mobile clients that keep cookies get one too
        assert [sign_in(own, "wrong", REMOTE_ADDR=f"10.4.0.{i}").status_code for i in range(11)] == [401] * 10 + [429]
        # ... and it does not spend the username's.
        assert sign_in(Client(), PASSWORD, REMOTE_ADDR="10.4.1.1").status_code == 200

    def test_a_device_cookie_serves_only_its_username(self, user: Any, keys: Any, django_user_model: Any) -> None:
        django_user_model.objects.create_user(username="bob", password=PASSWORD)
        own = Client()
        assert sign_in(own, PASSWORD, username="bob").status_code == 200
        for i in range(10):
            assert sign_in(Client(), "wrong", REMOTE_ADDR=f"10.5.0.{i}").status_code == 401
        assert sign_in(own, PASSWORD).status_code == 429

    @pytest.mark.parametrize("value", ["forged", "e30:1tIYxS:abc"])
    def test_a_forged_device_cookie_is_an_unknown_client(self, user: Any, keys: Any, value: str) -> None:
        for i in range(10):
            assert sign_in(Client(), "wrong", REMOTE_ADDR=f"10.6.0.{i}").status_code == 401
        forger = Client()
        forger.cookies["sign_in_device"] = value
        assert sign_in(forger, PASSWORD).status_code == 429

    def test_zero_turns_device_cookies_off(self, user: Any, keys: Any) -> None:
        with override_settings(NINJA_SIMPLE_JWT={"SIGN_IN_MAX_FAILURES_PER_DEVICE": 0}):
            assert "sign_in_device" not in sign_in(Client(), PASSWORD).cookies


@pytest.fixture
def cache_down(settings: Any) -> None:
    settings.CACHES = {**settings.CACHES, "down": {"BACKEND": "tests.helpers.UnreachableCache"}}


@pytest.mark.usefixtures("cache_down")
class TestThrottleCacheDown:
    @pytest.mark.parametrize("url", [MOBILE_SIGN_IN, WEB_SIGN_IN])
    def test_sign_in_is_refused_with_503(
        self, client: Client, user: Any, keys: Any, url: str, caplog: pytest.LogCaptureFixture
    ) -> None:
        with override_settings(NINJA_SIMPLE_JWT={"SIGN_IN_THROTTLE_CACHE": "down"}):
            response = sign_in(client, PASSWORD, url=url)
        assert response.status_code == 503
        assert response.json() == {"detail": "Sign-in is unavailable for a moment. Try again later."}
        assert int(response["Retry-After"]) > 0
        assert "Set-Cookie" not in response
        assert "the sign-in throttle's cache 'down' is unreachable (ConnectionError)" in caplog.text
        assert PASSWORD not in caplog.text

    def test_fail_open_lets_sign_in_through_with_a_warning(
        self, client: Client, user: Any, keys: Any, caplog: pytest.LogCaptureFixture
    ) -> None:
        config = {"SIGN_IN_THROTTLE_CACHE": "down", "SIGN_IN_THROTTLE_FAIL_OPEN": True}
        with override_settings(NINJA_SIMPLE_JWT=config), caplog.at_level(logging.WARNING, "ninja_simple_jwt"):
            assert sign_in(client, PASSWORD).status_code == 200
            assert sign_in(client, "wrong").status_code == 401
        warnings = [r for r in caplog.records if "Sign-in not throttled" in r.getMessage()]
        assert len(warnings) == 2 and warnings[0].levelno == logging.WARNING


def test_a_refusal_sends_sign_in_throttled(client: Client, user: Any, keys: Any) -> None:
    received: list[dict[str, Any]] = []

    def receiver(**kwargs: Any) -> None:
        received.append(kwargs)

    sign_in_throttled.connect(receiver)
    try:
        for _ in range(10):
            sign_in(client, "wrong", username="Alice")
        assert received == []
        sign_in(client, PASSWORD, username="Alice", url=WEB_SIGN_IN)
    finally:
        sign_in_throttled.disconnect(receiver)
    assert len(received) == 1
    assert received[0]["username"] == "Alice"
    assert received[0]["request"].path == WEB_SIGN_IN
    assert received[0]["sender"] is inspect.unwrap(api.web_sign_in)  # the view itself, under its decorators
    assert PASSWORD not in repr(received[0])


def test_successes_do_not_use_up_the_address(client: Client, user: Any, keys: Any) -> None:
    # Many people behind one address (an office, a carrier's NAT) sign in all day.
    for _ in range(55):
        assert sign_in(Client(), PASSWORD).status_code == 200
    assert sign_in(client, "wrong").status_code == 401


def test_an_attempt_the_server_cannot_answer_is_not_counted(client: Client, user: Any) -> None:
    # No keys: every right password is a 503, which must not count as a failure.
    assert {sign_in(client, PASSWORD).status_code for _ in range(12)} == {503}
    assert sign_in(client, "wrong").status_code == 401


@pytest.mark.system
def test_guesses_sent_together_to_workers_sharing_redis(tmp_path: Path) -> None:
    """The issue's case: gunicorn, several workers of several threads, Redis as the shared cache."""
    port = services.free_port()
    env = example_env(tmp_path, EXAMPLE_REDIS_URL=f"redis://127.0.0.1:{port}/0")
    demo_setup(sys.executable, tmp_path, env)  # SQLite: only the cache is shared here
    with services.redis(port), gunicorn(sys.executable, tmp_path, env, workers=2, threads=8) as server:
        guess = {"username": USER["username"], "password": "wrong"}
        # Each guess costs the server a real password hash: 20 keep a loaded machine under the client's timeout.
        statuses = guess_together(20, lambda i: server.request("POST", MOBILE_SIGN_IN, guess).status)
        assert sorted(statuses) == [401] * 10 + [429] * 10
        assert server.request("POST", MOBILE_SIGN_IN, USER).status == 429
        log = server.log.read_text()
    assert "Traceback" not in log and "Internal Server Error" not in log, log
