"""The sessions app: sessions started, rotated, reused, listed and ended (SQLite and PostgreSQL)."""

import json
import logging
import threading
from datetime import datetime, timedelta, timezone
from io import StringIO
from typing import Any

import jwt
import pytest
import time_machine
from django.core.management import call_command
from django.db import connections
from django.test import Client
from django.urls import reverse

from ninja_simple_jwt.jwt.token_operations import TokenTypes, decode_token, encode_token
from ninja_simple_jwt.sessions.models import EndReason, JwtSession
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("keys")]

MOBILE_SIGN_IN = "/api/auth/mobile/sign-in"
MOBILE_REFRESH = "/api/auth/mobile/token-refresh"
MOBILE_SIGN_OUT = "/api/auth/mobile/sign-out"
WEB_SIGN_IN = "/api/auth/web/sign-in"
WEB_REFRESH = "/api/auth/web/token-refresh"
WEB_SIGN_OUT = "/api/auth/web/sign-out"
SESSIONS = "/api/auth/sessions/"
ME = "/api/protected/me"
CREDENTIALS = {"username": "alice", "password": PASSWORD}
ROTATE = {"JWT_ROTATE_REFRESH_TOKENS": True}


def post(client: Client, url: str, body: Any = None, **extra: Any) -> Any:
    data = body if isinstance(body, str) or body is None else json.dumps(body)
    return client.post(url, data=data, content_type="application/json", **extra)


def sign_in(client: Client, user_agent: str = "test-agent/1") -> dict[str, str]:
    response = post(client, MOBILE_SIGN_IN, CREDENTIALS, HTTP_USER_AGENT=user_agent)
    assert response.status_code == 200
    body: dict[str, str] = response.json()
    return body


def refresh(client: Client, token: str) -> Any:
    return post(client, MOBILE_REFRESH, {"refresh": token})


