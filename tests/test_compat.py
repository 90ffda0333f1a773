"""Drop-in for every release of the original: COMPATIBLE_WITH, 0.8.1's public names and behaviour, and a
clock patched by freezegun or time-machine at the first token of a process."""

import subprocess
import sys
import textwrap
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ImproperlyConfigured
from django.test import Client, RequestFactory, override_settings
from ninja.errors import AuthenticationError
from ninja.security.http import DecodeError as NinjaDecodeError

from ninja_simple_jwt import settings as settings_module
from ninja_simple_jwt.auth.ninja_auth import HttpJwtAuth
from ninja_simple_jwt.auth.token_user import TokenUser
from ninja_simple_jwt.jwt import token_operations
from ninja_simple_jwt.jwt.json_encode import TokenUserEncoder
from ninja_simple_jwt.jwt.token_operations import TokenTypes, decode_token, encode_token, get_access_token_for_user
from ninja_simple_jwt.settings import (
    DEFAULTS,
    EMPTY_SETTINGS,
    JwtSettings,
    NinjaSimpleJwtSettings,
    NinjaSimpleJwtSettingsDict,
    ninja_simple_jwt_settings,
    settings_problems,
)

# A fresh process, so that its first token is the one made under the patched clock.
FIRST_TOKEN_UNDER_PATCHED_CLOCK = """
import django
from django.conf import settings
from ninja_simple_jwt._core import generate_key_pair

private, public = generate_key_pair()
settings.configure(
    INSTALLED_APPS=["django.contrib.auth", "django.contrib.contenttypes", "ninja_simple_jwt"],
    DATABASES={{}},
    USE_TZ=True,
    NINJA_SIMPLE_JWT={{"JWT_PRIVATE_KEY": private, "JWT_PUBLIC_KEY": public}},
)
django.setup()
from ninja_simple_jwt.jwt.token_operations import TokenTypes, decode_token, encode_token

{patch}
    frozen, frozen_claims = encode_token({{"name": "x"}}, TokenTypes.ACCESS)
assert frozen_claims["iat"] == 1704974401, frozen_claims
token, claims = encode_token({{"name": "x"}}, TokenTypes.ACCESS)
assert claims["iat"] > 1704974401, claims
assert decode_token(token, TokenTypes.ACCESS)["name"] == "x"
print("ok")
"""


@pytest.mark.parametrize(
    "patch",
    [
        'from freezegun import freeze_time\nwith freeze_time("2024-01-11 12:00:01"):',
        'import time_machine\nwith time_machine.travel("2024-01-11 12:00:01Z", tick=False):',
    ],
    ids=["freezegun", "time-machine"],
)
def test_first_token_under_a_patched_clock_then_real_time(patch: str, tmp_path: Path) -> None:
    script = FIRST_TOKEN_UNDER_PATCHED_CLOCK.format(patch=textwrap.dedent(patch))
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


# A process that has loaded neither freezegun nor time-machine: the core reads the clocks itself, as
# `time.time()` and `time.monotonic()` would, until something replaces those functions.
CLOCKS_READ_BY_THE_CORE = """
import base64, json, sys, time
from datetime import timedelta
from pathlib import Path
from unittest import mock
import django
from django.conf import settings
from ninja_simple_jwt._core import generate_key_pair

def write_keys():
    private, public = generate_key_pair()
    Path("jwt.pem").write_bytes(private)
    Path("jwt.pub").write_bytes(public)

write_keys()
settings.configure(
    INSTALLED_APPS=["django.contrib.auth", "django.contrib.contenttypes", "ninja_simple_jwt"],
    DATABASES={},
    USE_TZ=True,
    NINJA_SIMPLE_JWT={
        "JWT_PRIVATE_KEY_PATH": "jwt.pem",
        "JWT_PUBLIC_KEY_PATH": "jwt.pub",
        "JWT_KEY_RELOAD_INTERVAL": timedelta(seconds=1),
    },
)
django.setup()
from ninja_simple_jwt.jwt.token_operations import TokenTypes, decode_token, encode_token
assert "time_machine" not in sys.modules and "freezegun" not in sys.modules

def kid(token):
    header = token.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))["kid"]

# Wall-clock time, as time.time() has it.
before = time.time()
token, claims = encode_token({}, TokenTypes.ACCESS)
after = time.time()
assert int(before) <= claims["iat"] <= after, (before, claims["iat"], after)
assert decode_token(token, TokenTypes.ACCESS)["iat"] == claims["iat"]
# A time.time() patched by replacing it is asked, when signing and when checking `exp`.
with mock.patch("time.time", return_value=1_900_000_000.75):
    future, claims = encode_token({}, TokenTypes.ACCESS)
    assert claims["iat"] == 1_900_000_000, claims
    assert decode_token(future, TokenTypes.ACCESS)["iat"] == 1_900_000_000
with mock.patch("time.time", return_value=1_900_000_000 + 3600):
    try:
        decode_token(future, TokenTypes.ACCESS)
        raise AssertionError("an expired token passed")
    except Exception as e:
        assert type(e).__name__ == "ExpiredSignatureError", repr(e)
# The key ring's reload interval runs on time.monotonic(): new keys on disk are read once it passes,
# not before.
first = kid(encode_token({}, TokenTypes.ACCESS)[0])
write_keys()
assert kid(encode_token({}, TokenTypes.ACCESS)[0]) == first
time.sleep(1.2)
assert kid(encode_token({}, TokenTypes.ACCESS)[0]) != first
print("ok")
"""


