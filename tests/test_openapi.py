"""The OpenAPI document of the auth endpoints: valid, and listing every status each endpoint answers."""

import json
from collections.abc import Callable
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client, override_settings

from tests.conftest import PASSWORD
from tests.openapi import document, documented_statuses, error_schema

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("keys")]

MOBILE = "/api/auth/mobile"
WEB = "/api/auth/web"
CREDENTIALS = {"username": "alice", "password": PASSWORD}
NO_KEYS = {"JWT_PRIVATE_KEY_PATH": "missing.pem", "JWT_PUBLIC_KEY_PATH": "missing.pub"}


def post(url: str, body: Any = None, **extra: Any) -> int:
    data = body if isinstance(body, str) or body is None else json.dumps(body)
    content_type = extra.pop("content_type", "application/json")
    return Client().post(url, data=data, content_type=content_type, **extra).status_code


def too_large(url: str) -> int:
    with override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=64):
        return post(url, {"username": "alice", "password": "x" * 100, "refresh": "x" * 100})


def throttled(url: str) -> int:
    with override_settings(NINJA_SIMPLE_JWT={"SIGN_IN_MAX_FAILURES_PER_USERNAME": 1}):
        post(url, {"username": "alice", "password": "wrong"})
        return post(url, CREDENTIALS)


def without_keys(request: Callable[[], int]) -> int:
    with override_settings(NINJA_SIMPLE_JWT=NO_KEYS):
        return request()


def tokens() -> dict[str, str]:
    return dict(Client().post(f"{MOBILE}/sign-in", CREDENTIALS, content_type="application/json").json())


def cookie(refresh: str) -> str:
    return f"refresh={refresh}"


# For each endpoint, a request that gets each status it can answer. 403 (cross-site web requests) and
# the 503s of a database or cache that is down come with the work that adds them.
ANSWERS: dict[str, dict[int, Callable[[], int]]] = {
    f"{MOBILE}/sign-in": {
        200: lambda: post(f"{MOBILE}/sign-in", CREDENTIALS),
        401: lambda: post(f"{MOBILE}/sign-in", {"username": "alice", "password": "wrong"}),
        413: lambda: too_large(f"{MOBILE}/sign-in"),
        422: lambda: post(f"{MOBILE}/sign-in", "{"),
        429: lambda: throttled(f"{MOBILE}/sign-in"),
        503: lambda: without_keys(lambda: post(f"{MOBILE}/sign-in", CREDENTIALS)),
    },
    f"{WEB}/sign-in": {
        200: lambda: post(f"{WEB}/sign-in", CREDENTIALS),
        401: lambda: post(f"{WEB}/sign-in", {"username": "alice", "password": "wrong"}),
        413: lambda: too_large(f"{WEB}/sign-in"),
        415: lambda: post(f"{WEB}/sign-in", json.dumps(CREDENTIALS), content_type="text/plain"),
        422: lambda: post(f"{WEB}/sign-in", {"username": "alice"}),
        429: lambda: throttled(f"{WEB}/sign-in"),
        503: lambda: without_keys(lambda: post(f"{WEB}/sign-in", CREDENTIALS)),
    },
    f"{MOBILE}/token-refresh": {
        200: lambda: post(f"{MOBILE}/token-refresh", {"refresh": tokens()["refresh"]}),
        401: lambda: post(f"{MOBILE}/token-refresh", {"refresh": "garbage"}),
        413: lambda: too_large(f"{MOBILE}/token-refresh"),
        422: lambda: post(f"{MOBILE}/token-refresh", {}),
        503: lambda: without_keys(lambda: post(f"{MOBILE}/token-refresh", {"refresh": "x.y.z"})),
    },
    f"{WEB}/token-refresh": {
        200: lambda: post(f"{WEB}/token-refresh", HTTP_COOKIE=cookie(tokens()["refresh"])),
        401: lambda: post(f"{WEB}/token-refresh"),
        403: lambda: post(f"{WEB}/token-refresh", HTTP_COOKIE=cookie("x.y.z"), HTTP_SEC_FETCH_SITE="cross-site"),
        503: lambda: without_keys(lambda: post(f"{WEB}/token-refresh", HTTP_COOKIE=cookie("x.y.z"))),
    },
    f"{MOBILE}/sign-out": {
        204: lambda: post(f"{MOBILE}/sign-out", {"refresh": tokens()["refresh"]}),
        401: lambda: post(f"{MOBILE}/sign-out", {"refresh": "garbage"}),
        413: lambda: too_large(f"{MOBILE}/sign-out"),
        422: lambda: post(f"{MOBILE}/sign-out", "{"),
        503: lambda: without_keys(lambda: post(f"{MOBILE}/sign-out", {"refresh": "x.y.z"})),
    },
    f"{WEB}/sign-out": {
        204: lambda: post(f"{WEB}/sign-out", HTTP_AUTHORIZATION=f"Bearer {tokens()['access']}"),
        401: lambda: post(f"{WEB}/sign-out"),
        403: lambda: post(f"{WEB}/sign-out", HTTP_ORIGIN="https://elsewhere.example"),
        503: lambda: without_keys(lambda: post(f"{WEB}/sign-out", HTTP_AUTHORIZATION="Bearer x.y.z")),
    },
}


@pytest.mark.parametrize("path", list(ANSWERS))
def test_each_endpoint_documents_exactly_the_statuses_it_answers(user: Any, path: str) -> None:
    schema = document()
    assert documented_statuses(schema, path, "post") == set(ANSWERS[path])
    for status, request in ANSWERS[path].items():
        assert request() == status, (path, status)
        if status >= 400:
            expected = "ValidationErrorDetail" if status == 422 else "ErrorDetail"
            assert error_schema(schema, path, "post", status) == expected


def test_the_document_describes_cookie_bodies_and_security() -> None:
    schema = document()
    components = schema["components"]
    assert components["securitySchemes"]["HttpJwtAuth"] == {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    assert components["schemas"]["ErrorDetail"]["required"] == ["detail"]
    refresh = schema["paths"][f"{WEB}/token-refresh"]["post"]
    assert {"in": "cookie", "name": "refresh"}.items() <= refresh["parameters"][0].items()
    with override_settings(NINJA_SIMPLE_JWT={"JWT_REFRESH_COOKIE_NAME": "rt"}):
        assert document()["paths"][f"{WEB}/token-refresh"]["post"]["parameters"][0]["name"] == "rt"
    # Web sign-out takes a bearer token, or none (the refresh cookie then).
    assert schema["paths"][f"{WEB}/sign-out"]["post"]["security"] == [{"HttpJwtAuth": []}, {}]
    body = schema["paths"][f"{MOBILE}/sign-out"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body["$ref"].endswith("/MobileSignOutRequest")


def test_django_ninjas_export_command_writes_the_cookie_parameter() -> None:
    from ninja.management.commands.export_openapi_schema import Command

    out = StringIO()
    # Called by its class: the tests' settings do not install the app "ninja" that names it.
    call_command(Command(), "--api", "tests.urls.api", stdout=out)
    refresh = json.loads(out.getvalue())["paths"][f"{WEB}/token-refresh"]["post"]
    assert refresh["parameters"][0]["name"] == "refresh"
