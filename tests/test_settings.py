"""Settings: the README's defaults, later versions' additions, and overrides taking effect at once."""

from datetime import timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from ninja_simple_jwt import exceptions
from ninja_simple_jwt._core import generate_key_pair
from ninja_simple_jwt.jwt.key_creation import make_and_save_key_pair
from ninja_simple_jwt.jwt.key_retrieval import InMemoryJwtKeyPair, key_ring
from ninja_simple_jwt.jwt.token_operations import TokenTypes, decode_token, encode_token
from ninja_simple_jwt.settings import DEFAULTS, ninja_simple_jwt_settings
from tests import helpers


def test_readme_defaults() -> None:
    s = ninja_simple_jwt_settings
    assert s.JWT_KEY_STORAGE == "ninja_simple_jwt.jwt.key_store.local_disk_key_storage"
    assert s.JWT_PRIVATE_KEY_PATH == "jwt-signing.pem"
    assert s.JWT_PUBLIC_KEY_PATH == "jwt-signing.pub"
    assert s.JWT_REFRESH_COOKIE_NAME == "refresh"
    assert timedelta(days=30) == s.JWT_REFRESH_TOKEN_LIFETIME
    assert timedelta(minutes=15) == s.JWT_ACCESS_TOKEN_LIFETIME
    assert s.WEB_REFRESH_COOKIE_SECURE is True  # not DEBUG
    assert s.WEB_REFRESH_COOKIE_HTTP_ONLY is True
    assert s.WEB_REFRESH_COOKIE_SAME_SITE_POLICY == "Strict"
    assert s.WEB_REFRESH_COOKIE_PATH == "/api/auth/web/token-refresh"
    assert s.TOKEN_CLAIM_USER_ATTRIBUTE_MAP == {"user_id": "id", "username": "username", "last_login": "last_login"}
    assert s.TOKEN_USER_ENCODER_CLS == "ninja_simple_jwt.jwt.json_encode.TokenUserEncoder"
    assert s.USERNAME_FIELD == "username"
    assert timedelta(seconds=10) == s.JWT_LEEWAY
    assert s.AUTH_LOAD_USER is False
    assert s.JWT_REMEMBERED_TOKENS == 4096


def test_unknown_settings_are_attribute_errors() -> None:
    with pytest.raises(AttributeError, match="Invalid NINJA_SIMPLE_JWT setting: JWT_NOPE"):
        _ = ninja_simple_jwt_settings.JWT_NOPE


def test_cookie_secure_follows_debug_whenever_read() -> None:
    with override_settings(DEBUG=True):
        assert ninja_simple_jwt_settings.WEB_REFRESH_COOKIE_SECURE is False
    assert ninja_simple_jwt_settings.WEB_REFRESH_COOKIE_SECURE is True
    # DEFAULTS merged into the user's dict (as the original's tests do) still means "not DEBUG".
    with override_settings(DEBUG=True, NINJA_SIMPLE_JWT={**DEFAULTS}):
        assert ninja_simple_jwt_settings.WEB_REFRESH_COOKIE_SECURE is False


def test_overrides_take_effect_and_end(keys: Any) -> None:
    with override_settings(NINJA_SIMPLE_JWT={"JWT_ACCESS_TOKEN_LIFETIME": timedelta(minutes=5)}):
        _, data = encode_token({}, TokenTypes.ACCESS)
        assert data["exp"] - data["iat"] == 300
    _, data = encode_token({}, TokenTypes.ACCESS)
    assert data["exp"] - data["iat"] == 900


def test_pytest_django_settings_fixture(keys: Any, settings: Any) -> None:
    settings.NINJA_SIMPLE_JWT = {"JWT_REFRESH_TOKEN_LIFETIME": timedelta(hours=1)}
    _, data = encode_token({}, TokenTypes.REFRESH)
    assert data["exp"] - data["iat"] == 3600


def test_lifetimes_and_leeway_may_be_seconds(keys: Any) -> None:
    with override_settings(NINJA_SIMPLE_JWT={"JWT_ACCESS_TOKEN_LIFETIME": 60, "JWT_LEEWAY": 2.5}):
        token, data = encode_token({}, TokenTypes.ACCESS)
        assert data["exp"] - data["iat"] == 60
        decode_token(token, TokenTypes.ACCESS)


def test_inline_keys_replace_the_storage(keys: Any) -> None:
    private, public = generate_key_pair()
    # PKCS#8 given as str: what users paste from a secrets manager.
    pkcs8 = serialization.load_pem_private_key(private, None).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    with override_settings(NINJA_SIMPLE_JWT={"JWT_PRIVATE_KEY": pkcs8.decode(), "JWT_PUBLIC_KEY": public}):
        token, _ = encode_token({}, TokenTypes.ACCESS)
        jwt.decode(token, public, algorithms=["RS256"])
        decode_token(token, TokenTypes.ACCESS)
    # Back to the stored keys: the inline pair's token no longer verifies.
    with pytest.raises(exceptions.UnknownKeyIdError):
        decode_token(token, TokenTypes.ACCESS)
    jwt.decode(encode_token({}, TokenTypes.ACCESS)[0], keys[1], algorithms=["RS256"])


