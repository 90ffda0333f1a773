"""Hostile input through Django's test client: bodies too large, wrong content types, password guessing,
what 401s say, and a token that is not ASCII."""

import json
import logging
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.contrib.auth.signals import user_login_failed
from django.test import Client, override_settings

from ninja_simple_jwt import exceptions
from ninja_simple_jwt.jwt.token_operations import TokenTypes, decode_token, encode_token, get_refresh_token_for_user
from tests.conftest import PASSWORD

MOBILE_SIGN_IN = "/api/auth/mobile/sign-in"
MOBILE_REFRESH = "/api/auth/mobile/token-refresh"
WEB_SIGN_IN = "/api/auth/web/sign-in"
WEB_REFRESH = "/api/auth/web/token-refresh"


def sign_in(client: Client, password: str, username: str = "alice", url: str = MOBILE_SIGN_IN, **extra: Any) -> Any:
    body = json.dumps({"username": username, "password": password})
    return client.post(url, data=body, content_type="application/json", **extra)


class TestBodyTooLarge:
    @pytest.mark.parametrize("debug", [True, False])
    @pytest.mark.parametrize("url", [MOBILE_SIGN_IN, MOBILE_REFRESH, WEB_SIGN_IN])
    def test_a_body_over_the_limit_is_413_json(self, client: Client, keys: Any, debug: bool, url: str) -> None:
        body = json.dumps({"username": "alice", "password": "x" * 2000, "refresh": "x" * 2000})
        with override_settings(DEBUG=debug, DATA_UPLOAD_MAX_MEMORY_SIZE=1000):
            response = client.post(url, data=body, content_type="application/json")
        assert response.status_code == 413
        assert response["Content-Type"] == "application/json; charset=utf-8"
        assert response.json() == {"detail": "The body is too large."}

    def test_a_body_under_the_limit_is_read(self, client: Client, user: Any, keys: Any) -> None:
        with override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000):
            assert sign_in(client, PASSWORD).status_code == 200


class TestWebSignInTakesOnlyJson:
    @pytest.mark.parametrize(
        "content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", ""]
    )
    def test_what_a_form_on_another_site_can_send_is_415(self, client: Client, user: Any, content_type: str) -> None:
        body = json.dumps({"username": "alice", "password": PASSWORD})
        response = client.post(WEB_SIGN_IN, data=body, content_type=content_type)
        assert response.status_code == 415
        assert "application/json" in response.json()["detail"]
        assert "Set-Cookie" not in response

    @pytest.mark.parametrize("content_type", ["application/json", "application/json;charset=utf-8", "Application/Json"])
    def test_json_is_accepted(self, client: Client, user: Any, keys: Any, content_type: str) -> None:
        body = json.dumps({"username": "alice", "password": PASSWORD})
        assert client.post(WEB_SIGN_IN, data=body, content_type=content_type).status_code == 200


class TestSignInThrottling:
    def test_guessing_stops_even_the_right_password(self, client: Client, user: Any, keys: Any) -> None:
        with time_machine.travel(1_800_000_000, tick=False) as clock:
            for _ in range(10):
                assert sign_in(client, "wrong").status_code == 401
            refused = sign_in(client, PASSWORD)
            assert refused.status_code == 429
            assert refused.json() == {"detail": "Too many failed sign-ins. Try again later."}
            retry_after = int(refused["Retry-After"])
            assert 0 < retry_after <= 15 * 60
            # The web endpoint shares the count, and another address does not help.
            assert sign_in(client, PASSWORD, url=WEB_SIGN_IN, REMOTE_ADDR="10.0.0.9").status_code == 429
            clock.shift(timedelta(seconds=retry_after))
            assert sign_in(client, PASSWORD).status_code == 200

    def test_a_person_who_mistypes_is_not_stopped(self, client: Client, user: Any, keys: Any) -> None:
        for _ in range(9):
            assert sign_in(client, "wrong").status_code == 401
        assert sign_in(client, PASSWORD).status_code == 200
        # Success clears the username's count.
        for _ in range(9):
            assert sign_in(client, "wrong").status_code == 401
        assert sign_in(client, PASSWORD).status_code == 200

    def test_one_address_trying_many_usernames_is_stopped(self, client: Client, user: Any, keys: Any) -> None:
        for i in range(50):
            # X-Forwarded-For is anybody's to write: it does not make a new address.
            assert sign_in(client, "x", username=f"user{i}", HTTP_X_FORWARDED_FOR=f"10.1.0.{i}").status_code == 401
        assert sign_in(client, PASSWORD).status_code == 429
        assert sign_in(client, PASSWORD, REMOTE_ADDR="10.0.0.9").status_code == 200

    def test_usernames_are_counted_case_blind(self, client: Client, user: Any, keys: Any) -> None:
        for i in range(10):
            assert sign_in(client, "wrong", username="ALICE" if i % 2 else "alice").status_code == 401
        assert sign_in(client, PASSWORD).status_code == 429

    def test_limits_are_settings_and_zero_turns_them_off(self, client: Client, user: Any, keys: Any) -> None:
        config = {"SIGN_IN_MAX_FAILURES_PER_USERNAME": 2, "SIGN_IN_MAX_FAILURES_PER_ADDRESS": 0}
        with override_settings(NINJA_SIMPLE_JWT=config):
            assert [sign_in(client, "wrong").status_code for _ in range(3)] == [401, 401, 429]
        config = {"SIGN_IN_MAX_FAILURES_PER_USERNAME": 0, "SIGN_IN_MAX_FAILURES_PER_ADDRESS": 0}
        with override_settings(NINJA_SIMPLE_JWT=config):
            assert {sign_in(client, "wrong").status_code for _ in range(60)} == {401}
            assert sign_in(client, PASSWORD).status_code == 200

    def test_the_proxy_address_is_read_when_ninja_is_told_of_proxies(
        self, client: Client, user: Any, keys: Any
    ) -> None:
        with override_settings(NINJA_NUM_PROXIES=1):
            for i in range(50):
                assert sign_in(client, "x", username=f"u{i}", HTTP_X_FORWARDED_FOR="10.2.0.1").status_code == 401
            assert sign_in(client, PASSWORD, HTTP_X_FORWARDED_FOR="10.2.0.1").status_code == 429
            assert sign_in(client, PASSWORD, HTTP_X_FORWARDED_FOR="10.2.0.2").status_code == 200


