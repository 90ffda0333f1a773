"""Two example servers on two loopback hosts sharing PostgreSQL and Redis: ending a session on one is
seen by the other at once."""

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from tests import services
from tests.servers import USER, Server, gunicorn

HOSTS = ("127.0.0.1", "127.0.0.2")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Server, str]]:
    """The two servers, and the URL of their Redis."""
    workdir: Path = tmp_path_factory.mktemp("two-servers")
    with (
        services.example_on_postgres_and_redis(
            workdir, EXAMPLE_ALLOWED_HOSTS=",".join(HOSTS), EXAMPLE_REUSE_GRACE_SECONDS="0"
        ) as env,
        gunicorn(sys.executable, workdir, env, name="one", host=HOSTS[0]) as one,
        gunicorn(sys.executable, workdir, env, name="two", host=HOSTS[1]) as two,
    ):
        yield one, two, env["EXAMPLE_REDIS_URL"]
        for server in (one, two):
            log = server.log.read_text()
            assert "Traceback" not in log and "Internal Server Error" not in log, log


@pytest.fixture
def servers(cluster: tuple[Server, Server, str]) -> tuple[Server, Server]:
    return cluster[0], cluster[1]


def sign_in(server: Server) -> dict[str, str]:
    reply = server.request("POST", "/api/auth/mobile/sign-in", USER)
    assert reply.status == 200
    tokens: dict[str, str] = reply.json()
    return tokens


def hello(server: Server, access: str) -> int:
    return server.request("GET", "/api/hello", headers={"Authorization": f"Bearer {access}"}).status


def test_the_servers_are_on_two_hosts(servers: tuple[Server, Server]) -> None:
    assert [s.url.split("//")[1].split(":")[0] for s in servers] == list(HOSTS)


def test_signing_out_on_one_is_refused_on_the_other_at_once(servers: tuple[Server, Server]) -> None:
    one, two = servers
    tokens = sign_in(one)
    assert (hello(one, tokens["access"]), hello(two, tokens["access"])) == (200, 200)
    assert two.request("POST", "/api/auth/mobile/sign-out", {"refresh": tokens["refresh"]}).status == 204
    assert (hello(one, tokens["access"]), hello(two, tokens["access"])) == (401, 401)
    assert one.request("POST", "/api/auth/mobile/token-refresh", {"refresh": tokens["refresh"]}).status == 401


def test_a_session_every_worker_remembers_is_refused_on_both_at_once(cluster: tuple[Server, Server, str]) -> None:
    """With the ended sessions' channel: each worker remembers a session it has read live, and forgets it
    when another host announces its end."""
    one, two, redis_url = cluster
    tokens = sign_in(one)
    with redis.Redis.from_url(redis_url) as client:
        quiet = 0  # requests in a row, to both servers, that did not read Redis
        for _ in range(500):
            before = services.redis_calls(client)
            assert (hello(one, tokens["access"]), hello(two, tokens["access"])) == (200, 200)
            quiet = quiet + 1 if services.redis_calls(client) == before else 0
            if quiet == 10:  # all the more likely that each of the four workers remembers it
                break
        assert quiet == 10, "the servers read Redis on every request"
    assert two.request("POST", "/api/auth/mobile/sign-out", {"refresh": tokens["refresh"]}).status == 204
    for _ in range(10):
        assert (hello(one, tokens["access"]), hello(two, tokens["access"])) == (401, 401)


def test_a_reused_refresh_token_on_one_ends_the_session_on_both(servers: tuple[Server, Server]) -> None:
    one, two = servers
    stolen = sign_in(one)
    rotated = one.request("POST", "/api/auth/mobile/token-refresh", {"refresh": stolen["refresh"]}).json()
    assert set(rotated) == {"access", "refresh"}
    assert hello(two, rotated["access"]) == 200
    # The thief replays the used-up token on the other server, after the grace (0 s here).
    assert two.request("POST", "/api/auth/mobile/token-refresh", {"refresh": stolen["refresh"]}).status == 401
    for server in (one, two):
        assert hello(server, rotated["access"]) == 401
        assert hello(server, stolen["access"]) == 401
        assert server.request("POST", "/api/auth/mobile/token-refresh", {"refresh": rotated["refresh"]}).status == 401
    assert "A used-up refresh token was presented again" in two.log.read_text()
    assert stolen["refresh"] not in two.log.read_text()


def test_sessions_listed_on_one_are_those_of_both(servers: tuple[Server, Server]) -> None:
    one, two = servers
    a, b = sign_in(one), sign_in(two)
    listed = two.request("GET", "/api/auth/sessions/", headers={"Authorization": f"Bearer {a['access']}"})
    assert listed.status == 200
    assert sum(s["current"] for s in listed.json()) == 1
    assert (
        two.request("POST", "/api/auth/sessions/revoke-all", headers={"Authorization": f"Bearer {a['access']}"}).status
        == 204
    )
    assert (hello(one, b["access"]), hello(two, a["access"])) == (401, 401)
