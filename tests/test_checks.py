"""Settings refused when Django starts and after overrides, and the system checks of `manage.py check`."""

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.core.management import ManagementUtility, call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings
from django.urls import path

from ninja_simple_jwt._core import generate_key_pair
from ninja_simple_jwt.checks import check_settings
from ninja_simple_jwt.settings import ninja_simple_jwt_settings
from tests.servers import REPO

# Each bad value with the setting named in the message. The cases come first.
BAD = {
    "JWT_LEEWAY": ("10", "must be a timedelta or a number of seconds, not str"),
    "JWT_REMEMBERED_TOKENS": ("4096", "must be an integer, not str"),
    "JWT_ACCESS_TOKEN_LIFETIME": ("900", "must be a timedelta or a number of seconds, not str"),
    "TOKEN_USER_ENCODER_CLS": ("tests.helpers.NoSuchEncoder", "cannot be imported"),
    "JWT_REFRESH_TOKEN_LIFETIME": (timedelta(days=-1), "must be positive"),
    "JWKS_MAX_AGE": (-5, "must not be negative"),
    "JWT_KEY_RELOAD_INTERVAL": (float("nan"), "must be a finite number of seconds"),
    "JWT_REFRESH_REUSE_GRACE": (True, "not bool"),
    "JWT_KEY_STORAGE": ("tests.helpers.EpochEncoder", "is not a storage instance"),
    "JWT_PUBLIC_KEY_STORAGE": ("nowhere.storage", "cannot be imported"),
    "JWT_PRIVATE_KEY": (42, "must be a PEM key as str or bytes, not int"),
    "JWT_REFRESH_COOKIE_NAME": ("my refresh", "must be a cookie name"),
    "WEB_REFRESH_COOKIE_PATH": ("api/refresh", "must be a URL path starting with '/'"),
    "WEB_REFRESH_COOKIE_SECURE": ("yes", "must be True or False, not str"),
    "WEB_REFRESH_COOKIE_HTTP_ONLY": (1, "valid boolean"),
    "WEB_REFRESH_COOKIE_SAME_SITE_POLICY": ("strictest", "must be 'Strict', 'Lax', 'None' or None"),
    "TOKEN_CLAIM_USER_ATTRIBUTE_MAP": ({"exp": "id"}, "maps 'exp', a claim the package sets itself"),
    "USERNAME_FIELD": ("", "must be a non-empty string"),
    "JWT_ALGORITHM": ("HS256", "must be one of 'RS256', 'ES256', 'EdDSA', not 'HS256'"),
    "TOKEN_USER_CLS": ("tests.helpers.memory_storage", "is not a class"),
    "JWT_EXTRA_PUBLIC_KEYS": ("-----BEGIN PUBLIC KEY-----", "must be a list of PEM keys, not str"),
    "SIGN_IN_MAX_FAILURES_PER_USERNAME": (-1, "must not be negative"),
    "SIGN_IN_FAILURE_WINDOW": (0, "must be positive"),
}


def test_bad_settings_stop_django_from_starting(tmp_path: Path) -> None:
    settings = {name: value for name, (value, _) in BAD.items()}
    settings["JWT_ACESS_TOKEN_LIFETIME"] = 60  # misspelled
    (tmp_path / "bad_settings.py").write_text(
        f"import datetime\nfrom tests.settings import *\nNINJA_SIMPLE_JWT = {settings!r}\n".replace(
            "nan", "float('nan')"
        )
    )
    env = {**os.environ, "PYTHONPATH": f"{tmp_path}{os.pathsep}{REPO}", "DJANGO_SETTINGS_MODULE": "bad_settings"}
    command = [sys.executable, "-c", "import django; django.setup()"]
    result = subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode != 0
    assert "ImproperlyConfigured: Invalid NINJA_SIMPLE_JWT settings:" in result.stderr
    for name, (_, message) in BAD.items():
        assert f"ninja_simple_jwt.E003: NINJA_SIMPLE_JWT[{name!r}] " in result.stderr, name
        assert message in result.stderr, name
    assert (
        "ninja_simple_jwt.E002: NINJA_SIMPLE_JWT['JWT_ACESS_TOKEN_LIFETIME'] is not a setting of ninja_simple_jwt. "
        "Did you mean 'JWT_ACCESS_TOKEN_LIFETIME'?"
    ) in result.stderr


