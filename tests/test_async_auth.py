"""HttpJwtAuth on async routes: on the event loop, with only what waits on I/O sent to a thread."""

import asyncio
import threading
from collections.abc import Mapping
from typing import Any

import pytest
from django.test import Client, override_settings
from ninja.errors import AuthenticationError

from ninja_simple_jwt.auth import ninja_auth
from ninja_simple_jwt.auth.ninja_auth import HttpJwtAuth
from ninja_simple_jwt.auth.token_user import TokenUser
from ninja_simple_jwt.jwt.key_retrieval import key_ring
from ninja_simple_jwt.jwt.token_operations import get_access_token_for_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("keys")]

THREADS = "/api/protected/async-threads"
ASYNC_ME_FROM_DB = "/api/from-db/async-me"
FROM_DB_THREADS = "/api/from-db/async-threads"


class ThreadNotingUser(TokenUser):
    """A stateless user that notes the thread it was made on."""

    def __init__(self, claims: Mapping[str, Any]) -> None:
        super().__init__(claims)
        self.built_on = threading.get_ident()


NOTING = {"TOKEN_USER_CLS": "tests.test_async_auth.ThreadNotingUser"}


def bearer(access: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {access}"}


@override_settings(NINJA_SIMPLE_JWT=NOTING)
def test_a_stateless_user_is_made_on_the_event_loop(client: Client, user: Any) -> None:
    access, _ = get_access_token_for_user(user)
    for _ in range(2):  # verified, then remembered by the key
        body = client.get(THREADS, **bearer(access)).json()
        assert body["user"] == body["view"]  # no thread hop: the view runs on the loop's thread


@override_settings(NINJA_SIMPLE_JWT={**NOTING, "JWT_KEY_RELOAD_INTERVAL": 0})
def test_keys_due_for_reading_are_read_in_a_thread(client: Client, user: Any) -> None:
    access, _ = get_access_token_for_user(user)
    assert key_ring.current() is None  # every use reads the sources again
    body = client.get(THREADS, **bearer(access)).json()
    assert body["user"] != body["view"]


def test_the_user_from_the_database_is_read_in_a_thread(
    client: Client, user: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    read_on: list[int] = []
    load_user = ninja_auth.load_user

    def noting_load_user(claims: Any) -> Any:
        read_on.append(threading.get_ident())
        return load_user(claims)

    monkeypatch.setattr(ninja_auth, "load_user", noting_load_user)
    access, _ = get_access_token_for_user(user)
    response = client.get(ASYNC_ME_FROM_DB, **bearer(access))
    assert response.status_code == 200, response.content
    assert response.json()["user_type"] == "User"
    view = client.get(FROM_DB_THREADS, **bearer(access)).json()["view"]
    assert len(read_on) == 2 and view not in read_on  # not on the loop's thread
    user.is_active = False
    user.save()
    assert client.get(ASYNC_ME_FROM_DB, **bearer(access)).status_code == 401


def test_a_sync_call_never_returns_a_coroutine(rf: Any, user: Any) -> None:
    # django-ninja 1.5 would call a coroutine's callable again on a sync route; 1.7 would start a loop.
    access, claims = get_access_token_for_user(user)
    auth = HttpJwtAuth()
    assert auth.is_async
    assert auth(rf.get("/", **bearer(access))) == claims
    with pytest.raises(AuthenticationError):  # django-ninja's 401, raised as the original's 0.8 does
        auth(rf.get("/", **bearer("a.b.c")))

    async def on_the_loop() -> Any:
        result = auth(rf.get("/", **bearer(access)))
        assert asyncio.iscoroutine(result)
        return await result

    assert asyncio.run(on_the_loop()) == claims


def test_a_subclass_authenticate_still_decides_on_async_routes(rf: Any, user: Any) -> None:
    class NoOne(HttpJwtAuth):
        def authenticate(self, request: Any, token: str) -> None:
            return None

    access, _ = get_access_token_for_user(user)

    async def on_the_loop() -> Any:
        return await NoOne()(rf.get("/", **bearer(access)))

    assert asyncio.run(on_the_loop()) is None