def test_the_clocks_read_by_the_core_are_pythons(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", CLOCKS_READ_BY_THE_CORE], capture_output=True, text=True, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_without_compatible_with_the_seed_defaults_hold() -> None:
    s = ninja_simple_jwt_settings
    assert s.COMPATIBLE_WITH == "0.4"
    assert s.WEB_REFRESH_COOKIE_PATH == "/api/auth/web/token-refresh"
    assert s.TOKEN_CLAIM_USER_ATTRIBUTE_MAP == {"user_id": "id", "username": "username", "last_login": "last_login"}
    assert DEFAULTS["WEB_REFRESH_COOKIE_PATH"] == "/api/auth/web/token-refresh"


@pytest.mark.parametrize("release", ["0.6", "0.7", "0.8"])
def test_compatible_with_a_later_release_gives_its_defaults(release: str) -> None:
    with override_settings(NINJA_SIMPLE_JWT={"COMPATIBLE_WITH": release}):
        s = ninja_simple_jwt_settings
        assert s.WEB_REFRESH_COOKIE_PATH == "/api/auth/web"
        assert list(s.TOKEN_CLAIM_USER_ATTRIBUTE_MAP) == [
            *("user_id", "username", "first_name", "last_name", "email", "is_staff", "is_superuser"),
            *("last_login", "date_joined", "is_active"),
        ]
        # What the original's tests do: merge their overrides over DEFAULTS, which keeps the release.
        for merged in ({**DEFAULTS, "USERNAME_FIELD": "email"}, DEFAULTS | {"USERNAME_FIELD": "email"}):
            assert merged["COMPATIBLE_WITH"] == release
            assert merged["WEB_REFRESH_COOKIE_PATH"] == "/api/auth/web"
            assert merged["USERNAME_FIELD"] == "email"
        assert DEFAULTS.copy() == dict(DEFAULTS) == ninja_simple_jwt_settings.defaults
    # A setting the project gives wins over its release's default.
    with override_settings(NINJA_SIMPLE_JWT={"COMPATIBLE_WITH": release, "WEB_REFRESH_COOKIE_PATH": "/x"}):
        assert ninja_simple_jwt_settings.WEB_REFRESH_COOKIE_PATH == "/x"


def test_compatible_with_0_5_keeps_the_seed_defaults() -> None:
    with override_settings(NINJA_SIMPLE_JWT={"COMPATIBLE_WITH": "0.5"}):
        assert ninja_simple_jwt_settings.WEB_REFRESH_COOKIE_PATH == "/api/auth/web/token-refresh"


@pytest.mark.parametrize("value", ["0.9", "0.6.1", 0.6, None])
def test_a_bad_compatible_with_is_refused(value: Any) -> None:
    with override_settings(NINJA_SIMPLE_JWT={"COMPATIBLE_WITH": value}):
        problems = settings_problems()
        assert [(p.id, p.setting) for p in problems] == [("E003", "COMPATIBLE_WITH")]
        assert "'0.4', '0.5', '0.6', '0.7', '0.8'" in problems[0].message
        with pytest.raises(ImproperlyConfigured, match="COMPATIBLE_WITH"):
            ninja_simple_jwt_settings.validated()


def test_the_originals_settings_names() -> None:
    assert EMPTY_SETTINGS == {}
    assert set(NinjaSimpleJwtSettingsDict.__annotations__) == set(JwtSettings.model_fields)
    with override_settings(NINJA_SIMPLE_JWT={"USERNAME_FIELD": "email"}):
        assert settings_module.USER_SETTINGS == {"USERNAME_FIELD": "email"}
        # The original's receiver, called as setting_changed calls it.
        settings_module.reload_ninja_simple_jwt_settings(setting="NINJA_SIMPLE_JWT", value={}, enter=True)
        assert ninja_simple_jwt_settings.USERNAME_FIELD == "email"
    own = NinjaSimpleJwtSettings({"JWT_LEEWAY": 3}, {"USERNAME_FIELD": "email"})
    assert timedelta(seconds=3) == own.JWT_LEEWAY
    assert own.USERNAME_FIELD == "email"
    assert own.COMPATIBLE_WITH == "0.4"


def test_the_originals_module_names(settings: Any) -> None:
    import ninja_simple_jwt.admin
    from ninja_simple_jwt.auth.ninja_auth import TokenUser as ReExported
    from ninja_simple_jwt.auth.views.schemas import Empty

    assert ninja_simple_jwt.admin.__all__ == []
    assert ReExported is TokenUser
    assert Empty().model_dump() == {}
    assert token_operations.TokenUserJsonEncoder is TokenUserEncoder
    settings.NINJA_SIMPLE_JWT = {"TOKEN_USER_ENCODER_CLS": "tests.helpers.EpochEncoder"}
    assert token_operations.TokenUserJsonEncoder.__name__ == "EpochEncoder"


def test_decode_authorization() -> None:
    auth = HttpJwtAuth()
    assert auth.decode_authorization("Bearer abc") == "abc"
    assert auth.decode_authorization("BEARER abc") == "abc"
    for value in ("abc", "Basic abc", "Bearer", "Bearer a b"):
        with pytest.raises(NinjaDecodeError, match="Invalid Authorization header"):
            auth.decode_authorization(value)


def test_authenticate_raises_ninjas_authentication_error(keys: Any, rf: RequestFactory) -> None:
    with pytest.raises(AuthenticationError) as raised:
        HttpJwtAuth().authenticate(rf.get("/"), "not-a-token")
    assert raised.value.message == "Unauthorized"


def test_a_token_without_the_user_id_claim_is_401(client: Client, keys: Any) -> None:
    token, _ = encode_token({"username": "u"}, TokenTypes.ACCESS)
    response = client.get("/api/protected/me", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 401
    assert response.json() == {"detail": "Unauthorized"}
    # Without an id claim in the map, nothing is missing.
    no_id = {"username": "username", "last_login": "last_login"}
    with override_settings(NINJA_SIMPLE_JWT={"TOKEN_CLAIM_USER_ATTRIBUTE_MAP": no_id}):
        token, _ = encode_token({"username": "u"}, TokenTypes.ACCESS)
        response = client.get("/api/protected/me", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200


def test_a_token_user_stands_in_for_a_user(user: Any, keys: Any) -> None:
    with override_settings(NINJA_SIMPLE_JWT={"COMPATIBLE_WITH": "0.8"}):
        token_user = TokenUser(decode_token(get_access_token_for_user(user)[0], TokenTypes.ACCESS))
        assert token_user._meta is get_user_model()._meta
        assert int(token_user) == user.pk == token_user.pk == token_user.user_id
        assert get_user_model().objects.filter(pk=token_user.pk).get() == user
        group = Group.objects.create(name="g")
        user.groups.add(group)
        assert list(Group.objects.filter(user=token_user)) == [group]
        assert (token_user.username, token_user.first_name, token_user.is_staff) == (user.username, "", False)
    with pytest.raises(TypeError):
        int(TokenUser({}))


def test_a_token_user_always_has_a_username() -> None:
    with override_settings(NINJA_SIMPLE_JWT={"TOKEN_CLAIM_USER_ATTRIBUTE_MAP": {"user_id": "id"}}):
        assert TokenUser({"user_id": 1}).username == ""
    assert TokenUser({"user_id": 1, "username": "ann"}).username == "ann"


def test_a_claims_own_name_never_hides_an_attribute() -> None:
    claim_map = {"user_id": "id", "id": "username", "_meta": "email", "has_perm": "first_name"}
    with override_settings(NINJA_SIMPLE_JWT={"TOKEN_CLAIM_USER_ATTRIBUTE_MAP": claim_map}):
        user = TokenUser({"user_id": 7, "id": "ann", "_meta": "x", "has_perm": "y"})
    assert (user.id, user.user_id, user.username) == (7, 7, "ann")
    assert user._meta is get_user_model()._meta
    assert user.has_perm("any") is False
