"""Real parts that fail under a running server: the example under gunicorn on PostgreSQL and Redis, with
Redis restarted empty, Redis stopped, PostgreSQL stopped, and both back. No answer is a 500, no ended
session comes back, no live session is lost."""

import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests import services
from tests.servers import USER, Reply, Server, demo_setup, example_env, gunicorn

pytestmark = pytest.mark.system

SIGN_IN = "/api/auth/mobile/sign-in"
REFRESH = "/api/auth/mobile/token-refresh"
SIGN_OUT = "/api/auth/mobile/sign-out"
SESSIONS = "/api/auth/sessions/"
HELLO = "/api/hello"
JWKS = "/.well-known/jwks.json"


@dataclass
class Deployment:
    server: Server
    postgres: services.Postgres
    redis: services.Redis
    statuses: Counter[int] = field(default_factory=Counter)

    def call(self, method: str, path: str, body: Any = None, access: str | None = None) -> Reply:
        headers = {"Authorization": f"Bearer {access}"} if access else None
        reply = self.server.request(method, path, body, headers)
        self.statuses[reply.status] += 1
        return reply


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    workdir: Path = tmp_path_factory.mktemp("parts-fail")
    pg_port, redis_port = services.free_port(), services.free_port()
    with services.postgres(pg_port) as postgres, services.redis(redis_port) as redis:
        services.create_database(pg_port, "example")
        env = example_env(
            workdir,
            EXAMPLE_PG_HOST="127.0.0.1",
            EXAMPLE_PG_PORT=str(pg_port),
            EXAMPLE_REDIS_URL=f"redis://127.0.0.1:{redis_port}/0",
        )
        demo_setup(sys.executable, workdir, env)
        with gunicorn(sys.executable, workdir, env, name="parts-fail") as server:
            yield Deployment(server, postgres, redis)
            log = server.log.read_text()
            assert "Traceback" not in log and "Internal Server Error" not in log, log


def test_nothing_is_lost_and_nothing_is_a_500(deployment: Deployment) -> None:
    d = deployment
    sessions = [d.call("POST", SIGN_IN, USER).json() for _ in range(6)]
    live, ended = sessions[:3], sessions[3:]
    for tokens in ended:
        assert d.call("POST", SIGN_OUT, {"refresh": tokens["refresh"]}).status == 204

    def hello(tokens: dict[str, str]) -> int:
        return d.call("GET", HELLO, access=tokens["access"]).status

    def unavailable(reply: Reply) -> None:
        assert reply.status == 503, reply.body
        assert int(reply.headers["Retry-After"]) > 0

    # Redis restarted without persistence: the ended sessions stay refused, the live ones accepted.
    d.redis.stop()
    d.redis.start()
    assert [hello(t) for t in ended] == [401] * 3
    assert [hello(t) for t in live] == [200] * 3
    assert "filled it from the database with 3 ended sessions" in d.server.log.read_text()

    # Redis stopped: what needs it is 503, what does not still answers.
    d.redis.stop()
    assert [hello(t) for t in live + ended] == [503] * 6
    assert d.call("GET", SESSIONS, access=live[0]["access"]).status == 503
    assert d.call("POST", SIGN_OUT, {"refresh": live[0]["refresh"]}).status == 503
    for tokens in live:  # a refresh needs only the database: rotated as usual
        reply = d.call("POST", REFRESH, {"refresh": tokens["refresh"]})
        assert reply.status == 200
        tokens.update(reply.json())
    assert d.call("GET", JWKS).status == 200

    # Redis back (empty again), then PostgreSQL stopped: every endpoint that needs the database is 503
    # with Retry-After; the protected routes still answer from the cache, filled again before.
    d.redis.start()
    assert [hello(t) for t in live] == [200] * 3
    d.postgres.stop()
    unavailable(d.call("POST", SIGN_IN, USER))
    unavailable(d.call("POST", REFRESH, {"refresh": live[0]["refresh"]}))
    unavailable(d.call("POST", SIGN_OUT, {"refresh": live[0]["refresh"]}))
    unavailable(d.call("GET", SESSIONS, access=live[0]["access"]))
    unavailable(d.call("POST", SESSIONS + "revoke-all", access=live[0]["access"]))
    assert [hello(t) for t in live] == [200] * 3
    assert [hello(t) for t in ended] == [401] * 3
    assert "Cannot use the database (OperationalError" in d.server.log.read_text()

    # Both back: every live session goes on, every ended one stays ended.
    d.postgres.start()
    for tokens in live:
        reply = d.call("POST", REFRESH, {"refresh": tokens["refresh"]})
        assert reply.status == 200
        tokens.update(reply.json())
        assert hello(tokens) == 200
        listed = d.call("GET", SESSIONS, access=tokens["access"])
        assert listed.status == 200 and sum(s["current"] for s in listed.json()) == 1
    for tokens in ended:
        assert d.call("POST", REFRESH, {"refresh": tokens["refresh"]}).status == 401
        assert hello(tokens) == 401
    assert d.call("POST", SIGN_IN, USER).status == 200

    print(f"\nrequests: {d.statuses.total()}, by status: {dict(sorted(d.statuses.items()))}")
    assert d.statuses[500] == 0