def test_the_example_project_starts_with_its_settings(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO / "example"), "DJANGO_SETTINGS_MODULE": "project.settings"}
    command = [sys.executable, "-c", "import django; django.setup()"]
    subprocess.run(command, env=env, cwd=tmp_path, check=True)


@pytest.mark.parametrize("name", list(BAD))
def test_an_override_is_validated_too(keys: Any, name: str) -> None:
    value, _ = BAD[name]
    with override_settings(NINJA_SIMPLE_JWT={name: value}):
        with pytest.raises(ImproperlyConfigured, match=f"NINJA_SIMPLE_JWT\\['{name}'\\]"):
            _ = ninja_simple_jwt_settings.JWT_LEEWAY
        with pytest.raises(ImproperlyConfigured, match="Invalid NINJA_SIMPLE_JWT settings"):
            apps.get_app_config("ninja_simple_jwt").ready()
        assert [m.id for m in check_settings()] == ["ninja_simple_jwt.E003"]
    assert timedelta(seconds=10) == ninja_simple_jwt_settings.JWT_LEEWAY


def test_numbers_of_seconds_read_as_timedelta() -> None:
    with override_settings(NINJA_SIMPLE_JWT={"JWT_ACCESS_TOKEN_LIFETIME": 60, "JWT_LEEWAY": 2.5}):
        assert timedelta(seconds=60) == ninja_simple_jwt_settings.JWT_ACCESS_TOKEN_LIFETIME
        assert timedelta(seconds=2.5) == ninja_simple_jwt_settings.JWT_LEEWAY


def ids(config: Any, **django_settings: Any) -> list[tuple[str, str]]:
    with override_settings(NINJA_SIMPLE_JWT=config, **django_settings):
        return [(m.id or "", m.msg + " " + (m.hint or "")) for m in check_settings()]


def only(messages: list[tuple[str, str]]) -> tuple[str, str]:
    assert len(messages) == 1, messages
    return messages[0]


def test_default_settings_with_keys_are_clean(keys: Any) -> None:
    assert ids({}) == []


@pytest.mark.parametrize(
    ("config", "django_settings", "expected_id", "fragment"),
    [
        ("not a dict", {}, "E001", "must be a dict, not str"),
        ({"JWT_LEEWAYS": 1}, {}, "E002", "Did you mean 'JWT_LEEWAY'?"),
        ({"JWT_LEEWAY": "1"}, {}, "E003", "NINJA_SIMPLE_JWT['JWT_LEEWAY'] must be a timedelta"),
        (
            {"JWT_ACCESS_TOKEN_LIFETIME": timedelta(days=30)},
            {},
            "E004",
            "NINJA_SIMPLE_JWT['JWT_ACCESS_TOKEN_LIFETIME'] must be shorter than JWT_REFRESH_TOKEN_LIFETIME",
        ),
        (
            {"AUTH_LOAD_USER": True, "TOKEN_CLAIM_USER_ATTRIBUTE_MAP": {"username": "username"}},
            {},
            "E005",
            "maps no claim to 'id' or 'pk'",
        ),
        (
            {"USE_STATELESS_AUTH": False, "TOKEN_CLAIM_USER_ATTRIBUTE_MAP": {"username": "username"}},
            {},
            "E005",
            "NINJA_SIMPLE_JWT['USE_STATELESS_AUTH'] loads the user",
        ),
        ({"JWT_ROTATE_REFRESH_TOKENS": True}, {}, "E006", "needs the app 'ninja_simple_jwt.sessions'"),
        ({"JWT_REVOKE_ACCESS_TOKENS": True}, {}, "E006", "NINJA_SIMPLE_JWT['JWT_REVOKE_ACCESS_TOKENS'] needs"),
        ({"SIGN_IN_THROTTLE_CACHE": "throttle"}, {}, "E007", "names the cache 'throttle', which is not in CACHES"),
        (
            {"WEB_REFRESH_COOKIE_PATH": "/api/auth/mobile/token-refresh"},
            {},
            "E010",
            "the web token-refresh route is at /api/auth/web/token-refresh",
        ),
        ({"WEB_REFRESH_COOKIE_PATH": "/api/auth/web/token"}, {}, "E010", "Set WEB_REFRESH_COOKIE_PATH"),
        ({"WEB_REFRESH_COOKIE_SECURE": False}, {"DEBUG": False}, "W001", "while DEBUG is off"),
        ({"WEB_REFRESH_COOKIE_HTTP_ONLY": False}, {}, "W002", "can read the refresh token"),
    ],
)
def test_each_check(keys: Any, config: Any, django_settings: Any, expected_id: str, fragment: str) -> None:
    message_id, text = only(ids(config, **django_settings))
    assert message_id == f"ninja_simple_jwt.{expected_id}"
    assert fragment in text


