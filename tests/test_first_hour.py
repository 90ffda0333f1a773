"""A new user's mistakes, each named where it is made: the app left out of INSTALLED_APPS, a cache of one
process behind the throttle or revocation, keys looked for in another directory, a cookie the browser
did not send."""

import json
import logging
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.test import Client, override_settings

from ninja_simple_jwt.checks import check_settings
from ninja_simple_jwt.exceptions import InvalidKeyError
from ninja_simple_jwt.jwt.key_retrieval import key_ring
from tests.servers import REPO

LOCMEM = "django.core.cache.backends.locmem.LocMemCache"
DUMMY = "django.core.cache.backends.dummy.DummyCache"
SHARED = "django.core.cache.backends.filebased.FileBasedCache"


def checks(config: dict[str, Any], **django_settings: Any) -> list[tuple[str, str]]:
    with override_settings(NINJA_SIMPLE_JWT=config, **django_settings):
        return [(m.id or "", f"{m.msg} {m.hint or ''}") for m in check_settings()]


def test_routers_mounted_without_the_app_fail_the_check_naming_installed_apps(tmp_path: Path) -> None:
    (tmp_path / "no_app_settings.py").write_text(
        "from tests.settings import *\n"
        "INSTALLED_APPS = [a for a in INSTALLED_APPS if a != 'ninja_simple_jwt']\n"
        "ROOT_URLCONF = 'tests.urls'\n"
        # The settings are still checked: the misspelling is named too.
        "NINJA_SIMPLE_JWT = {'JWT_ACESS_TOKEN_LIFETIME': 60}\n"
    )
    env = {**os.environ, "PYTHONPATH": f"{tmp_path}{os.pathsep}{REPO}", "DJANGO_SETTINGS_MODULE": "no_app_settings"}
    command = [sys.executable, "-m", "django", "check"]
    result = subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode != 0
    assert "The routers of ninja_simple_jwt are imported" in result.stderr
    assert "but 'ninja_simple_jwt' is not in INSTALLED_APPS: add it" in result.stderr
    assert "NINJA_SIMPLE_JWT['JWT_ACESS_TOKEN_LIFETIME'] is not a setting of ninja_simple_jwt" in result.stderr
    # With the app, the same project's check names the setting as an error of its own.
    env["DJANGO_SETTINGS_MODULE"] = "tests.settings"
    assert subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True).returncode == 0


@pytest.mark.parametrize(
    ("config", "setting", "consequence"),
    [
        ({}, "SIGN_IN_THROTTLE_CACHE", "each worker counts failed sign-ins on its own"),
        (
            {
                "JWT_REVOKE_ACCESS_TOKENS": True,
                "SIGN_IN_MAX_FAILURES_PER_USERNAME": 0,
                "SIGN_IN_MAX_FAILURES_PER_ADDRESS": 0,
            },
            "JWT_REVOCATION_CACHE",
            "keep accepting its access tokens",
        ),
    ],
)
def test_a_cache_of_one_process_is_a_warning(keys: Any, config: dict[str, Any], setting: str, consequence: str) -> None:
    caches = {"default": {"BACKEND": LOCMEM}}
    with override_settings(INSTALLED_APPS=[*_installed(), "ninja_simple_jwt.sessions"]):
        (message,) = checks(config, CACHES=caches)
        assert message[0] == "ninja_simple_jwt.W040"
        assert f"NINJA_SIMPLE_JWT[{setting!r}] names the cache 'default', a {LOCMEM}" in message[1]
        assert consequence in message[1]
        # Under DEBUG, one process (runserver) is the usual case: no warning.
        assert checks(config, CACHES=caches, DEBUG=True) == []
        # DummyCache keeps nothing, with one worker as with many.
        (message,) = checks(config, CACHES={"default": {"BACKEND": DUMMY}}, DEBUG=True)
        assert message[0] == "ninja_simple_jwt.W041" and DUMMY in message[1]
        assert checks(config, CACHES={"default": {"BACKEND": SHARED, "LOCATION": "/tmp/x"}}) == []


def test_no_cache_warning_for_a_cache_nothing_uses(keys: Any) -> None:
    off = {"SIGN_IN_MAX_FAILURES_PER_USERNAME": 0, "SIGN_IN_MAX_FAILURES_PER_ADDRESS": 0}
    assert checks(off, CACHES={"default": {"BACKEND": DUMMY}}) == []


def _installed() -> list[str]:
    from django.conf import settings

    return [app for app in settings.INSTALLED_APPS if app != "ninja_simple_jwt.sessions"]


