"""A test suite in the style users wrote against the original package: it must keep passing unchanged.

Django TestCases, keys made in setUp, settings merged over DEFAULTS, freezegun, and PyJWT's exceptions.
"""

from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.test import TestCase
from django.urls import reverse
from freezegun import freeze_time
from jwt import DecodeError, ExpiredSignatureError, InvalidTokenError, PyJWTError

from ninja_simple_jwt.jwt.key_creation import make_and_save_key_pair
from ninja_simple_jwt.jwt.key_retrieval import InMemoryJwtKeyPair
from ninja_simple_jwt.jwt.token_operations import (
    TokenTypes,
    decode_token,
    encode_token,
    get_access_token_for_user,
    get_refresh_token_for_user,
)
from ninja_simple_jwt.settings import DEFAULTS


def merged(**overrides: Any) -> dict[str, Any]:
    return {**DEFAULTS, **overrides}


class KeysInSetUp(TestCase):
    def setUp(self) -> None:
        make_and_save_key_pair()


class TokenOperationsTest(KeysInSetUp):
    def test_refresh_token_times(self) -> None:
        with freeze_time("2024-01-11 12:00:01"):
            token, data = encode_token(payload={"name": "x"}, token_type=TokenTypes.REFRESH)
        self.assertTrue(token)
        self.assertEqual(data["iat"], 1704974401)
        self.assertEqual(data["exp"], 1707566401)
        self.assertEqual(data["token_type"], TokenTypes.REFRESH)

    def test_errors_are_pyjwts(self) -> None:
        with self.assertRaises(DecodeError):
            decode_token("not.real.token", token_type=TokenTypes.REFRESH)
        with freeze_time("2000-01-01 12:00:00"):
            token, _ = encode_token(payload={}, token_type=TokenTypes.ACCESS)
        with freeze_time("2020-01-01 12:00:00"), self.assertRaises(ExpiredSignatureError):
            decode_token(token, token_type=TokenTypes.ACCESS)
        refresh, _ = encode_token(payload={}, token_type=TokenTypes.REFRESH)
        with self.assertRaises(InvalidTokenError):
            decode_token(refresh, token_type=TokenTypes.ACCESS)
        with self.assertRaises(PyJWTError):
            decode_token("", token_type=TokenTypes.ACCESS)

    def test_key_pair_properties_are_pem_bytes(self) -> None:
        self.assertTrue(InMemoryJwtKeyPair.private_key.startswith(b"-----BEGIN RSA PRIVATE KEY-----"))
        self.assertTrue(InMemoryJwtKeyPair.public_key.startswith(b"-----BEGIN PUBLIC KEY-----"))
        InMemoryJwtKeyPair.clear()
        self.assertTrue(InMemoryJwtKeyPair.public_key.startswith(b"-----BEGIN PUBLIC KEY-----"))


class EndpointsTest(KeysInSetUp):
    def test_mobile_refresh_with_merged_settings(self) -> None:
        user = get_user_model().objects.create_user(username="user")
        lifetimes = merged(
            JWT_REFRESH_TOKEN_LIFETIME=timedelta(days=31), JWT_ACCESS_TOKEN_LIFETIME=timedelta(minutes=5)
        )
        with self.settings(NINJA_SIMPLE_JWT=lifetimes), freeze_time("2024-01-11 12:00:01"):
            refresh_token, _ = get_refresh_token_for_user(user)
            response = self.client.post(
                reverse("api-1.0.0:mobile_token_refresh"),
                data={"refresh": refresh_token},
                content_type="application/json",
            )
            access = decode_token(response.json()["access"], TokenTypes.ACCESS)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(access["exp"] - access["iat"], 300)

    def test_web_sign_in_cookie(self) -> None:
        get_user_model().objects.create_user(username="user", password="password")
        config = merged(
            JWT_REFRESH_TOKEN_LIFETIME=timedelta(days=31), WEB_REFRESH_COOKIE_PATH="/tests/refresh_api_path"
        )
        with self.settings(NINJA_SIMPLE_JWT=config), freeze_time("2024-01-11 12:00:01"):
            response = self.client.post(
                reverse("api-1.0.0:web_signin"),
                data={"username": "user", "password": "password"},
                content_type="application/json",
            )
        self.assertEqual(response.status_code, 200)
        cookie = response.cookies["refresh"]
        self.assertTrue(cookie["httponly"])
        self.assertEqual(cookie["path"], "/tests/refresh_api_path")
        expires = datetime.strptime(cookie["expires"], "%a, %d %b %Y %H:%M:%S %Z")
        self.assertEqual(expires, datetime(2024, 2, 11, 12, 0, 2))  # Django adds a second when rounding

    def test_web_refresh_with_cookie_name(self) -> None:
        user = get_user_model().objects.create_user(username="user")
        with self.settings(NINJA_SIMPLE_JWT=merged(JWT_REFRESH_COOKIE_NAME="refresh-token")):
            refresh_token, _ = get_refresh_token_for_user(user)
            response = self.client.post(
                reverse("api-1.0.0:web_token_refresh"),
                content_type="application/json",
                HTTP_COOKIE=f"refresh-token={refresh_token}",
            )
        self.assertEqual(response.status_code, 200)
        self.assertNotIn("refresh", response.json())

    def test_protected_route_sees_the_users_attributes(self) -> None:
        user = get_user_model().objects.create_user(username="user")
        access, _ = get_access_token_for_user(user)
        response = self.client.get("/api/protected/me", HTTP_AUTHORIZATION=f"Bearer {access}")
        self.assertEqual(response.status_code, 200)
        self.assertEqual((response.json()["id"], response.json()["username"]), (user.id, "user"))