@pytest.mark.parametrize("path", ["/", "/api/auth/web/", "/api/auth/web/token-refresh"])
def test_a_cookie_path_above_the_route_reaches_it(keys: Any, path: str) -> None:
    assert ids({"WEB_REFRESH_COOKIE_PATH": path}) == []


def test_no_cookie_path_check_where_the_web_routes_are_not_mounted(keys: Any) -> None:
    with override_settings(ROOT_URLCONF="tests.test_checks"):
        assert ids({"WEB_REFRESH_COOKIE_PATH": "/elsewhere"}) == []


urlpatterns: list[Any] = []


def test_sessions_router_mounted_without_the_app_is_an_error(keys: Any) -> None:
    # Only the name matters to the check (the sessions suite mounts the real router).
    urlconf = ModuleType("urls_with_sessions")
    urlconf.urlpatterns = [path("api/auth/sessions/", lambda request: None, name="sessions_list")]  # type: ignore[attr-defined]
    message_id, text = only(ids({}, ROOT_URLCONF=urlconf))
    assert message_id == "ninja_simple_jwt.E011"
    assert "Add 'ninja_simple_jwt.sessions' to INSTALLED_APPS" in text


def test_an_off_secure_flag_is_fine_in_debug(keys: Any) -> None:
    assert ids({"WEB_REFRESH_COOKIE_SECURE": False}, DEBUG=True) == []


def test_the_cache_aliases_are_checked_when_used(keys: Any) -> None:
    caches = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    off = {"SIGN_IN_THROTTLE_CACHE": "x", "SIGN_IN_MAX_FAILURES_PER_USERNAME": 0, "SIGN_IN_MAX_FAILURES_PER_ADDRESS": 0}
    assert ids(off, CACHES=caches) == []
    messages = ids({"JWT_REVOKE_ACCESS_TOKENS": True, "JWT_REVOCATION_CACHE": "revoked"}, CACHES=caches)
    assert [m[0] for m in messages] == ["ninja_simple_jwt.E006", "ninja_simple_jwt.E007"]
    assert "NINJA_SIMPLE_JWT['JWT_REVOCATION_CACHE'] names the cache 'revoked'" in messages[1][1]


def test_missing_keys_are_a_warning(tmp_path: Path) -> None:
    messages = ids({})
    assert [m[0] for m in messages] == ["ninja_simple_jwt.W003"] * 2
    # The absolute path: the default storage reads relative to the working directory.
    assert f"No JWT private key at {str(tmp_path / 'jwt-signing.pem')!r}" in messages[0][1]
    assert "make_jwt_key" in messages[0][1]


def test_a_verify_only_server_needs_only_the_public_key(pem_pair: tuple[bytes, bytes]) -> None:
    messages = ids({"JWT_PUBLIC_KEY": pem_pair[1]})
    assert [m[0] for m in messages] == ["ninja_simple_jwt.W003"]


