"""The auth endpoints through Django's test client: the README's bodies and cookies, and every bad input."""

import json
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import Any

import jwt
import pytest
from django.contrib.auth.signals import user_logged_in
from django.test import Client, override_settings
from django.urls import reverse
from freezegun import freeze_time

from ninja_simple_jwt.jwt.token_operations import TokenTypes, decode_token, encode_token, get_refresh_token_for_user
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("keys")]

MOBILE_SIGN_IN = "/api/auth/mobile/sign-in"
MOBILE_REFRESH = "/api/auth/mobile/token-refresh"
WEB_SIGN_IN = "/api/auth/web/sign-in"
WEB_REFRESH = "/api/auth/web/token-refresh"
WEB_SIGN_OUT = "/api/auth/web/sign-out"


def post(client: Client, url: str, body: Any = None, **extra: Any) -> Any:
    data = body if isinstance(body, str) or body is None else json.dumps(body)
    return client.post(url, data=data, content_type="application/json", **extra)


@pytest.fixture
def signals() -> Any:
    received: list[Any] = []

    def receiver(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
        received.append(user)

    user_logged_in.connect(receiver)
    yield received
    user_logged_in.disconnect(receiver)


def test_url_names_are_the_originals() -> None:
    assert reverse("api-1.0.0:mobile_signin") == MOBILE_SIGN_IN
    assert reverse("api-1.0.0:mobile_token_refresh") == MOBILE_REFRESH
    assert reverse("api-1.0.0:web_signin") == WEB_SIGN_IN
    assert reverse("api-1.0.0:web_token_refresh") == WEB_REFRESH
    assert reverse("api-1.0.0:web_sign_out") == WEB_SIGN_OUT


class TestMobile:
    def test_sign_in(self, client: Client, user: Any, keys: Any, signals: list[Any]) -> None:
        response = post(client, MOBILE_SIGN_IN, {"username": "alice", "password": PASSWORD})
        assert response.status_code == 200
        body = response.json()
        assert set(body) == {"refresh", "access"}
        refresh = jwt.decode(body["refresh"], keys[1], algorithms=["RS256"])
        access = jwt.decode(body["access"], keys[1], algorithms=["RS256"])
        assert (refresh["token_type"], access["token_type"]) == ("refresh", "access")
        assert refresh["user_id"] == access["user_id"] == user.id
        assert refresh["jti"] != access["jti"]
        user.refresh_from_db()
        assert user.last_login is not None
        assert signals == [user]

    def test_refresh(self, client: Client, user: Any) -> None:
        with freeze_time("2024-01-11 12:00:01"):
            refresh, _ = get_refresh_token_for_user(user)
            response = post(client, MOBILE_REFRESH, {"refresh": refresh})
            assert response.status_code == 200
            assert set(response.json()) == {"access"}
            claims = decode_token(response.json()["access"], TokenTypes.ACCESS)
        assert claims["user_id"] == user.id and claims["exp"] - claims["iat"] == 900

    @pytest.mark.parametrize(
        "credentials",
        [
            {"username": "alice", "password": "wrong"},
            {"username": "nobody", "password": PASSWORD},
            {"username": "", "password": ""},
            {"username": "ALICE", "password": PASSWORD},
        ],
    )
    def test_bad_credentials_are_401(self, client: Client, user: Any, signals: list[Any], credentials: Any) -> None:
        response = post(client, MOBILE_SIGN_IN, credentials)
        assert response.status_code == 401
        assert response.json() == {"detail": "Unable to sign in with the given credentials."}
        assert signals == []

    def test_inactive_user_is_401(self, client: Client, user: Any) -> None:
        user.is_active = False
        user.save()
        assert post(client, MOBILE_SIGN_IN, {"username": "alice", "password": PASSWORD}).status_code == 401

    @pytest.mark.parametrize(
        "body",
        [
            "{",
            "",
            "null",
            "[]",
            '"alice"',
            "{}",
            '{"username": "alice"}',
            '{"password": "x"}',
            '{"username": ["alice"], "password": "x"}',
            json.dumps({"username": "alice", "password": "x" * 5000}),
        ],
    )
    def test_malformed_bodies_are_422(self, client: Client, user: Any, body: str) -> None:
        response = post(client, MOBILE_SIGN_IN, body)
        assert response.status_code == 422, response.content
        assert "detail" in response.json()

    @pytest.mark.parametrize("body", ["{", "{}", '{"refresh": 5}', '{"token": "x"}'])
    def test_malformed_refresh_bodies_are_422(self, client: Client, body: str) -> None:
        assert post(client, MOBILE_REFRESH, body).status_code == 422

    def test_bad_refresh_tokens_are_401(self, client: Client, user: Any) -> None:
        access, _ = encode_token({"user_id": user.id}, TokenTypes.ACCESS)
        with freeze_time("2000-01-01"):
            expired, _ = get_refresh_token_for_user(user)
        good, _ = get_refresh_token_for_user(user)
        for token in ["", "garbage", "a.b.c", access, expired, good[:-3] + "abc", good + "x"]:
            response = post(client, MOBILE_REFRESH, {"refresh": token})
            assert response.status_code == 401, token
        assert "expired" in post(client, MOBILE_REFRESH, {"refresh": expired}).json()["detail"]

    def test_refresh_for_a_deleted_or_inactive_user_is_401(self, client: Client, user: Any) -> None:
        refresh, _ = get_refresh_token_for_user(user)
        user.is_active = False
        user.save()
        assert post(client, MOBILE_REFRESH, {"refresh": refresh}).status_code == 401
        user.delete()
        assert post(client, MOBILE_REFRESH, {"refresh": refresh}).status_code == 401


class TestWeb:
    def test_sign_in_sets_the_refresh_cookie(self, client: Client, user: Any, keys: Any, signals: list[Any]) -> None:
        with freeze_time("2024-01-11 12:00:01"):
            response = post(client, WEB_SIGN_IN, {"username": "alice", "password": PASSWORD})
        assert response.status_code == 200
        assert set(response.json()) == {"access"}
        cookie = response.cookies["refresh"]
        refresh = jwt.decode(
            cookie.value, keys[1], algorithms=["RS256"], options={"verify_exp": False, "verify_iat": False}
        )
        assert refresh["token_type"] == "refresh"
        assert cookie["httponly"] is True
        assert cookie["secure"] is True
        assert cookie["samesite"] == "Strict"
        assert cookie["path"] == "/api/auth/web/token-refresh"
        # The cookie lasts exactly as long as the token (Django rounds Max-Age up by one second).
        expires = parsedate_to_datetime(cookie["expires"])
        assert abs(expires - datetime.fromtimestamp(refresh["exp"], timezone.utc)) <= timedelta(seconds=1)
        assert cookie["max-age"] in (30 * 86400, 30 * 86400 + 1)
        assert signals == [user]

    def test_cookie_settings(self, client: Client, user: Any) -> None:
        config = {
            "JWT_REFRESH_COOKIE_NAME": "rt",
            "WEB_REFRESH_COOKIE_PATH": "/auth/refresh",
            "WEB_REFRESH_COOKIE_SAME_SITE_POLICY": "Lax",
            "WEB_REFRESH_COOKIE_HTTP_ONLY": False,
            "WEB_REFRESH_COOKIE_SECURE": False,
        }
        with override_settings(NINJA_SIMPLE_JWT=config):
            response = post(client, WEB_SIGN_IN, {"username": "alice", "password": PASSWORD})
        cookie = response.cookies["rt"]
        assert "refresh" not in response.cookies
        assert (cookie["path"], cookie["samesite"], cookie["httponly"], cookie["secure"]) == (
            "/auth/refresh",
            "Lax",
            "",
            "",
        )

    def test_secure_follows_debug(self, client: Client, user: Any) -> None:
        with override_settings(DEBUG=True):
            response = post(client, WEB_SIGN_IN, {"username": "alice", "password": PASSWORD})
        assert response.cookies["refresh"]["secure"] == ""

    def test_refresh_reads_the_cookie(self, client: Client, user: Any) -> None:
        refresh, _ = get_refresh_token_for_user(user)
        response = client.post(WEB_REFRESH, HTTP_COOKIE=f"refresh={refresh}")
        assert response.status_code == 200
        assert set(response.json()) == {"access"}
        assert decode_token(response.json()["access"], TokenTypes.ACCESS)["user_id"] == user.id
        with override_settings(NINJA_SIMPLE_JWT={"JWT_REFRESH_COOKIE_NAME": "refresh-token"}):
            assert client.post(WEB_REFRESH, HTTP_COOKIE=f"refresh-token={refresh}").status_code == 200

    def test_bad_cookies_are_401(self, client: Client, user: Any) -> None:
        access, _ = encode_token({"user_id": user.id}, TokenTypes.ACCESS)
        assert client.post(WEB_REFRESH).status_code == 401
        for value in ["", "garbage", "x.y.z", access, '"quoted"']:
            response = client.post(WEB_REFRESH, HTTP_COOKIE=f"refresh={value}")
            assert response.status_code == 401, value
            assert "detail" in response.json()

    def test_sign_out_clears_the_cookie_with_its_attributes(self, client: Client, user: Any) -> None:
        post(client, WEB_SIGN_IN, {"username": "alice", "password": PASSWORD})
        response = client.post(WEB_SIGN_OUT)
        assert response.status_code == 204
        cookie = response.cookies["refresh"]
        assert cookie.value == ""
        assert cookie["max-age"] == 0
        assert (cookie["path"], cookie["samesite"], cookie["secure"], cookie["httponly"]) == (
            "/api/auth/web/token-refresh",
            "Strict",
            True,
            True,
        )
        assert client.post(WEB_REFRESH).status_code == 401

    def test_malformed_sign_in_is_422(self, client: Client) -> None:
        assert post(client, WEB_SIGN_IN, "{").status_code == 422
        assert post(client, WEB_SIGN_IN, {"username": "alice"}).status_code == 422

    def test_wrong_password_is_401(self, client: Client, user: Any) -> None:
        response = post(client, WEB_SIGN_IN, {"username": "alice", "password": "nope"})
        assert response.status_code == 401
        assert "refresh" not in response.cookies


def test_username_field_setting() -> None:
    from ninja_simple_jwt.utils import make_authentication_params

    with override_settings(NINJA_SIMPLE_JWT={"USERNAME_FIELD": "email"}):
        assert make_authentication_params({"username": "a@b.c", "password": "p"}) == {"email": "a@b.c", "password": "p"}


def test_openapi_schema_documents_the_bodies(client: Client) -> None:
    schema = client.get("/api/openapi.json").json()
    sign_in = schema["paths"][MOBILE_SIGN_IN]["post"]
    ref = sign_in["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert ref.endswith("/SignInRequest")
    assert set(schema["components"]["schemas"]["SignInRequest"]["required"]) == {"username", "password"}


class TestWithoutTheSessionsApp:
    """Stateless, as the original: no sid, no rotation, sign-out only checks what it is given."""

    def test_tokens_have_no_sid_and_refresh_returns_only_an_access_token(self, client: Client, user: Any) -> None:
        tokens = post(client, MOBILE_SIGN_IN, {"username": "alice", "password": PASSWORD}).json()
        assert "sid" not in decode_token(tokens["refresh"], None)
        assert "sid" not in decode_token(tokens["access"], None)
        response = post(client, MOBILE_REFRESH, {"refresh": tokens["refresh"]})
        assert response.status_code == 200
        assert set(response.json()) == {"access"}
        assert post(client, MOBILE_REFRESH, {"refresh": tokens["refresh"]}).status_code == 200
        assert client.get("/api/protected/me", HTTP_AUTHORIZATION=f"Bearer {tokens['access']}").status_code == 200

    def test_web_sign_out_needs_a_valid_cookie_or_access_token(self, user: Any) -> None:
        signed_in = post(Client(), WEB_SIGN_IN, {"username": "alice", "password": PASSWORD})
        access = signed_in.json()["access"]
        assert Client().post(WEB_SIGN_OUT).status_code == 401
        assert Client().post(WEB_SIGN_OUT, HTTP_COOKIE="refresh=garbage").status_code == 401
        assert Client().post(WEB_SIGN_OUT, HTTP_AUTHORIZATION="Bearer garbage").status_code == 401
        response = Client().post(WEB_SIGN_OUT, HTTP_AUTHORIZATION=f"Bearer {access}")
        assert response.status_code == 204
        assert response.cookies["refresh"]["max-age"] == 0

    def test_mobile_sign_out(self, client: Client, user: Any) -> None:
        tokens = post(client, MOBILE_SIGN_IN, {"username": "alice", "password": PASSWORD}).json()
        assert reverse("api-1.0.0:mobile_sign_out") == "/api/auth/mobile/sign-out"
        assert post(client, "/api/auth/mobile/sign-out", {"refresh": tokens["refresh"]}).status_code == 204
        assert post(client, "/api/auth/mobile/sign-out", {"refresh": tokens["access"]}).status_code == 401
        assert post(client, "/api/auth/mobile/sign-out", "{").status_code == 422
