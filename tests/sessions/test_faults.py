"""Parts that fail: a refresh that fails half-way, the database down or not migrated, a revocation cache
that forgets, and the audit signals every session start and end sends (SQLite and PostgreSQL + Redis)."""

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.core.cache import caches
from django.db import OperationalError, connection, transaction
from django.test import Client

from ninja_simple_jwt import signals
from ninja_simple_jwt.exceptions import EncodeError
from ninja_simple_jwt.jwt.token_operations import TokenTypes, decode_token
from ninja_simple_jwt.sessions import service
from ninja_simple_jwt.sessions.models import EndReason, JwtSession
from ninja_simple_jwt.sessions.revocation import COMPLETE_KEY, KEY_PREFIX
from tests.sessions.test_sessions import (
    CREDENTIALS,
    ME,
    MOBILE_REFRESH,
    MOBILE_SIGN_IN,
    MOBILE_SIGN_OUT,
    SESSIONS,
    WEB_REFRESH,
    WEB_SIGN_IN,
    WEB_SIGN_OUT,
    bearer,
    post,
    refresh,
    session_of,
    sign_in,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("keys")]


@pytest.fixture
def rotate(settings: Any) -> None:
    settings.NINJA_SIMPLE_JWT = {"JWT_ROTATE_REFRESH_TOKENS": True}


@pytest.fixture
def revoke(settings: Any) -> None:
    settings.NINJA_SIMPLE_JWT = {"JWT_REVOKE_ACCESS_TOKENS": True}


@pytest.mark.usefixtures("rotate")
class TestRotationIsOneUnit:
    @pytest.mark.parametrize("failing", ["signature", "claims"])
    def test_a_refresh_that_fails_after_the_update_commits_nothing(
        self, client: Client, user: Any, monkeypatch: pytest.MonkeyPatch, failing: str
    ) -> None:
        tokens = sign_in(client)
        before = session_of(tokens["refresh"])
        encode, payload = service.encode_token, service._payload

        def fail_signing(claims: Any, token_type: TokenTypes, *args: Any) -> Any:
            if token_type is TokenTypes.ACCESS:  # the refresh token was signed before the update
                raise EncodeError("the token could not be signed")
            return encode(claims, token_type, *args)

        def fail_claims(user: Any, sid: str) -> Any:
            raise AttributeError("'User' object has no attribute 'emial'")

        if failing == "signature":
            monkeypatch.setattr(service, "encode_token", fail_signing)
        else:
            monkeypatch.setattr(service, "_payload", fail_claims)
        with pytest.raises((EncodeError, AttributeError)):
            service.refresh_session(tokens["refresh"])
        after = session_of(tokens["refresh"])
        assert (after.refresh_jti, after.previous_jti, after.rotated_at, after.expires_at) == (
            before.refresh_jti,
            before.previous_jti,
            before.rotated_at,
            before.expires_at,
        )
        # Fixed (or the failure was passing): the token the client still holds goes on, as the current one.
        monkeypatch.setattr(service, "encode_token", encode)
        monkeypatch.setattr(service, "_payload", payload)
        again = refresh(client, tokens["refresh"])
        assert again.status_code == 200 and "refresh" in again.json()
        assert session_of(tokens["refresh"]).revoked_at is None