def test_an_unreadable_key_is_an_error(keys: Any, tmp_path: Path) -> None:
    (tmp_path / "jwt-signing.pub").write_bytes(b"-----BEGIN PUBLIC KEY-----\ngarbage\n-----END PUBLIC KEY-----\n")
    message_id, text = only(ids({}))
    assert message_id == "ninja_simple_jwt.E008"
    assert text.startswith("The JWT keys cannot be used: ")


def test_an_ed25519_key_anyone_could_sign_under_is_an_error() -> None:
    # 32 zero bytes, a placeholder a key could well be written with, are a point of order 4: tokens
    # that anyone can make would verify under it.
    zeros = Ed25519PublicKey.from_public_bytes(bytes(32))
    pem = zeros.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    messages = dict(ids({"JWT_ALGORITHM": "EdDSA", "JWT_PUBLIC_KEY": pem}))
    assert list(messages) == ["ninja_simple_jwt.W003", "ninja_simple_jwt.E008"]  # W003: verify-only
    assert "a point of small order, under which anyone could sign" in messages["ninja_simple_jwt.E008"]


def test_keys_of_two_pairs_are_an_error(keys: Any) -> None:
    _, other_public = generate_key_pair()
    message_id, text = only(ids({"JWT_PUBLIC_KEY": other_public}))
    assert message_id == "ninja_simple_jwt.E009"
    assert "are not one key pair" in text


def test_manage_py_check_names_the_problem(keys: Any) -> None:
    with (
        override_settings(NINJA_SIMPLE_JWT={"JWT_ROTATE_REFRESH_TOKENS": True}),
        pytest.raises(SystemCheckError, match=r"ninja_simple_jwt\.E006"),
    ):
        call_command("check")
    call_command("check")


def test_make_rsa_runs_whatever_the_checks_say(tmp_path: Path) -> None:
    (tmp_path / "jwt-signing.pem").write_text("broken")
    (tmp_path / "jwt-signing.pub").write_text("broken")
    assert [m[0] for m in ids({})] == ["ninja_simple_jwt.E008"]
    # As `manage.py make_rsa` runs it: a command that requires checks would stop at the broken keys.
    ManagementUtility(["manage.py", "make_rsa", "--force"]).execute()
    assert ids({}) == []


@pytest.mark.parametrize(
    ("config", "django_settings", "expected_id", "fragment"),
    [
        ({"JWT_REFRESH_TOKEN_LIFETIME": timedelta(days=365 * 10_000)}, {}, "E050", "past the year 9999"),
        (
            {"TOKEN_CLAIM_USER_ATTRIBUTE_MAP": {"user_id": "id", "email": "emial"}},
            {},
            "E051",
            "maps 'email' to 'emial', which User does not have",
        ),
        (
            {"WEB_REFRESH_COOKIE_SAME_SITE_POLICY": "None", "WEB_REFRESH_COOKIE_SECURE": False},
            {"DEBUG": True},
            "E052",
            "browsers refuse such a cookie",
        ),
        ({"WEB_REFRESH_COOKIE_SAME_SITE_POLICY": "none"}, {"DEBUG": True}, "E052", "over HTTPS"),
        ({"JWT_LEEWAY": 3600}, {}, "W051", "accepted that long after they expire"),
    ],
)
def test_settings_that_would_break_or_weaken_every_request(
    keys: Any, config: Any, django_settings: Any, expected_id: str, fragment: str
) -> None:
    message_id, text = only(ids(config, **django_settings))
    assert message_id == f"ninja_simple_jwt.{expected_id}"
    assert fragment in text


@pytest.mark.parametrize(
    "config",
    [
        {"JWT_REFRESH_TOKEN_LIFETIME": timedelta(days=365 * 100)},
        {"TOKEN_CLAIM_USER_ATTRIBUTE_MAP": {"user_id": "pk", "name": "get_full_name", "upper": str.upper}},
        {"WEB_REFRESH_COOKIE_SAME_SITE_POLICY": "None"},  # Secure, DEBUG being off
        {"JWT_LEEWAY": 300},
        {"JWT_REFRESH_REUSE_GRACE": timedelta(days=30)},  # without rotation, no grace is used
    ],
)
def test_their_bounds_are_clean(keys: Any, config: Any) -> None:
    assert ids(config) == []