def bearer(access: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {access}"}


def session_of(token: str) -> JwtSession:
    return JwtSession.objects.get(pk=decode_token(token, None)["sid"])


class TestSignIn:
    def test_starts_a_session_named_by_both_tokens(self, client: Client, user: Any) -> None:
        tokens = sign_in(client, "Mozilla/5.0 " + "x" * 400)
        refresh_claims = decode_token(tokens["refresh"], TokenTypes.REFRESH)
        access_claims = decode_token(tokens["access"], TokenTypes.ACCESS)
        assert refresh_claims["sid"] == access_claims["sid"]
        session = JwtSession.objects.get()
        assert session.id.hex == refresh_claims["sid"]
        assert session.user_id == user.id
        assert session.user_agent.startswith("Mozilla/5.0 ") and len(session.user_agent) == 256
        assert session.refresh_jti == refresh_claims["jti"]
        assert session.expires_at == datetime.fromtimestamp(refresh_claims["exp"], timezone.utc)
        assert session.revoked_at is None
        # No token is stored, only what recognises one.
        row = json.dumps(list(JwtSession.objects.values()), default=str)
        assert tokens["refresh"] not in row and tokens["access"] not in row

    def test_web_sign_in_starts_a_session_too(self, client: Client, user: Any) -> None:
        response = post(client, WEB_SIGN_IN, CREDENTIALS)
        assert response.status_code == 200
        assert session_of(response.cookies["refresh"].value).user_id == user.id

    def test_each_sign_in_is_a_session(self, client: Client, user: Any) -> None:
        sign_in(client)
        sign_in(client)
        assert JwtSession.objects.filter(user=user).count() == 2


class TestRefreshWithoutRotation:
    def test_gives_an_access_token_of_the_session_and_no_refresh_token(self, client: Client, user: Any) -> None:
        tokens = sign_in(client)
        before = session_of(tokens["refresh"]).last_used_at
        response = refresh(client, tokens["refresh"])
        assert response.status_code == 200
        assert set(response.json()) == {"access"}
        sid = decode_token(response.json()["access"], TokenTypes.ACCESS)["sid"]
        assert sid == decode_token(tokens["refresh"], TokenTypes.REFRESH)["sid"]
        assert session_of(tokens["refresh"]).last_used_at > before
        assert refresh(client, tokens["refresh"]).status_code == 200

    def test_a_token_of_no_session_is_401(self, client: Client, user: Any) -> None:
        # Issued before the app was installed: no sid.
        token, _ = encode_token({"user_id": user.id, "username": "alice"}, TokenTypes.REFRESH)
        assert refresh(client, token).status_code == 401
        forged_sid, _ = encode_token({"user_id": user.id, "sid": "not-a-uuid"}, TokenTypes.REFRESH)
        assert refresh(client, forged_sid).status_code == 401
        unknown_sid, _ = encode_token({"user_id": user.id, "sid": "0" * 32}, TokenTypes.REFRESH)
        assert refresh(client, unknown_sid).status_code == 401

    def test_bad_tokens_are_401_and_bodies_422(self, client: Client, user: Any) -> None:
        tokens = sign_in(client)
        assert refresh(client, tokens["access"]).status_code == 401
        assert refresh(client, "garbage").status_code == 401
        assert post(client, MOBILE_REFRESH, "{").status_code == 422
        assert post(client, MOBILE_REFRESH, {}).status_code == 422


@pytest.fixture
def rotate(settings: Any) -> None:
    settings.NINJA_SIMPLE_JWT = ROTATE


@pytest.mark.usefixtures("rotate")
class TestRotation:
    def test_mobile_refresh_returns_a_new_refresh_token_and_uses_up_the_old(self, client: Client, user: Any) -> None:
        tokens = sign_in(client)
        response = refresh(client, tokens["refresh"])
        assert response.status_code == 200
        body = response.json()
        assert set(body) == {"access", "refresh"}
        old, new = (decode_token(t, TokenTypes.REFRESH) for t in (tokens["refresh"], body["refresh"]))
        assert new["sid"] == old["sid"] and new["jti"] != old["jti"]
        session = session_of(body["refresh"])
        assert (session.refresh_jti, session.previous_jti) == (new["jti"], old["jti"])
        # The new one rotates in turn.
        again = refresh(client, body["refresh"])
        assert again.status_code == 200 and "refresh" in again.json()

    def test_web_refresh_sets_a_new_cookie_with_the_same_attributes(self, client: Client, user: Any) -> None:
        signed_in = post(client, WEB_SIGN_IN, CREDENTIALS).cookies["refresh"]
        response = client.post(WEB_REFRESH)
        assert response.status_code == 200
        rotated = response.cookies["refresh"]
        assert rotated.value != signed_in.value
        for attribute in ("path", "samesite", "secure", "httponly"):
            assert rotated[attribute] == signed_in[attribute], attribute
        assert session_of(rotated.value).refresh_jti == decode_token(rotated.value, None)["jti"]

    def test_reuse_within_the_grace_gets_the_same_successor(self, client: Client, user: Any) -> None:
        tokens = sign_in(client)
        rotated = refresh(client, tokens["refresh"]).json()["refresh"]
        retried = refresh(client, tokens["refresh"])
        assert retried.status_code == 200
        assert set(retried.json()) == {"access", "refresh"}
        again = decode_token(retried.json()["refresh"], None)
        first = decode_token(rotated, None)
        assert (again["jti"], again["sid"], again["exp"]) == (first["jti"], first["sid"], first["exp"])
        assert session_of(rotated).revoked_at is None
        assert refresh(client, rotated).status_code == 200

    def test_a_client_whose_answer_was_lost_goes_on_after_the_grace(self, client: Client, user: Any) -> None:
        tokens = sign_in(client)
        refresh(client, tokens["refresh"])  # rotated, but the answer never reached the client
        retried = refresh(client, tokens["refresh"]).json()
        with time_machine.travel(datetime.now(timezone.utc) + timedelta(seconds=60)):
            going_on = refresh(client, retried["refresh"])
            assert going_on.status_code == 200
            assert session_of(going_on.json()["refresh"]).revoked_at is None

    def test_a_web_retry_within_the_grace_sets_the_successor_cookie(self, user: Any) -> None:
        web = Client()
        post(web, WEB_SIGN_IN, CREDENTIALS)
        used_up = web.cookies["refresh"].value
        rotated = web.post(WEB_REFRESH).cookies["refresh"].value
        web.cookies["refresh"] = used_up  # the answer that set the new cookie was lost
        retried = web.post(WEB_REFRESH)
        assert retried.status_code == 200
        assert decode_token(retried.cookies["refresh"].value, None)["jti"] == decode_token(rotated, None)["jti"]

    def test_reuse_after_the_grace_ends_the_session(
        self, client: Client, user: Any, caplog: pytest.LogCaptureFixture
    ) -> None:
        tokens = sign_in(client)
        rotated = refresh(client, tokens["refresh"]).json()
        with time_machine.travel(datetime.now(timezone.utc) + timedelta(seconds=11)), caplog.at_level(logging.WARNING):
            response = refresh(client, tokens["refresh"])
            assert response.status_code == 401
            session = session_of(rotated["refresh"])
            assert session.revoked_reason == EndReason.REFRESH_REUSE and session.revoked_at is not None
            # The thief's and the victim's current tokens both stop working.
            assert refresh(client, rotated["refresh"]).status_code == 401
        warnings = [r for r in caplog.records if r.levelno == logging.WARNING and r.name == "ninja_simple_jwt"]
        assert len(warnings) == 1
        message = warnings[0].getMessage()
        assert session.id.hex in message and str(user.id) in message
        for token in (*tokens.values(), *rotated.values()):
            assert token not in caplog.text

    def test_the_grace_is_a_setting(self, client: Client, user: Any, settings: Any) -> None:
        settings.NINJA_SIMPLE_JWT = {**ROTATE, "JWT_REFRESH_REUSE_GRACE": timedelta(seconds=60)}
        tokens = sign_in(client)
        refresh(client, tokens["refresh"])
        with time_machine.travel(datetime.now(timezone.utc) + timedelta(seconds=30)):
            assert refresh(client, tokens["refresh"]).status_code == 200
        with time_machine.travel(datetime.now(timezone.utc) + timedelta(seconds=61)):
            assert refresh(client, tokens["refresh"]).status_code == 401

    def test_the_session_expires_with_the_new_refresh_token(self, client: Client, user: Any) -> None:
        tokens = sign_in(client)
        signed_in = session_of(tokens["refresh"]).expires_at
        with time_machine.travel(datetime.now(timezone.utc) + timedelta(hours=1)):
            rotated = refresh(client, tokens["refresh"]).json()["refresh"]
            session = session_of(rotated)
            exp = decode_token(rotated, None)["exp"]
        assert session.expires_at == datetime.fromtimestamp(exp, timezone.utc)
        assert session.expires_at > signed_in + timedelta(minutes=59)
        assert session.rotated_at == session.last_used_at

    def test_the_access_token_has_the_users_claims_of_now(self, client: Client, user: Any) -> None:
        tokens = sign_in(client)
        type(user).objects.filter(pk=user.pk).update(username="alice2")
        body = refresh(client, tokens["refresh"]).json()
        assert decode_token(body["access"], TokenTypes.ACCESS)["username"] == "alice2"
        # The new refresh token carries the claims of the one it replaces.
        assert decode_token(body["refresh"], TokenTypes.REFRESH)["username"] == "alice"
        # So does an access token given within the reuse grace.
        retried = refresh(client, tokens["refresh"]).json()
        assert decode_token(retried["access"], TokenTypes.ACCESS)["username"] == "alice2"

    def test_the_user_is_read_as_the_orm_reads_it(
        self, client: Client, user: Any, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        tokens = sign_in(client)
        # A field's from_db_value() converts what the database returns (a JSONField, a custom field).
        field = type(user)._meta.get_field("username")
        monkeypatch.setattr(field, "from_db_value", lambda value, expression, connection: value.upper(), raising=False)
        body = refresh(client, tokens["refresh"]).json()
        assert decode_token(body["access"], TokenTypes.ACCESS)["username"] == "ALICE"

    def test_a_user_deactivated_without_signals_is_refused_and_the_token_not_used_up(
        self, client: Client, user: Any
    ) -> None:
        tokens = sign_in(client)
        jti = session_of(tokens["refresh"]).refresh_jti
        type(user).objects.filter(pk=user.pk).update(is_active=False)  # sends no signal: the session lives
        assert refresh(client, tokens["refresh"]).status_code == 401
        session = session_of(tokens["refresh"])
        assert (session.refresh_jti, session.previous_jti, session.revoked_at) == (jti, "", None)
        type(user).objects.filter(pk=user.pk).update(is_active=True)
        assert refresh(client, tokens["refresh"]).status_code == 200

    def test_an_ended_session_is_refused_and_stays_as_it_ended(self, client: Client, user: Any) -> None:
        tokens = sign_in(client)
        assert post(client, MOBILE_SIGN_OUT, {"refresh": tokens["refresh"]}).status_code == 204
        ended = session_of(tokens["refresh"])
        assert refresh(client, tokens["refresh"]).status_code == 401
        after = session_of(tokens["refresh"])
        assert (after.refresh_jti, after.revoked_at, after.revoked_reason, after.last_used_at) == (
            ended.refresh_jti,
            ended.revoked_at,
            EndReason.SIGN_OUT,
            ended.last_used_at,
        )

    @pytest.mark.parametrize("jti", ["j" * 65, "a\x00b"])
    def test_a_jti_the_database_cannot_hold_is_401(
        self, client: Client, user: Any, keys: tuple[bytes, bytes], jti: str
    ) -> None:
        # Only a holder of a key that verifies can make one (another service's, JWT_EXTRA_PUBLIC_KEYS).
        claims = decode_token(sign_in(client)["refresh"], TokenTypes.REFRESH)
        assert refresh(client, jwt.encode({**claims, "jti": jti}, keys[0], algorithm="RS256")).status_code == 401

    def test_a_token_two_rotations_old_is_reuse(self, client: Client, user: Any) -> None:
        tokens = sign_in(client)
        second = refresh(client, tokens["refresh"]).json()["refresh"]
        refresh(client, second)
        assert refresh(client, tokens["refresh"]).status_code == 401
        assert session_of(second).revoked_reason == EndReason.REFRESH_REUSE


@pytest.mark.django_db(transaction=True)
def test_concurrent_refreshes_of_one_token_rotate_it_once(user: Any, settings: Any) -> None:
    # The eight wait in turn for the database's write lock: on a loaded machine (SQLite's busy handler
    # backs off up to 100 ms a try) the last may come later than the default grace of 10 s.
    settings.NINJA_SIMPLE_JWT = {**ROTATE, "JWT_REFRESH_REUSE_GRACE": timedelta(seconds=120)}
    tokens = sign_in(Client())
    count = 8
    barrier = threading.Barrier(count)
    results: list[Any] = []

    def refresh_at_once() -> None:
        try:
            barrier.wait()
            response = refresh(Client(), tokens["refresh"])
            results.append((response.status_code, response.json()))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=refresh_at_once) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [status for status, _ in results] == [200] * count
    # One rotation; the requests that lost the race are retries within the grace: each gets the same
    # successor (the same jti, signed again).
    rotated = [body["refresh"] for _, body in results]
    assert len({decode_token(token, None)["jti"] for token in rotated}) == 1
    session = session_of(rotated[0])
    assert session.revoked_at is None
    assert session.refresh_jti == decode_token(rotated[0], None)["jti"]


class TestSignOut:
    def test_web_sign_out_url_name(self) -> None:
        assert reverse("api-1.0.0:web_sign_out") == WEB_SIGN_OUT
        assert reverse("api-1.0.0:mobile_sign_out") == MOBILE_SIGN_OUT

    def test_web_sign_out_with_the_cookie_ends_the_session(self, client: Client, user: Any) -> None:
        cookie = post(client, WEB_SIGN_IN, CREDENTIALS).cookies["refresh"].value
        response = client.post(WEB_SIGN_OUT)
        assert response.status_code == 204
        assert response.cookies["refresh"].value == "" and response.cookies["refresh"]["max-age"] == 0
        session = session_of(cookie)
        assert session.revoked_reason == EndReason.SIGN_OUT
        # Replaying the old cookie gets nothing.
        assert client.post(WEB_REFRESH, HTTP_COOKIE=f"refresh={cookie}").status_code == 401

    def test_web_sign_out_with_the_access_token_when_no_cookie_is_sent(self, user: Any) -> None:
        signing_in = Client()
        response = post(signing_in, WEB_SIGN_IN, CREDENTIALS)
        cookie, access = response.cookies["refresh"].value, response.json()["access"]
        # A browser sends no cookie here with the default cookie Path: only the Authorization header.
        signed_out = Client().post(WEB_SIGN_OUT, **bearer(access))
        assert signed_out.status_code == 204
        assert session_of(cookie).revoked_reason == EndReason.SIGN_OUT
        assert Client().post(WEB_REFRESH, HTTP_COOKIE=f"refresh={cookie}").status_code == 401

    def test_the_cookie_comes_first(self, user: Any) -> None:
        first = post(Client(), WEB_SIGN_IN, CREDENTIALS)
        second = post(Client(), WEB_SIGN_IN, CREDENTIALS)
        cookie = first.cookies["refresh"].value
        response = Client().post(WEB_SIGN_OUT, HTTP_COOKIE=f"refresh={cookie}", **bearer(second.json()["access"]))
        assert response.status_code == 204
        assert session_of(cookie).revoked_at is not None
        assert session_of(second.cookies["refresh"].value).revoked_at is None

    def test_web_sign_out_without_a_valid_token_is_401(self, client: Client, user: Any) -> None:
        tokens = sign_in(client)
        for extra in [
            {},
            {"HTTP_COOKIE": "refresh=garbage"},
            {"HTTP_COOKIE": f"refresh={tokens['access']}"},
            bearer("garbage"),
            bearer(tokens["refresh"]),
            {"HTTP_AUTHORIZATION": f"Basic {tokens['access']}"},
        ]:
            response = Client().post(WEB_SIGN_OUT, **extra)
            assert response.status_code == 401, extra
            assert "refresh" not in response.cookies
        assert session_of(tokens["refresh"]).revoked_at is None

    def test_mobile_sign_out_ends_the_session(self, client: Client, user: Any) -> None:
        tokens = sign_in(client)
        assert post(client, MOBILE_SIGN_OUT, {"refresh": tokens["refresh"]}).status_code == 204
        assert session_of(tokens["refresh"]).revoked_reason == EndReason.SIGN_OUT
        assert refresh(client, tokens["refresh"]).status_code == 401

    def test_mobile_sign_out_bad_input(self, client: Client, user: Any) -> None:
        tokens = sign_in(client)
        assert post(client, MOBILE_SIGN_OUT, {"refresh": "garbage"}).status_code == 401
        assert post(client, MOBILE_SIGN_OUT, {"refresh": tokens["access"]}).status_code == 401
        assert post(client, MOBILE_SIGN_OUT, "{").status_code == 422
        assert post(client, MOBILE_SIGN_OUT, {}).status_code == 422
        assert session_of(tokens["refresh"]).revoked_at is None


class TestSessionsRouter:
    def test_lists_the_callers_live_sessions(self, client: Client, user: Any, django_user_model: Any) -> None:
        phone = sign_in(client, "phone/1")
        laptop = sign_in(client, "laptop/2")
        ended = sign_in(client, "old/3")
        post(client, MOBILE_SIGN_OUT, {"refresh": ended["refresh"]})
        django_user_model.objects.create_user(username="bob", password=PASSWORD)
        sign_in_bob = post(client, MOBILE_SIGN_IN, {"username": "bob", "password": PASSWORD})
        assert sign_in_bob.status_code == 200
        response = client.get(SESSIONS, **bearer(laptop["access"]))
        assert response.status_code == 200
        listed = response.json()
        assert [s["user_agent"] for s in listed] == ["laptop/2", "phone/1"]
        assert [s["current"] for s in listed] == [True, False]
        assert listed[1]["id"] == decode_token(phone["refresh"], None)["sid"]
        assert set(listed[0]) == {"id", "created", "last_used", "user_agent", "current"}

    def test_needs_an_access_token(self, client: Client, user: Any) -> None:
        tokens = sign_in(client)
        assert client.get(SESSIONS).status_code == 401
        assert client.get(SESSIONS, **bearer(tokens["refresh"])).status_code == 401
        assert client.post(SESSIONS + "revoke-all").status_code == 401

    def test_delete_ends_one_of_the_callers_sessions(self, client: Client, user: Any, django_user_model: Any) -> None:
        mine, other = sign_in(client), sign_in(client)
        sid = decode_token(other["refresh"], None)["sid"]
        django_user_model.objects.create_user(username="bob", password=PASSWORD)
        bob = post(client, MOBILE_SIGN_IN, {"username": "bob", "password": PASSWORD}).json()
        bobs_sid = decode_token(bob["refresh"], None)["sid"]
        assert client.delete(SESSIONS + bobs_sid, **bearer(mine["access"])).status_code == 404
        assert session_of(bob["refresh"]).revoked_at is None
        for bad in ["not-a-uuid", "0" * 32]:
            assert client.delete(SESSIONS + bad, **bearer(mine["access"])).status_code == 404
        assert client.delete(SESSIONS + sid, **bearer(mine["access"])).status_code == 204
        assert session_of(other["refresh"]).revoked_reason == EndReason.ENDED_BY_USER
        assert refresh(client, other["refresh"]).status_code == 401
        assert client.delete(SESSIONS + sid, **bearer(mine["access"])).status_code == 404
        assert refresh(client, mine["refresh"]).status_code == 200

    def test_revoke_all_ends_every_session_of_the_caller(
        self, client: Client, user: Any, django_user_model: Any
    ) -> None:
        first, second = sign_in(client), sign_in(client)
        django_user_model.objects.create_user(username="bob", password=PASSWORD)
        bob = post(client, MOBILE_SIGN_IN, {"username": "bob", "password": PASSWORD}).json()
        assert client.post(SESSIONS + "revoke-all", **bearer(first["access"])).status_code == 204
        for tokens in (first, second):
            assert refresh(client, tokens["refresh"]).status_code == 401
            assert session_of(tokens["refresh"]).revoked_reason == EndReason.REVOKE_ALL
        assert refresh(client, bob["refresh"]).status_code == 200


class TestUserChangesEndSessions:
    def test_a_password_change_ends_sessions_started_before_it(self, client: Client, user: Any) -> None:
        tokens = sign_in(client)
        user.set_password("a new password, long enough")
        user.save()
        assert session_of(tokens["refresh"]).revoked_reason == EndReason.PASSWORD_CHANGE
        assert refresh(client, tokens["refresh"]).status_code == 401
        fresh = post(client, MOBILE_SIGN_IN, {"username": "alice", "password": "a new password, long enough"})
        assert refresh(client, fresh.json()["refresh"]).status_code == 200

    def test_other_saves_end_nothing(self, client: Client, user: Any) -> None:
        tokens = sign_in(client)  # signing in saves last_login
        user.email = "new@example.com"
        user.save()
        assert session_of(tokens["refresh"]).revoked_at is None

    def test_deactivation_ends_every_session(self, client: Client, user: Any) -> None:
        tokens = sign_in(client)
        user.is_active = False
        user.save(update_fields=["is_active"])
        assert session_of(tokens["refresh"]).revoked_reason == EndReason.USER_DEACTIVATED
        user.is_active = True
        user.save()
        assert refresh(client, tokens["refresh"]).status_code == 401

    def test_deletion_ends_every_session(self, client: Client, user: Any) -> None:
        tokens = sign_in(client)
        user.delete()
        assert not JwtSession.objects.exists()
        assert refresh(client, tokens["refresh"]).status_code == 401


def test_the_admin_lists_sessions_and_revokes_them(client: Client, user: Any, django_user_model: Any) -> None:
    tokens = [sign_in(client, f"agent/{i}") for i in range(3)]
    admin = django_user_model.objects.create_superuser(username="root", password=PASSWORD)
    client.force_login(admin)
    changelist = reverse("admin:ninja_simple_jwt_sessions_jwtsession_changelist")
    page = client.get(changelist)
    assert page.status_code == 200
    assert b"agent/1" in page.content
    for query in ("alice", "agent/2", "not-a-uuid", "0" * 32):
        assert client.get(changelist, {"q": query}).status_code == 200, query
    chosen = [decode_token(t["refresh"], None)["sid"] for t in tokens[:2]]
    response = client.post(changelist, {"action": "revoke", "_selected_action": chosen}, follow=True)
    assert response.status_code == 200
    assert b"Revoked 2 sessions." in response.content
    assert [session_of(t["refresh"]).revoked_reason for t in tokens] == [EndReason.ADMIN, EndReason.ADMIN, ""]
    assert client.get(reverse("admin:ninja_simple_jwt_sessions_jwtsession_add")).status_code == 403


def test_clear_jwt_sessions_deletes_expired_and_long_ended_rows(client: Client, user: Any) -> None:
    live, ended_long_ago, ended_lately, expired = (sign_in(client) for _ in range(4))
    now = datetime.now(timezone.utc)
    session_of(ended_long_ago["refresh"]).__class__.objects.filter(pk=session_of(ended_long_ago["refresh"]).pk).update(
        revoked_at=now - timedelta(days=8), revoked_reason=EndReason.SIGN_OUT
    )
    JwtSession.objects.filter(pk=session_of(ended_lately["refresh"]).pk).update(
        revoked_at=now - timedelta(days=6), revoked_reason=EndReason.SIGN_OUT
    )
    JwtSession.objects.filter(pk=session_of(expired["refresh"]).pk).update(expires_at=now - timedelta(minutes=1))
    out = StringIO()
    call_command("clear_jwt_sessions", stdout=out)
    assert "Deleted 2" in out.getvalue()
    remaining = set(JwtSession.objects.values_list("pk", flat=True))
    assert remaining == {session_of(live["refresh"]).pk, session_of(ended_lately["refresh"]).pk}
    call_command("clear_jwt_sessions", "--ended-days", "0", stdout=out)
    assert set(JwtSession.objects.values_list("pk", flat=True)) == {session_of(live["refresh"]).pk}


def test_sessions_router_without_the_app_is_a_check_error_and_a_404(
    client: Client, user: Any, monkeypatch: Any, keys: Any
) -> None:
    from ninja_simple_jwt import checks
    from ninja_simple_jwt.sessions import api

    assert [m.id for m in checks.check_settings()] == []
    tokens = sign_in(client)
    monkeypatch.setattr(checks, "sessions_enabled", lambda: False)
    monkeypatch.setattr(api, "sessions_enabled", lambda: False)
    assert [m.id for m in checks.check_settings()] == ["ninja_simple_jwt.E011"]
    response = client.get(SESSIONS, **bearer(tokens["access"]))
    assert response.status_code == 404
    assert response.json() == {"detail": "Sessions are not enabled on this server."}


def test_a_user_model_of_two_tables_is_not_read_in_one_statement() -> None:
    """With multi-table inheritance the parent's fields live in the parent's table: the refresh then
    reads the session and its user through the ORM, as on other databases."""
    from django.contrib.auth.models import User

    from ninja_simple_jwt.sessions.service import _in_one_table

    class StaffUser(User):
        class Meta:
            app_label = "tests_staff"

    assert _in_one_table(User)
    assert not _in_one_table(StaffUser)
