"""Another issuer's tokens on a service with the sessions app: they open its protected routes, never its
sessions, and their `sid` is not looked up in this service's revocation cache."""

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from ninja_simple_jwt.jwt.remote_keys import trusted_issuers
from tests.provider import Provider, provider
from tests.services import free_port
from tests.sessions.test_sessions import ME, SESSIONS, bearer, sign_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("keys")]


@pytest.fixture
def idp(settings: Any) -> Iterator[Provider]:
    trusted_issuers.clear()
    with provider() as p:
        settings.NINJA_SIMPLE_JWT = {
            "JWT_REVOKE_ACCESS_TOKENS": True,
            "JWT_TRUSTED_ISSUERS": [{"issuer": p.issuer, "audience": p.audience, "jwks_url": p.url + "/jwks"}],
        }
        yield p
    trusted_issuers.clear()


def test_another_issuers_token_sees_no_session_of_the_user_its_id_names(idp: Provider, user: Any) -> None:
    own = sign_in(Client())  # the local user has a session
    # A token of the other issuer whose user id happens to be the local user's.
    token = idp.token(user_id=user.pk, sub=str(user.pk), sid="keycloak-session")
    assert Client().get(ME, **bearer(token)).status_code == 200
    assert Client().get(SESSIONS, **bearer(token)).status_code == 401
    assert Client().post(SESSIONS + "revoke-all", **bearer(token)).status_code == 401
    listed = Client().get(SESSIONS, **bearer(own["access"]))
    assert listed.status_code == 200 and len(listed.json()) == 1  # nothing was ended


def test_another_issuers_sid_is_not_looked_up_in_the_revocation_cache(idp: Provider, settings: Any, user: Any) -> None:
    settings.CACHES = {
        **settings.CACHES,
        "down": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",  # nothing listens there
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        },
    }
    settings.NINJA_SIMPLE_JWT = {**settings.NINJA_SIMPLE_JWT, "JWT_REVOCATION_CACHE": "down"}
    token = idp.token(sid="keycloak-session")
    assert Client().get(ME, **bearer(token)).status_code == 200  # this service's cache is not asked
