"""JWT_REVOKE_ACCESS_TOKENS: an ended session's access tokens are refused at once, through the cache.

Under settings_postgres the cache is a real Redis; under settings, the local-memory cache.
"""

from typing import Any

import pytest
from django.core.cache import caches
from django.test import Client

from ninja_simple_jwt.jwt.token_operations import TokenTypes, encode_token
from ninja_simple_jwt.sessions.models import EndReason, JwtSession
from tests.services import free_port
from tests.sessions.test_sessions import (
    ME,
    MOBILE_SIGN_OUT,
    SESSIONS,
    WEB_SIGN_OUT,
    bearer,
    post,
    refresh,
    session_of,
    sign_in,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("keys")]

ASYNC_ME = ME.replace("/me", "/async-me")


@pytest.fixture
def revoke(settings: Any) -> None:
    settings.NINJA_SIMPLE_JWT = {"JWT_REVOKE_ACCESS_TOKENS": True}


@pytest.fixture
def unreachable_cache(settings: Any) -> None:
    """A Redis cache on a port where nothing listens."""
    settings.CACHES = {
        **settings.CACHES,
        "revocation": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        },
    }
    settings.NINJA_SIMPLE_JWT = {"JWT_REVOKE_ACCESS_TOKENS": True, "JWT_REVOCATION_CACHE": "revocation"}


def test_without_the_setting_an_ended_sessions_access_token_works_until_it_expires(client: Client, user: Any) -> None:
    tokens = sign_in(client)
    assert post(client, MOBILE_SIGN_OUT, {"refresh": tokens["refresh"]}).status_code == 204
    assert client.get(ME, **bearer(tokens["access"])).status_code == 200


@pytest.mark.usefixtures("revoke")
class TestRevocation:
    @pytest.mark.parametrize("url", [ME, ASYNC_ME])
    def test_sign_out_refuses_the_sessions_access_tokens_at_once(self, client: Client, user: Any, url: str) -> None:
        tokens, other = sign_in(client), sign_in(client)
        for _ in range(2):  # the second time, known live (on Redis, from the channel)
            assert client.get(url, **bearer(tokens["access"])).status_code == 200
        assert post(client, MOBILE_SIGN_OUT, {"refresh": tokens["refresh"]}).status_code == 204
        response = client.get(url, **bearer(tokens["access"]))
        assert response.status_code == 401
        assert client.get(ME, **bearer(other["access"])).status_code == 200

    def test_every_way_of_ending_a_session_revokes(self, client: Client, user: Any) -> None:
        web = Client()
        web_access = post(
            web, "/api/auth/web/sign-in", {"username": "alice", "password": "correct horse battery staple"}
        )
        access = web_access.json()["access"]
        assert web.post(WEB_SIGN_OUT, **bearer(access)).status_code == 204
        assert client.get(ME, **bearer(access)).status_code == 401

        one, two = sign_in(client), sign_in(client)
        sid = session_of(one["refresh"]).id.hex
        assert client.delete(SESSIONS + sid, **bearer(two["access"])).status_code == 204
        assert client.get(ME, **bearer(one["access"])).status_code == 401
        assert client.post(SESSIONS + "revoke-all", **bearer(two["access"])).status_code == 204
        assert client.get(ME, **bearer(two["access"])).status_code == 401

        three = sign_in(client)
        user.set_password("another password entirely")
        user.save()
        assert client.get(ME, **bearer(three["access"])).status_code == 401

    def test_deactivating_or_deleting_the_user_revokes(self, client: Client, user: Any) -> None:
        tokens = sign_in(client)
        user.is_active = False
        user.save()
        assert client.get(ME, **bearer(tokens["access"])).status_code == 401
        user.is_active = True
        user.save()
        tokens = sign_in(client)
        user.delete()
        # The stateless route would still accept the token: only the cache knows.
        assert client.get(ME, **bearer(tokens["access"])).status_code == 401

    def test_reuse_revokes_the_thiefs_and_the_victims_access_tokens(
        self, client: Client, user: Any, settings: Any
    ) -> None:
        settings.NINJA_SIMPLE_JWT = {**settings.NINJA_SIMPLE_JWT, "JWT_ROTATE_REFRESH_TOKENS": True}
        settings.NINJA_SIMPLE_JWT["JWT_REFRESH_REUSE_GRACE"] = 0
        tokens = sign_in(client)
        rotated = refresh(client, tokens["refresh"]).json()
        assert client.get(ME, **bearer(rotated["access"])).status_code == 200
        assert refresh(client, tokens["refresh"]).status_code == 401
        for access in (tokens["access"], rotated["access"]):
            assert client.get(ME, **bearer(access)).status_code == 401

    def test_the_load_user_route_and_async_routes_refuse_too(self, client: Client, user: Any) -> None:
        tokens = sign_in(client)
        post(client, MOBILE_SIGN_OUT, {"refresh": tokens["refresh"]})
        for path in ("/api/from-db/me", "/api/protected/async-me"):
            assert client.get(path, **bearer(tokens["access"])).status_code == 401, path

    def test_tokens_of_no_session_are_not_checked(self, client: Client, user: Any) -> None:
        access, _ = encode_token({"user_id": user.id, "username": "alice", "last_login": None}, TokenTypes.ACCESS)
        assert client.get(ME, **bearer(access)).status_code == 200

    def test_the_entry_lives_as_long_as_an_access_token(self, client: Client, user: Any) -> None:
        tokens = sign_in(client)
        post(client, MOBILE_SIGN_OUT, {"refresh": tokens["refresh"]})
        sid = session_of(tokens["refresh"]).id.hex
        cache = caches["default"]
        key = "ninja_simple_jwt:ended-session:" + sid
        assert cache.get(key) is not None
        if hasattr(cache, "_cache") and hasattr(cache._cache, "get_client"):  # Redis: check the TTL itself
            ttl = cache._cache.get_client(key).ttl(cache.make_and_validate_key(key))
            assert 15 * 60 < ttl <= 15 * 60 + 10 + 1


@pytest.mark.usefixtures("unreachable_cache")
class TestUnreachableCache:
    @pytest.mark.parametrize("url", [ME, ASYNC_ME])
    def test_a_protected_route_is_503_never_500_nor_accepted(self, client: Client, user: Any, url: str) -> None:
        tokens = sign_in(client)
        response = client.get(url, **bearer(tokens["access"]))
        assert response.status_code == 503
        assert response.json() == {"detail": "Cannot check whether the session has ended: try again later."}
        assert tokens["access"] not in response.content.decode()

    def test_sign_out_is_503_and_ends_nothing(self, client: Client, user: Any) -> None:
        tokens = sign_in(client)
        assert post(client, MOBILE_SIGN_OUT, {"refresh": tokens["refresh"]}).status_code == 503
        assert JwtSession.objects.get().revoked_at is None
        assert client.post(SESSIONS + "revoke-all", **bearer(tokens["access"])).status_code == 503
        assert JwtSession.objects.get().revoked_reason == ""

    def test_the_admin_action_says_nothing_was_revoked(self, client: Client, user: Any, django_user_model: Any) -> None:
        sign_in(client)
        client.force_login(django_user_model.objects.create_superuser(username="root", password="x" * 20))
        session = JwtSession.objects.get()
        response = client.post(
            "/admin/ninja_simple_jwt_sessions/jwtsession/",
            {"action": "revoke", "_selected_action": [session.pk.hex]},
            follow=True,
        )
        assert b"The revocation cache cannot be reached" in response.content
        session.refresh_from_db()
        assert session.revoked_at is None and session.revoked_reason != EndReason.ADMIN
