"""Hostile input over real HTTP: the example project under gunicorn, in DEBUG and in production mode.

The classes of input the hardening issue found 5xx with: bodies over Django's limit, bodies of other
content types, garbage tokens and cookies, bad JSON (and JSON strings that are not Unicode), and password
guessing. Every answer must be below 500, and no traceback may reach a response or the server's log.
"""

import base64
import contextlib
import http.client
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.servers import USER, Server, demo_setup, example_env, gunicorn

POSTS = [
    "/api/auth/mobile/sign-in",
    "/api/auth/mobile/token-refresh",
    "/api/auth/web/sign-in",
    "/api/auth/web/token-refresh",
    "/api/auth/web/sign-out",
]
HUGE = json.dumps({"username": "demo", "password": "x" * (3 << 20), "refresh": "x"}).encode()


@dataclass
class Answer:
    status: int
    body: bytes


def send(
    server: Server, method: str, path: str, body: bytes | None = None, headers: dict[str, bytes] | None = None
) -> Answer:
    """One request with exactly these headers (byte values allowed), on a connection of its own."""
    host, port = server.url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=60)
    try:
        connection.putrequest(method, path)
        for name, value in (headers or {}).items():
            connection.putheader(name, value)
        if body is not None:
            connection.putheader("Content-Length", str(len(body)))
        # The server may answer before reading the whole body (a 413) and close: read that answer.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            connection.endheaders(body)
        response = connection.getresponse()
        return Answer(response.status, response.read())
    finally:
        connection.close()


def b64(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")


def hostile_requests(access: str, refresh: str) -> Iterator[tuple[str, str, bytes | None, dict[str, bytes]]]:
    json_type = {"Content-Type": b"application/json"}
    # Bodies over DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MiB).
    for path in POSTS:
        yield "POST", path, HUGE, json_type
    # What an HTML form can send, and no content type at all.
    credentials = json.dumps(USER).encode()
    for path in POSTS:
        for content_type in [b"text/plain", b"application/x-www-form-urlencoded", b"multipart/form-data; boundary=x"]:
            yield "POST", path, credentials, {"Content-Type": content_type}
        yield "POST", path, credentials, {}
    # Bad JSON, and JSON whose strings are not Unicode.
    for body in [
        b"{",
        b"[]",
        b"null",
        b"1",
        b'"text"',
        b"\xff\xfe{}",
        b"[" * 100_000,
        b'{"username": 1, "password": []}',
        b'{"username": "\\ud800", "password": "x"}',
        b'{"refresh": "\\ud800abc"}',
        b'{"refresh": ' + b"1" * 5000 + b"}",
        b'{"refresh": NaN}',
        json.dumps({"refresh": "x" * 20_000}).encode(),
    ]:
        for path in POSTS:
            yield "POST", path, body, json_type
    # Garbage bearer tokens.
    header, claims, signature = access.encode().split(b".")
    none_token = b".".join([b64(b'{"alg":"none","typ":"JWT"}'), claims, b""])
    for value in [
        b"Bearer",
        b"Bearer ",
        b"Bearer x",
        b"Bearer a.b.c",
        b"Bearer " + none_token,
        b"Bearer " + header + b"." + claims + b"." + signature[::-1],
        b"Bearer " + refresh.encode(),
        b"Bearer " + access.encode() + b"\xe9",
        b"Bearer \xff\xfe\xfd",
        b"Bearer " + b"A" * 7000,
        b"bEaReR " + b64(b"\x00" * 100),
        b"Basic ZGVtbzpkZW1vLXBhc3MtMTIzNA==",
    ]:
        for path in ["/api/hello", "/api/me"]:
            yield "GET", path, None, {"Authorization": value}
    # Garbage refresh cookies.
    for cookie in [
        b"refresh=garbage",
        b"refresh=" + access.encode(),
        b"refresh=\xff\xfe",
        b'refresh="\\ud800"',
        b"refresh",
        b";;;=;;",
        b"refresh=" + b"x" * 7000,
    ]:
        yield "POST", "/api/auth/web/token-refresh", None, {"Cookie": cookie}
        yield "POST", "/api/auth/web/sign-out", None, {"Cookie": cookie}
    # Password guessing, past the limit.
    guess = json.dumps({"username": "demo", "password": "wrong"}).encode()
    for _ in range(40):
        yield "POST", "/api/auth/mobile/sign-in", guess, json_type


@pytest.fixture(scope="module", params=["debug", "production"])
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    workdir = tmp_path_factory.mktemp(request.param)
    env = example_env(workdir, EXAMPLE_DEBUG="1" if request.param == "debug" else "0")
    demo_setup(sys.executable, workdir, env)
    with gunicorn(sys.executable, workdir, env, workers=2, name=request.param, access_log=True) as server:
        yield server


def test_hostile_input_never_gets_a_5xx(server: Server) -> None:
    tokens = json.loads(
        send(server, "POST", POSTS[0], json.dumps(USER).encode(), {"Content-Type": b"application/json"}).body
    )
    statuses: dict[int, int] = {}
    failures = []
    for method, path, body, headers in hostile_requests(tokens["access"], tokens["refresh"]):
        answer = send(server, method, path, body, headers)
        statuses[answer.status] = statuses.get(answer.status, 0) + 1
        if answer.status >= 500 or b"Traceback" in answer.body:
            failures.append((method, path, (body or b"")[:60], headers, answer.status, answer.body[:200]))
    assert failures == []
    log = server.log.read_text()
    assert "Traceback" not in log and "Internal Server Error" not in log, log[-3000:]
    # Each class got the answer meant for it.
    assert statuses.get(413, 0) >= 3 and statuses.get(415, 0) >= 4 and statuses.get(429, 0) >= 1, statuses
    assert set(statuses) <= {200, 204, 400, 401, 413, 415, 422, 429}, statuses


def test_the_answers_in_detail(server: Server) -> None:
    json_type = {"Content-Type": b"application/json"}
    too_big = send(server, "POST", "/api/auth/mobile/sign-in", HUGE, json_type)
    assert (too_big.status, json.loads(too_big.body)) == (413, {"detail": "The body is too large."})
    form = send(server, "POST", "/api/auth/web/sign-in", json.dumps(USER).encode(), {"Content-Type": b"text/plain"})
    assert form.status == 415
    not_unicode = send(server, "POST", "/api/auth/mobile/token-refresh", b'{"refresh": "\\ud800abc"}', json_type)
    assert not_unicode.status == 422


def test_no_5xx_in_the_access_log(server: Server) -> None:
    lines = [line.split() for line in server.log.read_text().splitlines() if line.startswith(("GET ", "POST "))]
    assert lines, "the access log is empty"
    assert [line for line in lines if line[-1].startswith("5")] == []