def test_missing_keys_are_named_by_their_absolute_path(
    tmp_path: Path, client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    # The default storage resolves a relative path against the working directory (here tmp_path).
    public = repr(str(tmp_path / "jwt-signing.pub"))
    with pytest.raises(InvalidKeyError, match=f"No JWT public key at {public}"):
        key_ring.key_set()
    assert f"No JWT public key at {public}" in " ".join(message for _, message in checks({}))
    with caplog.at_level(logging.ERROR, logger="ninja_simple_jwt"):
        assert client.post("/api/auth/web/token-refresh", HTTP_COOKIE="refresh=x").status_code == 503
    assert f"No JWT public key at {public}" in caplog.text


def readme_blocks(section: str) -> list[str]:
    """The Python code blocks of the README's `section` (a heading), in order."""
    text = (Path(REPO) / "README.md").read_text()
    start = text.index(f"\n{section}\n")
    following = re.compile(r"\n#{2,} ").search(text, start + len(section) + 2)
    end = following.start() if following else len(text)
    return re.findall(r"```python\n(.*?)```", text[start:end], re.DOTALL)


QUICK_START_RUN = """
import django, json
django.setup()
from django.core.management import call_command
from django.contrib.auth.models import User
from django.test import Client
call_command("migrate", verbosity=0)
call_command("make_jwt_key", stdout=open("/dev/null", "w"))
User.objects.create_user(username="alice", password="pw")
client = Client()
tokens = client.post(
    "/api/auth/mobile/sign-in", {"username": "alice", "password": "pw"}, content_type="application/json"
).json()
hello = client.get("/api/hello", HTTP_AUTHORIZATION="Bearer " + tokens["access"])
jwks = client.get("/.well-known/jwks.json")
print(json.dumps([hello.status_code, hello.json(), jwks.status_code, sorted(tokens)]))
"""


def test_the_quick_start_works_as_copied_with_the_readme_claim_map(tmp_path: Path) -> None:
    settings_block, urls_block, views_block, mount_block, jwks_block = readme_blocks("## Quick start")
    assert '"ninja_simple_jwt"' in settings_block
    # The user's files, as the README says to write them: the mount goes before urlpatterns.
    (tmp_path / "myapp").mkdir()
    (tmp_path / "myapp" / "__init__.py").write_text("")
    (tmp_path / "myapp" / "views.py").write_text(views_block)
    # The JWKS block's urlpatterns replaces the first (django-ninja before 1.7 refuses `api.urls` read twice).
    head, _, _ = urls_block.rpartition("urlpatterns")
    assert "api.urls" in jwks_block
    (tmp_path / "quick_urls.py").write_text(head + mount_block + jwks_block)
    (claims_block,) = readme_blocks("### Claims from your user model")[:1]
    (tmp_path / "quick_settings.py").write_text(
        f"from tests.settings import *\nROOT_URLCONF = 'quick_urls'\n{claims_block}"
    )
    env = {**os.environ, "PYTHONPATH": f"{tmp_path}{os.pathsep}{REPO}", "DJANGO_SETTINGS_MODULE": "quick_settings"}
    result = subprocess.run(
        [sys.executable, "-c", QUICK_START_RUN], env=env, cwd=tmp_path, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [200, "Hello alice", 200, ["access", "refresh"]]


WEB_REFRESH = "/api/auth/web/token-refresh"
WEB_SIGN_OUT = "/api/auth/web/sign-out"


def detail(response: Any) -> str:
    assert response.status_code == 401
    return str(response.json()["detail"])


def test_in_debug_a_missing_refresh_cookie_says_why_a_browser_may_not_have_sent_it(keys: Any) -> None:
    client = Client()
    with override_settings(DEBUG=True):
        generic = detail(client.post(WEB_REFRESH))
        assert generic.startswith("No refresh token was given. (DEBUG)")
        assert "SameSite=Strict" in generic
        with override_settings(NINJA_SIMPLE_JWT={"WEB_REFRESH_COOKIE_SECURE": True}):
            assert "this request came over plain http" in detail(client.post(WEB_REFRESH))
            assert "plain http" not in detail(client.post(WEB_REFRESH, secure=True))
        with override_settings(NINJA_SIMPLE_JWT={"WEB_REFRESH_COOKIE_PATH": "/auth/web/token-refresh"}):
            assert (
                f"The refresh cookie's Path is /auth/web/token-refresh, which does not cover {WEB_REFRESH}"
                in detail(client.post(WEB_REFRESH))
            )
        # The default Path is the token-refresh URL: sign-out never gets the cookie.
        assert f"which does not cover {WEB_SIGN_OUT}" in detail(client.post(WEB_SIGN_OUT))
    # Outside DEBUG, the answer is the same whatever the reason.
    with override_settings(NINJA_SIMPLE_JWT={"WEB_REFRESH_COOKIE_PATH": "/elsewhere"}):
        assert detail(client.post(WEB_REFRESH)) == "No refresh token was given."
        assert detail(client.post(WEB_SIGN_OUT)) == "Sign-out needs a valid refresh token or access token."


def test_the_readme_jwks_snippet_says_what_pyjwt_needs() -> None:
    text = (Path(REPO) / "README.md").read_text()
    section = text[text.index("\n### JWKS\n") :]
    before_snippet = section[: section.index("jwt.PyJWKClient(")]
    # Without cryptography, PyJWT's PyJWKClient raises MissingCryptographyError on the first RS256 key.
    assert "`pyjwt[crypto]`" in before_snippet and "MissingCryptographyError" in before_snippet
