"""The OpenAPI document of the sessions routes: valid, and listing every status each route answers."""

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client, override_settings

from ninja_simple_jwt.sessions import api
from tests.openapi import document, documented_statuses, error_schema
from tests.sessions.test_sessions import SESSIONS, bearer, sign_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("keys")]

NO_KEYS = {"JWT_PRIVATE_KEY_PATH": "missing.pem", "JWT_PUBLIC_KEY_PATH": "missing.pub"}
Call = Callable[[str, dict[str, str]], int]


def list_sessions(path: str, headers: dict[str, str]) -> int:
    return Client().get(path, **headers).status_code  # type: ignore[arg-type]


def revoke_all(path: str, headers: dict[str, str]) -> int:
    return Client().post(path, **headers).status_code  # type: ignore[arg-type]


def end_one(path: str, headers: dict[str, str]) -> int:
    return Client().delete(path, **headers).status_code  # type: ignore[arg-type]


ROUTES: dict[str, tuple[str, int, Call]] = {
    SESSIONS: ("get", 200, list_sessions),
    f"{SESSIONS}revoke-all": ("post", 204, revoke_all),
    SESSIONS + "{session_id}": ("delete", 204, end_one),
}


@pytest.mark.parametrize("route", list(ROUTES))
def test_each_sessions_route_documents_exactly_the_statuses_it_answers(
    user: Any, route: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    method, success, call = ROUTES[route]
    schema = document()

    def signed_in() -> tuple[str, str]:
        """The route's URL (with the caller's own session to end) and the caller's access token."""
        tokens = sign_in(Client())
        sid = Client().get(SESSIONS, **bearer(tokens["access"])).json()[0]["id"]  # type: ignore[arg-type]
        return route.replace("{session_id}", sid), tokens["access"]

    answers: dict[int, Callable[[], int]] = {}

    def succeed() -> int:
        url, access = signed_in()
        return call(url, bearer(access))

    def unknown_or_disabled() -> int:
        url, access = signed_in()
        if "{session_id}" in route:
            return call(route.replace("{session_id}", "f" * 32), bearer(access))
        with monkeypatch.context() as m:
            m.setattr(api, "sessions_enabled", lambda: False)
            return call(url, bearer(access))

    def without_keys() -> int:
        url, access = signed_in()
        with override_settings(NINJA_SIMPLE_JWT=NO_KEYS):
            return call(url, bearer(access))

    answers[success] = succeed
    answers[401] = lambda: call(route.replace("{session_id}", "f" * 32), {})
    answers[404] = unknown_or_disabled
    answers[503] = without_keys
    assert documented_statuses(schema, route, method) == set(answers)
    for status, request in answers.items():
        assert request() == status, (route, status)
        if status >= 400:
            assert error_schema(schema, route, method, status) == "ErrorDetail"
