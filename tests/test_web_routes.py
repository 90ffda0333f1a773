"""The web routes' edges: cross-site requests to the routes the refresh cookie goes to, and writes to the JWKS."""

import json
from typing import Any

import pytest
from django.test import Client, override_settings

from tests.conftest import PASSWORD

WEB_SIGN_IN = "/api/auth/web/sign-in"
WEB_REFRESH = "/api/auth/web/token-refresh"
WEB_SIGN_OUT = "/api/auth/web/sign-out"
JWKS = "/.well-known/jwks.json"


@pytest.fixture
def browser(user: Any, keys: Any) -> Client:
    """A client holding the refresh cookie of a web sign-in, as a browser would."""
    client = Client()
    body = json.dumps({"username": "alice", "password": PASSWORD})
    assert client.post(WEB_SIGN_IN, data=body, content_type="application/json").status_code == 200
    return client


@pytest.mark.parametrize("url", [WEB_REFRESH, WEB_SIGN_OUT])
class TestCrossSiteIsRefused:
    @pytest.mark.parametrize(
        "headers",
        [
            {"HTTP_SEC_FETCH_SITE": "cross-site"},
            {"HTTP_SEC_FETCH_SITE": "cross-site", "HTTP_ORIGIN": "http://testserver"},
            {"HTTP_ORIGIN": "https://evil.example"},
            {"HTTP_ORIGIN": "null"},  # a sandboxed frame, or a redirect from another site
            {"HTTP_ORIGIN": "https://testserver"},  # another scheme is another origin
            {"HTTP_ORIGIN": "http://testserver.evil.example"},
        ],
    )
    def test_403(self, browser: Client, url: str, headers: dict[str, str]) -> None:
        response = browser.post(url, **headers)  # type: ignore[arg-type]
        assert response.status_code == 403
        assert response.json() == {"detail": "Cross-site requests are refused."}
        assert "Set-Cookie" not in response
        # Nothing happened: the cookie still refreshes.
        assert browser.post(WEB_REFRESH).status_code == 200

    @pytest.mark.parametrize(
        "headers",
        [
            {},  # curl, a mobile app
            {"HTTP_SEC_FETCH_SITE": "same-origin", "HTTP_ORIGIN": "http://testserver"},
            {"HTTP_SEC_FETCH_SITE": "same-site"},
            {"HTTP_SEC_FETCH_SITE": "none"},  # typed in the address bar
            {"HTTP_ORIGIN": "https://app.example.com"},
            {"HTTP_ORIGIN": "https://a.b.example.org"},
        ],
    )
    def test_same_site_and_trusted_origins_work(self, browser: Client, url: str, headers: dict[str, str]) -> None:
        trusted = ["https://app.example.com", "https://*.example.org"]
        with override_settings(CSRF_TRUSTED_ORIGINS=trusted):
            response = browser.post(url, **headers)  # type: ignore[arg-type]
        assert response.status_code == (200 if url == WEB_REFRESH else 204)


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_the_jwks_answers_writes_with_405_behind_csrf_middleware(keys: Any, method: str) -> None:
    middleware = ["django.middleware.csrf.CsrfViewMiddleware"]
    with override_settings(MIDDLEWARE=middleware):
        response = getattr(Client(enforce_csrf_checks=True), method)(JWKS)
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    with override_settings(MIDDLEWARE=middleware):
        assert Client(enforce_csrf_checks=True).get(JWKS).status_code == 200
