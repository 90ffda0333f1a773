"""The sign-in throttle on each shared cache it supports: guesses sent together from many threads cost at
most the limit in password checks on Redis and on the database cache (SQLite and PostgreSQL, with the
suite's database), and a stopped Redis is a 503. Also the check that needs rotation (the sessions app)."""

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from ninja_simple_jwt.checks import check_settings
from tests import services
from tests.conftest import PASSWORD
from tests.test_throttling import guess_together, password_checks, sign_in

__all__ = ["password_checks"]  # the fixture, used by name


@pytest.fixture(scope="module")
def redis_port() -> Iterator[int]:
    port = services.free_port()
    with services.redis(port):
        yield port


@pytest.fixture(params=["redis", "database"])
def throttle_cache(request: pytest.FixtureRequest, settings: Any, transactional_db: Any) -> str:
    if request.param == "redis":
        port = request.getfixturevalue("redis_port")
        cache = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": f"redis://127.0.0.1:{port}/0"}
    else:
        cache = {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "ninja_jwt_throttle"}
    settings.CACHES = {**settings.CACHES, "throttle": cache}
    if request.param == "database":
        call_command("createcachetable", "ninja_jwt_throttle")
    from django.core.cache import caches

    caches["throttle"].clear()
    settings.NINJA_SIMPLE_JWT = {"SIGN_IN_THROTTLE_CACHE": "throttle"}
    return str(request.param)


def test_guesses_sent_together_cost_at_most_the_limit(
    throttle_cache: str, user: Any, keys: Any, password_checks: list[str]
) -> None:
    statuses = guess_together(24, lambda i: sign_in(Client(), "wrong").status_code)
    assert sorted(statuses) == [401] * 10 + [429] * 14
    assert len(password_checks) == 10
    # Counted per address too: 50 at most from one address, whatever the usernames.
    password_checks.clear()
    statuses = guess_together(24, lambda i: sign_in(Client(), "x", username=f"u{i}").status_code)
    statuses += guess_together(30, lambda i: sign_in(Client(), "x", username=f"v{i}").status_code)
    assert statuses.count(401) == 40 and len(password_checks) == 40  # 10 already spent by alice's guesses


def test_a_success_gives_its_attempt_back(throttle_cache: str, user: Any, keys: Any) -> None:
    for _ in range(9):
        assert sign_in(Client(), "wrong").status_code == 401
    assert sign_in(Client(), PASSWORD).status_code == 200
    assert [sign_in(Client(), "wrong").status_code for _ in range(11)] == [401] * 10 + [429]


@pytest.mark.django_db
def test_a_stopped_redis_is_a_503(settings: Any, user: Any, keys: Any, caplog: pytest.LogCaptureFixture) -> None:
    port = services.free_port()
    location = f"redis://127.0.0.1:{port}/0"
    settings.CACHES = {
        **settings.CACHES,
        "throttle": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": location,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        },
    }
    settings.NINJA_SIMPLE_JWT = {"SIGN_IN_THROTTLE_CACHE": "throttle"}
    with services.redis(port):
        assert sign_in(Client(), PASSWORD).status_code == 200
    response = sign_in(Client(), PASSWORD)
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "the sign-in throttle's cache 'throttle' is unreachable (ConnectionError)" in caplog.text


@pytest.mark.django_db
def test_a_reuse_grace_as_long_as_the_refresh_lifetime_is_a_warning(settings: Any, keys: Any) -> None:
    settings.NINJA_SIMPLE_JWT = {
        "JWT_ROTATE_REFRESH_TOKENS": True,
        "JWT_REFRESH_TOKEN_LIFETIME": timedelta(days=1),
        "JWT_REFRESH_REUSE_GRACE": timedelta(days=1),
    }
    messages = check_settings()
    assert [m.id for m in messages] == ["ninja_simple_jwt.W050"]
    assert "a stolen one is never detected" in messages[0].msg
    settings.NINJA_SIMPLE_JWT = {**settings.NINJA_SIMPLE_JWT, "JWT_REFRESH_REUSE_GRACE": timedelta(hours=23)}
    assert check_settings() == []