def fail_every_query(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
    raise OperationalError('connection to server at "127.0.0.1", port 5432 failed: Connection refused')


@contextmanager
def database_down() -> Iterator[None]:
    with connection.execute_wrapper(fail_every_query):
        yield


@contextmanager
def sessions_table_missing() -> Iterator[None]:
    """As before `manage.py migrate`: the table renamed away (inside a savepoint the caller rolls back)."""
    table = JwtSession._meta.db_table
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {quote(table)} RENAME TO {quote(table + '_away')}")
    yield


def every_endpoint(tokens: dict[str, str], web: Client) -> dict[str, Callable[[Client], Any]]:
    access = bearer(tokens["access"])
    sid = session_of(tokens["refresh"]).id.hex  # read now: the route, not this test, must meet the fault
    return {
        "mobile sign-in": lambda c: post(c, MOBILE_SIGN_IN, CREDENTIALS),
        "web sign-in": lambda c: post(c, WEB_SIGN_IN, CREDENTIALS),
        "mobile refresh": lambda c: refresh(c, tokens["refresh"]),
        "web refresh": lambda c: web.post(WEB_REFRESH),
        "mobile sign-out": lambda c: post(c, MOBILE_SIGN_OUT, {"refresh": tokens["refresh"]}),
        "web sign-out": lambda c: web.post(WEB_SIGN_OUT),
        "session list": lambda c: c.get(SESSIONS, **access),
        "end a session": lambda c: c.delete(SESSIONS + sid, **access),
        "end every session": lambda c: c.post(SESSIONS + "revoke-all", **access),
    }


@pytest.mark.usefixtures("rotate")
@pytest.mark.parametrize(
    ("fault", "logged"),
    [(database_down, "Cannot use the database (OperationalError: connection to server"), (sessions_table_missing, "")],
)
def test_every_endpoint_answers_503_when_the_database_cannot_be_used(
    client: Client, user: Any, caplog: pytest.LogCaptureFixture, fault: Any, logged: str
) -> None:
    tokens = sign_in(client)
    web = Client()
    post(web, WEB_SIGN_IN, CREDENTIALS)
    logged = logged or f"The database has no table {JwtSession._meta.db_table}: run manage.py migrate."
    endpoints = every_endpoint(tokens, web)
    with caplog.at_level(logging.ERROR, "ninja_simple_jwt"):
        for name, call in endpoints.items():
            caplog.clear()
            # A savepoint each, rolled back, as each request would have its own transaction: the test
            # runs in one, and the fault goes with the savepoint.
            with transaction.atomic():
                with fault():
                    response = call(Client())
                transaction.set_rollback(True)
            assert response.status_code == 503, (name, response.content)
            assert response["Retry-After"] == "30", name
            assert response.json() == {
                "detail": "Authentication is unavailable: the server cannot use its database. Try again later."
            }, name
            assert [r.getMessage() for r in caplog.records if r.name == "ninja_simple_jwt"][-1].startswith(logged), name
            for token in tokens.values():
                assert token not in caplog.text and token not in response.content.decode()
    with transaction.atomic():
        with fault():
            # A protected route that reads no database keeps working.
            assert client.get(ME, **bearer(tokens["access"])).status_code == 200
        transaction.set_rollback(True)


def test_a_route_that_loads_the_user_answers_503_when_the_database_is_down(client: Client, user: Any) -> None:
    tokens = sign_in(client)
    with database_down():
        response = client.get("/api/from-db/me", **bearer(tokens["access"]))
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "database" in response.json()["detail"]


@pytest.mark.usefixtures("revoke")
class TestACacheThatForgets:
    def test_an_ended_session_stays_refused_after_the_cache_is_emptied(
        self, client: Client, user: Any, caplog: pytest.LogCaptureFixture
    ) -> None:
        ended, live = sign_in(client), sign_in(client)
        assert post(client, MOBILE_SIGN_OUT, {"refresh": ended["refresh"]}).status_code == 204
        assert client.get(ME, **bearer(ended["access"])).status_code == 401
        caches["default"].clear()  # a Redis restarted without persistence, a FLUSHDB
        with caplog.at_level(logging.WARNING, "ninja_simple_jwt"):
            assert client.get(ME, **bearer(ended["access"])).status_code == 401
        assert "filled it from the database with 1 ended sessions" in caplog.text
        # Filled again: the next checks read the cache only.
        cache = caches["default"]
        assert cache.get(COMPLETE_KEY) is not None
        assert cache.get(KEY_PREFIX + session_of(ended["refresh"]).id.hex) is not None
        with database_down():
            assert client.get(ME, **bearer(ended["access"])).status_code == 401
            assert client.get(ME, **bearer(live["access"])).status_code == 200

    def test_a_password_change_stays_refused_after_the_cache_is_emptied(self, client: Client, user: Any) -> None:
        tokens = sign_in(client)
        user.set_password("another password entirely")
        user.save()
        caches["default"].clear()
        assert client.get(ME, **bearer(tokens["access"])).status_code == 401

    def test_with_the_database_down_too_an_emptied_cache_is_503(self, client: Client, user: Any) -> None:
        tokens = sign_in(client)
        caches["default"].clear()
        with database_down():
            assert client.get(ME, **bearer(tokens["access"])).status_code == 503
        assert client.get(ME, **bearer(tokens["access"])).status_code == 200


class TestAuditSignals:
    @pytest.fixture
    def received(self) -> Iterator[list[tuple[str, dict[str, Any]]]]:
        got: list[tuple[str, dict[str, Any]]] = []
        receivers = {}
        for name in ("session_started", "session_ended", "refresh_token_reused"):

            def receiver(sender: Any, name: str = name, **kwargs: Any) -> None:
                kwargs.pop("signal")
                got.append((name, {"sender": sender, **kwargs}))

            receivers[name] = receiver
            getattr(signals, name).connect(receiver)
        yield got
        for name, receiver in receivers.items():
            getattr(signals, name).disconnect(receiver)

    def test_a_sign_in_starts_and_a_sign_out_ends(
        self, client: Client, user: Any, received: list[tuple[str, dict[str, Any]]]
    ) -> None:
        tokens = sign_in(client)
        sid = decode_token(tokens["refresh"], None)["sid"]
        [(name, kwargs)] = received
        assert name == "session_started"
        assert kwargs["user"] == user and kwargs["session_id"] == sid and kwargs["request"].path == MOBILE_SIGN_IN
        assert kwargs["sender"] is JwtSession
        post(client, MOBILE_SIGN_OUT, {"refresh": tokens["refresh"]})
        assert received[1] == (
            "session_ended",
            {"sender": JwtSession, "user_id": user.pk, "session_id": sid, "reason": EndReason.SIGN_OUT},
        )

    def test_every_way_of_ending_a_session_says_why(
        self, client: Client, user: Any, received: list[tuple[str, dict[str, Any]]]
    ) -> None:
        ways: list[tuple[EndReason, Callable[[dict[str, str], dict[str, str]], Any]]] = [
            (EndReason.SIGN_OUT, lambda t, o: post(client, MOBILE_SIGN_OUT, {"refresh": t["refresh"]})),
            (
                EndReason.ENDED_BY_USER,
                lambda t, o: client.delete(SESSIONS + session_of(t["refresh"]).id.hex, **bearer(o["access"])),
            ),
            (EndReason.REVOKE_ALL, lambda t, o: client.post(SESSIONS + "revoke-all", **bearer(t["access"]))),
            (EndReason.PASSWORD_CHANGE, lambda t, o: (user.set_password("another password 1"), user.save())),
            (EndReason.USER_DEACTIVATED, lambda t, o: (setattr(user, "is_active", False), user.save())),
            (EndReason.ADMIN, lambda t, o: service.end_session(session_of(t["refresh"]).id, EndReason.ADMIN)),
        ]
        for reason, end in ways:
            user.is_active = True
            user.set_password(CREDENTIALS["password"])
            user.save()
            tokens, other = sign_in(client), sign_in(client)
            received.clear()
            end(tokens, other)
            ended = {kwargs["session_id"]: kwargs["reason"] for name, kwargs in received if name == "session_ended"}
            assert ended.get(decode_token(tokens["refresh"], None)["sid"]) == reason, reason
        received.clear()
        tokens = sign_in(client)
        user.delete()
        assert ("session_ended", EndReason.USER_DELETED) in [(n, k.get("reason")) for n, k in received]

    def test_a_reused_refresh_token_is_the_theft_signal(
        self, client: Client, user: Any, settings: Any, received: list[tuple[str, dict[str, Any]]]
    ) -> None:
        settings.NINJA_SIMPLE_JWT = {"JWT_ROTATE_REFRESH_TOKENS": True, "JWT_REFRESH_REUSE_GRACE": 0}
        tokens = sign_in(client)
        sid = decode_token(tokens["refresh"], None)["sid"]
        refresh(client, tokens["refresh"])
        received.clear()
        assert refresh(client, tokens["refresh"]).status_code == 401
        names = [name for name, _ in received]
        assert names == ["session_ended", "refresh_token_reused"]
        kwargs = received[1][1]
        assert kwargs["user_id"] == user.pk and kwargs["session_id"] == sid
        assert kwargs["request"].path == MOBILE_REFRESH
        for _, kwargs in received:
            for value in kwargs.values():
                assert not (isinstance(value, str) and value.count(".") == 2), "a token in a signal"
