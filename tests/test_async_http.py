"""The example project's async routes under uvicorn, with the sessions app on PostgreSQL and Redis."""

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import services
from tests.servers import USER, Server, uvicorn

pytestmark = pytest.mark.system


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    workdir: Path = tmp_path_factory.mktemp("uvicorn")
    with services.example_on_postgres_and_redis(workdir) as env, uvicorn(sys.executable, workdir, env) as server:
        yield server
        log = server.log.read_text()
        assert "Traceback" not in log and "Internal Server Error" not in log, log


def bearer(access: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {access}"}


def test_an_async_route_takes_good_tokens_only(server: Server) -> None:
    tokens = server.request("POST", "/api/auth/mobile/sign-in", USER).json()
    for _ in range(3):  # verified; then remembered, the session read; then known live from the channel
        assert server.request("GET", "/api/async-hello", headers=bearer(tokens["access"])).status == 200
    me = server.request("GET", "/api/async-me", headers=bearer(tokens["access"])).json()
    assert me["username"] == USER["username"]
    assert server.request("GET", "/api/async-hello", headers=bearer(tokens["refresh"])).status == 401
    assert server.request("GET", "/api/async-hello", headers=bearer("a.b.c")).status == 401
    assert server.request("GET", "/api/async-hello").status == 401


def test_an_ended_sessions_token_is_refused_on_async_routes(server: Server) -> None:
    tokens = server.request("POST", "/api/auth/mobile/sign-in", USER).json()
    other = server.request("POST", "/api/auth/mobile/sign-in", USER).json()
    for _ in range(3):
        assert server.request("GET", "/api/async-hello", headers=bearer(tokens["access"])).status == 200
    assert server.request("POST", "/api/auth/mobile/sign-out", {"refresh": tokens["refresh"]}).status == 204
    assert server.request("GET", "/api/async-hello", headers=bearer(tokens["access"])).status == 401
    assert server.request("GET", "/api/async-hello", headers=bearer(other["access"])).status == 200


def test_make_benchs_side_by_side_measure_times_both_routes_and_counts_refusals(server: Server) -> None:
    from bench import interleave  # make bench's client of the async routes, run here so that CI checks it

    access = server.request("POST", "/api/auth/mobile/sign-in", USER).json()["access"]
    open_route: interleave.Route = ("/api/async-public-hello", [])
    protected: interleave.Route = ("/api/async-hello", [f"Authorization: Bearer {access}"])
    refused: interleave.Route = ("/api/async-hello", ["Authorization: Bearer a.b.c"])

    served = interleave.compare(server.url, 1, 2, open_route, protected)
    assert served["bad"] == 0 and served["a_per_s"] > 0 and served["b_per_s"] > 0

    # Every other burst is of 401s, each counted; the warm-up's are not.
    half_refused = interleave.compare(server.url, 1, 2, open_route, refused)
    assert half_refused["bad"] == half_refused["requests"] // 2