def test_separate_private_and_public_storages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from django.core.files.storage import FileSystemStorage

    monkeypatch.setattr(helpers, "private_storage", FileSystemStorage(location=tmp_path / "private"))
    monkeypatch.setattr(helpers, "public_storage", FileSystemStorage(location=tmp_path / "public"))
    config = {
        "JWT_PRIVATE_KEY_STORAGE": "tests.helpers.private_storage",
        "JWT_PUBLIC_KEY_STORAGE": "tests.helpers.public_storage",
    }
    with override_settings(NINJA_SIMPLE_JWT=config):
        make_and_save_key_pair()
        token, _ = encode_token({}, TokenTypes.ACCESS)
        decode_token(token, TokenTypes.ACCESS)
    assert (tmp_path / "private" / "jwt-signing.pem").read_bytes().startswith(b"-----BEGIN RSA PRIVATE KEY")
    assert (tmp_path / "public" / "jwt-signing.pub").read_bytes().startswith(b"-----BEGIN PUBLIC KEY")
    assert not (tmp_path / "private" / "jwt-signing.pub").exists()
    assert not (tmp_path / "jwt-signing.pem").exists()


def test_jwt_key_storage_setting_is_honoured() -> None:
    with override_settings(NINJA_SIMPLE_JWT={"JWT_KEY_STORAGE": "tests.helpers.memory_storage"}):
        make_and_save_key_pair()
        assert helpers.memory_storage.exists("jwt-signing.pem")
        assert helpers.memory_storage.exists("jwt-signing.pub")
        token, _ = encode_token({}, TokenTypes.ACCESS)
        decode_token(token, TokenTypes.ACCESS)
    assert not Path("jwt-signing.pem").exists()


@pytest.mark.parametrize("remember", [0, 1, 4096])
def test_remembered_tokens_can_be_turned_down_or_off(keys: Any, remember: int) -> None:
    with override_settings(NINJA_SIMPLE_JWT={"JWT_REMEMBERED_TOKENS": remember}):
        token, claims = encode_token({"user_id": 1}, TokenTypes.ACCESS)
        assert decode_token(token, TokenTypes.ACCESS) == claims
        assert decode_token(token, TokenTypes.ACCESS) == claims
        with pytest.raises(exceptions.InvalidTokenTypeError):
            decode_token(token, TokenTypes.REFRESH)


@pytest.mark.parametrize("remember", [-1, "many", 1.5, True])
def test_a_bad_remembered_tokens_setting_is_improperly_configured(keys: Any, remember: object) -> None:
    token, _ = encode_token({"user_id": 1}, TokenTypes.ACCESS)
    with override_settings(NINJA_SIMPLE_JWT={"JWT_REMEMBERED_TOKENS": remember}):
        with pytest.raises(ImproperlyConfigured, match="JWT_REMEMBERED_TOKENS"):
            decode_token(token, TokenTypes.ACCESS)
        with pytest.raises(ImproperlyConfigured, match="JWT_REMEMBERED_TOKENS"):
            encode_token({"user_id": 1}, TokenTypes.ACCESS)


def test_a_missing_key_says_what_to_do() -> None:
    with pytest.raises(exceptions.InvalidKeyError, match=r"run `python manage\.py make_jwt_key`"):
        encode_token({}, TokenTypes.ACCESS)


def test_keys_are_parsed_once_and_dropped_on_settings_change(keys: Any) -> None:
    first = key_ring.signing_set()
    assert key_ring.signing_set() is first
    assert InMemoryJwtKeyPair.private_key == keys[0]
    with override_settings(NINJA_SIMPLE_JWT={"JWT_ACCESS_TOKEN_LIFETIME": timedelta(minutes=1)}):
        assert key_ring.signing_set() is not first


@pytest.mark.parametrize("claim", ["iss", "aud"])
def test_the_claim_map_cannot_set_the_issuer_or_the_audience(settings: Any, claim: str) -> None:
    # They choose the keys a token is verified with (JWT_TRUSTED_ISSUERS) and whom it is for.
    settings.NINJA_SIMPLE_JWT = {"TOKEN_CLAIM_USER_ATTRIBUTE_MAP": {claim: "username"}}
    with pytest.raises(ImproperlyConfigured, match=f"maps '{claim}', a claim the package sets itself"):
        ninja_simple_jwt_settings.validated()


def test_a_reload_by_hand_forgets_what_was_worked_out_from_the_settings() -> None:
    # The original's tests assign the settings and call reload() themselves, without a setting_changed signal.
    from django.conf import settings as django_settings

    from ninja_simple_jwt.auth.token_user import TokenUser
    from ninja_simple_jwt.users import claim_attributes, id_claim

    assert id_claim() == "user_id"
    TokenUser({"user_id": 1})
    missing = object()
    before = getattr(django_settings, "NINJA_SIMPLE_JWT", missing)
    try:
        django_settings.NINJA_SIMPLE_JWT = {"TOKEN_CLAIM_USER_ATTRIBUTE_MAP": {"uid": "id", "name": "username"}}
        ninja_simple_jwt_settings.reload()
        assert claim_attributes() == (("uid", "id"), ("name", "username"))
        assert id_claim() == "uid"
        user = TokenUser({"uid": 5, "name": "ann"})
        assert (user.id, user.username) == (5, "ann")
    finally:
        if before is missing:
            del django_settings.NINJA_SIMPLE_JWT
        else:
            django_settings.NINJA_SIMPLE_JWT = before
        ninja_simple_jwt_settings.reload()
    assert id_claim() == "user_id"


def test_the_key_sets_claims_keep_the_callers_place(keys: Any) -> None:
    token, claims = encode_token({"token_type": "x", "user_id": 1, "jti": "mine"}, TokenTypes.ACCESS)
    decoded = decode_token(token, TokenTypes.ACCESS)
    assert list(decoded) == ["token_type", "user_id", "jti", "exp", "iat"] == list(claims)
    assert decoded == claims and decoded["jti"] != "mine"
