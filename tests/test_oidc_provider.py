"""An OpenID provider nobody here wrote (django-oauth-toolkit, OIDC, RS256) under gunicorn: the API trusts
it by discovery, with its client id as audience, and accepts the ID tokens it signs."""

import base64
import hashlib
import http.cookiejar
import json
import secrets
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from ninja_simple_jwt._core import generate_key_pair
from ninja_simple_jwt.jwt.remote_keys import trusted_issuers
from tests.servers import REPO, example_env, free_port, gunicorn

pytestmark = pytest.mark.system

CLIENT_ID = "orders-spa"
CLIENT_SECRET = "a-client-secret-for-the-test"
REDIRECT = "http://127.0.0.1/callback"

SETUP = f"""
import django; django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.contrib.auth import get_user_model
from oauth2_provider.models import Application
get_user_model().objects.create_user(username="demo", password="demo-pass-1234")
Application.objects.create(
    client_id={CLIENT_ID!r}, client_secret={CLIENT_SECRET!r}, name="orders",
    client_type="confidential", authorization_grant_type="authorization-code",
    redirect_uris={REDIRECT!r}, algorithm="RS256", skip_authorization=True,
)
"""


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any) -> None:
        return None


@pytest.fixture(autouse=True)
def _forget_trusted_keys() -> Iterator[None]:
    trusted_issuers.clear()
    yield
    trusted_issuers.clear()


def id_token(base: str) -> str:
    """Signs the demo user in at the provider and runs the authorization-code flow (with PKCE)."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirects())
    opener.open(base + "/sign-in-as-demo", timeout=30).read()
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    query = urllib.parse.urlencode(
        {
            "response_type": "code",
            "client_id": CLIENT_ID,
            "redirect_uri": REDIRECT,
            "scope": "openid read:orders",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
    )
    try:
        opener.open(f"{base}/o/authorize/?{query}", timeout=30)
        raise AssertionError("the provider did not redirect")
    except urllib.error.HTTPError as e:
        location = e.headers["Location"]
        e.close()
    code = urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)["code"][0]
    body = urllib.parse.urlencode(
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT,
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "code_verifier": verifier,
        }
    ).encode()
    with opener.open(urllib.request.Request(base + "/o/token/", data=body), timeout=30) as response:
        return str(json.loads(response.read())["id_token"])


def test_an_oidc_providers_tokens_are_accepted(tmp_path: Path, settings: Any, keys: Any) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    issuer = base + "/o"
    env = {
        **example_env(tmp_path),
        "PYTHONPATH": str(REPO / "tests"),
        "DJANGO_SETTINGS_MODULE": "oidc_provider.settings",
        "OIDC_PROVIDER_ISSUER": issuer,
        "OIDC_PROVIDER_KEY": generate_key_pair("RS256")[0].decode(),
        "OIDC_PROVIDER_DB": str(tmp_path / "provider.sqlite3"),
    }
    subprocess.run([sys.executable, "-c", SETUP], cwd=tmp_path, env=env, check=True)
    with gunicorn(sys.executable, tmp_path, env, workers=1, name="provider", port=port, app="oidc_provider.wsgi"):
        token = id_token(base)
        settings.NINJA_SIMPLE_JWT = {"JWT_TRUSTED_ISSUERS": [{"issuer": issuer, "audience": CLIENT_ID}]}
        client = Client()
        response = client.get("/api/protected/me", HTTP_AUTHORIZATION=f"Bearer {token}")
        assert response.status_code == 200, response.content
        claims = response.json()["auth"]
        assert claims["iss"] == issuer and claims["aud"] == CLIENT_ID
        assert response.json()["id"] == claims["sub"]
        # The same provider's token for another client (audience) does not open this API.
        settings.NINJA_SIMPLE_JWT = {"JWT_TRUSTED_ISSUERS": [{"issuer": issuer, "audience": "another-client"}]}
        response = client.get("/api/protected/me", HTTP_AUTHORIZATION=f"Bearer {token}")
        assert response.status_code == 401
