"""`HttpJwtAuth` on a protected route: who `request.user` is, and every way a token is refused."""

import base64
import json
from datetime import datetime, timezone
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.contrib.auth.models import AnonymousUser
from django.test import Client, override_settings
from freezegun import freeze_time

from ninja_simple_jwt.auth.ninja_auth import HttpJwtAuth
from ninja_simple_jwt.auth.token_user import TokenUser
from ninja_simple_jwt.jwt.token_operations import (
    TokenTypes,
    encode_token,
    get_access_token_for_user,
    get_refresh_token_for_user,
)
from tests.conftest import b64

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("keys")]

ME = "/api/protected/me"
ME_FROM_DB = "/api/from-db/me"


def get(client: Client, url: str, authorization: str | None) -> Any:
    extra = {} if authorization is None else {"HTTP_AUTHORIZATION": authorization}
    return client.get(url, **extra)


def test_a_valid_access_token_gives_a_stateless_user(client: Client, user: Any, django_assert_num_queries: Any) -> None:
    user.last_login = datetime(2026, 11, 29, 12, 0, 0, 123000, tzinfo=timezone.utc)
    access, claims = get_access_token_for_user(user)
    with django_assert_num_queries(0):
        response = get(client, ME, f"Bearer {access}")
    assert response.status_code == 200
    body = response.json()
    assert body["user_type"] == "TokenUser"
    assert (body["id"], body["username"], body["last_login"]) == (user.id, "alice", "2026-11-29T12:00:00.123Z")
    assert body["is_authenticated"] is True
    assert body["auth"]["jti"] == claims["jti"] and body["auth"]["token_type"] == "access"


NONE_HEADER = b64(b'{"alg":"none"}')


def bad_tokens(user: Any, private_pem: bytes) -> dict[str, str]:
    access, data = get_access_token_for_user(user)
    refresh, _ = get_refresh_token_for_user(user)
    with freeze_time("2001-01-01"):
        expired, _ = get_access_token_for_user(user)
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    claims = {**data, "token_type": "access"}
    no_exp = {k: v for k, v in claims.items() if k != "exp"}
    header, payload, signature = access.split(".")
    forged = b64(json.dumps({**claims, "user_id": 999}).encode())
    return {
        "refresh token": refresh,
        "expired": expired,
        "other key": jwt.encode(claims, other, algorithm="RS256"),
        "alg none": f"{NONE_HEADER}.{payload}.",
        "RS512": jwt.encode(claims, private_pem, algorithm="RS512"),
        "no exp": jwt.encode(no_exp, private_pem, algorithm="RS256"),
        "tampered": f"{header}.{forged}.{signature}",
        "truncated": access[:-10],
        "two parts": f"{header}.{payload}",
        "garbage": "garbage",
        "spaces": "a b c",
        "huge": "a" * 20000,
    }


def test_every_bad_token_is_401(client: Client, user: Any, keys: Any) -> None:
    for name, token in bad_tokens(user, keys[0]).items():
        response = get(client, ME, f"Bearer {token}")
        assert response.status_code == 401, name
        assert response.json() == {"detail": "Unauthorized"}


@pytest.mark.parametrize("header", [None, "", "Bearer", "Bearer ", "bearer", "Basic YTpi", "Token abc", "Bearer  x"])
def test_missing_or_malformed_headers_are_401(client: Client, header: str | None) -> None:
    assert get(client, ME, header).status_code == 401


@pytest.mark.parametrize(("url", "user_type"), [(ME, "TokenUser"), (ME_FROM_DB, "User")])
def test_async_routes_are_protected_alike(client: Client, user: Any, url: str, user_type: str) -> None:
    access, _ = get_access_token_for_user(user)
    response = get(client, url.replace("/me", "/async-me"), f"Bearer {access}")
    assert response.status_code == 200
    assert (response.json()["user_type"], response.json()["username"]) == (user_type, "alice")
    assert get(client, url.replace("/me", "/async-me"), "Bearer a.b.c").status_code == 401


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER"])
def test_the_scheme_is_case_insensitive(client: Client, user: Any, scheme: str) -> None:
    access, _ = get_access_token_for_user(user)
    assert get(client, ME, f"{scheme} {access}").status_code == 200