def test_failed_sign_ins_send_user_login_failed(client: Client, user: Any) -> None:
    received: list[dict[str, Any]] = []

    def receiver(**kwargs: Any) -> None:
        received.append(kwargs)

    user_login_failed.connect(receiver)
    try:
        sign_in(client, "wrong")
        sign_in(client, "wrong", url=WEB_SIGN_IN)
    finally:
        user_login_failed.disconnect(receiver)
    assert len(received) == 2
    assert received[0]["credentials"]["username"] == "alice"
    assert received[0]["credentials"]["password"] != "wrong"  # Django masks it
    assert received[0]["request"].path == MOBILE_SIGN_IN


class TestUnauthorizedBodiesSayNoMore:
    def test_every_refused_refresh_token_gets_the_same_body(
        self, client: Client, user: Any, keys: Any, caplog: pytest.LogCaptureFixture
    ) -> None:
        refresh, _ = get_refresh_token_for_user(user)
        tampered = refresh[:-4] + ("AAAA" if not refresh.endswith("AAAA") else "BBBB")
        with time_machine.travel(0, tick=False):
            expired, _ = encode_token({"user_id": user.id}, TokenTypes.REFRESH)
        access, _ = encode_token({"user_id": user.id}, TokenTypes.ACCESS)
        bodies = set()
        with caplog.at_level(logging.INFO, logger="ninja_simple_jwt"):
            for token in [tampered, expired, access, "x.y.z"]:
                response = client.post(MOBILE_REFRESH, data={"refresh": token}, content_type="application/json")
                assert response.status_code == 401
                bodies.add(response.content)
                cookie = client.post(WEB_REFRESH, HTTP_COOKIE=f"refresh={token}")
                assert cookie.status_code == 401
                bodies.add(cookie.content)
        assert bodies == {b'{"detail": "The refresh token is invalid or expired."}'}
        # The reason is in the log; the token is not.
        log = caplog.text
        assert "Signature has expired" in log or "expired" in log.lower()
        assert "ignature" in log
        assert not any(token in log for token in [tampered, expired, access])


@pytest.mark.parametrize("verify", [True, False])
@pytest.mark.parametrize("token", ["\ud800abc", "abc.\udfff.def", "é.b.c", "a.b.c\u2028"])
def test_a_token_that_is_not_ascii_is_a_decode_error(keys: Any, token: str, verify: bool) -> None:
    with pytest.raises(exceptions.DecodeError, match="not ASCII"):
        decode_token(token, TokenTypes.ACCESS, verify=verify)


@pytest.mark.parametrize("value", [8.305754653993297e306, 123456789.12345679, 5e-324, 1.7976931348623157e308])
def test_floats_in_claims_read_back_exactly(keys: Any, value: float) -> None:
    # Found by the hypothesis tests: serde_json's default float parsing is not correctly rounded.
    token, claims = encode_token({"x": value}, TokenTypes.ACCESS)
    assert decode_token(token, TokenTypes.ACCESS)["x"] == value == claims["x"]