def test_a_subclass_can_read_another_header(rf: Any, user: Any) -> None:
    class ApiTokenAuth(HttpJwtAuth):
        header = "X-Api-Token"

    access, claims = get_access_token_for_user(user)
    assert ApiTokenAuth()(rf.get("/", HTTP_X_API_TOKEN=f"Bearer {access}")) == claims
    assert ApiTokenAuth()(rf.get("/", HTTP_AUTHORIZATION=f"Bearer {access}")) is None


@override_settings(DEBUG=True)
def test_credentials_of_another_scheme_are_never_logged(client: Client, caplog: Any) -> None:
    # django-ninja's HttpBearer logs such a header whole when DEBUG is on.
    secret = base64.b64encode(b"alice:hunter2-secret").decode()
    with caplog.at_level(0):
        assert get(client, ME, f"Basic {secret}").status_code == 401
        assert get(client, ME, "Bearer not-a-token-secret").status_code == 401
    assert "secret" not in caplog.text and secret not in caplog.text


def test_a_token_of_removed_keys_is_401(client: Client, user: Any, tmp_path: Any) -> None:
    access, _ = get_access_token_for_user(user)
    assert get(client, ME, f"Bearer {access}").status_code == 200  # verified once: remembered by the key
    from ninja_simple_jwt.jwt.key_creation import make_and_save_key_pair

    make_and_save_key_pair()
    assert get(client, ME, f"Bearer {access}").status_code == 401


def test_a_remembered_token_is_still_refused_once_expired(client: Client, user: Any) -> None:
    with freeze_time("2026-11-29 12:00:00"):
        access, claims = get_access_token_for_user(user)
        assert get(client, ME, f"Bearer {access}").status_code == 200
    with freeze_time(datetime.fromtimestamp(claims["exp"] + 10, timezone.utc)):  # exp plus JWT_LEEWAY
        assert get(client, ME, f"Bearer {access}").status_code == 401


class TestLoadUser:
    def test_loads_the_model_instance(self, client: Client, user: Any) -> None:
        access, _ = get_access_token_for_user(user)
        response = get(client, ME_FROM_DB, f"Bearer {access}")
        assert response.status_code == 200
        assert response.json()["user_type"] == "User"

    def test_inactive_and_deleted_users_are_401(self, client: Client, user: Any) -> None:
        access, _ = get_access_token_for_user(user)
        assert get(client, ME, f"Bearer {access}").status_code == 200  # stateless: not looked up
        user.is_active = False
        user.save()
        assert get(client, ME_FROM_DB, f"Bearer {access}").status_code == 401
        user.delete()
        assert get(client, ME_FROM_DB, f"Bearer {access}").status_code == 401

    def test_setting_applies_to_default_instances(self, client: Client, user: Any) -> None:
        access, _ = get_access_token_for_user(user)
        with override_settings(NINJA_SIMPLE_JWT={"AUTH_LOAD_USER": True}):
            assert get(client, ME, f"Bearer {access}").json()["user_type"] == "User"
            user.delete()
            assert get(client, ME, f"Bearer {access}").status_code == 401

    def test_a_forged_id_claim_type_is_401(self, client: Client, user: Any, keys: Any) -> None:
        token, _ = encode_token({"user_id": "not-a-number"}, TokenTypes.ACCESS)
        assert get(client, ME_FROM_DB, f"Bearer {token}").status_code == 401


def test_token_user_attributes_follow_the_claim_map() -> None:
    claim_map = {"uid": "pk", "mail": "email", "initial": lambda u: "A", "x": "is_authenticated"}
    with override_settings(NINJA_SIMPLE_JWT={"TOKEN_CLAIM_USER_ATTRIBUTE_MAP": claim_map}):
        token_user = TokenUser({"uid": 4, "mail": "a@b.c", "initial": "A", "x": False, "jti": "j"})
    assert (token_user.id, token_user.pk, token_user.email, token_user.initial) == (4, 4, "a@b.c", "A")  # type: ignore[attr-defined]
    assert token_user.is_authenticated is True and token_user.is_anonymous is False
    assert token_user.claims["jti"] == "j"
    assert not token_user.has_perm("auth.view_user")


def test_set_token_claims_to_user_as_later_originals() -> None:
    target = AnonymousUser()
    with override_settings(NINJA_SIMPLE_JWT={"TOKEN_CLAIM_USER_ATTRIBUTE_MAP": {"username": lambda u: "foo"}}):
        HttpJwtAuth.set_token_claims_to_user(target, {"username": "user"})
    assert target.username == "user"
