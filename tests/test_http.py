"""The example project under gunicorn, driven over real HTTP on loopback.

The server runs in a directory of its own, set up by the same `demo_setup` command `make demo` runs.
"""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

import jwt
import pytest

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "example"
BIN = Path(sys.executable).parent
USER = {"username": "demo", "password": "demo-pass-1234"}


@dataclass
class Reply:
    status: int
    headers: Any
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Server:
    url: str
    workdir: Path
    log: Path

    def request(self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None) -> Reply:
        data = body if isinstance(body, bytes | None) else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, method=method, headers=headers or {})
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return Reply(response.status, response.headers, response.read())
        except urllib.error.HTTPError as error:
            return Reply(error.code, error.headers, error.read())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    workdir = tmp_path_factory.mktemp("server")
    env = {
        **os.environ,
        "PYTHONPATH": str(EXAMPLE),
        "DJANGO_SETTINGS_MODULE": "project.settings",
        "EXAMPLE_DEBUG": "0",
        "EXAMPLE_DB": str(workdir / "db.sqlite3"),
    }
    setup = [sys.executable, str(EXAMPLE / "manage.py"), "demo_setup"]
    first = subprocess.run(setup, cwd=workdir, env=env, capture_output=True, text=True, check=True)
    assert "Made a 2048-bit RSA key pair" in first.stdout
    key = (workdir / "jwt-signing.pem").read_bytes()
    # A second run keeps the keys: restarting the demo does not sign anyone out.
    second = subprocess.run(setup, cwd=workdir, env=env, capture_output=True, text=True, check=True)
    assert "Using the existing key pair" in second.stdout
    assert (workdir / "jwt-signing.pem").read_bytes() == key

    port = free_port()
    log = workdir / "gunicorn.log"
    with log.open("w") as log_file:
        process = subprocess.Popen(
            [str(BIN / "gunicorn"), "project.wsgi", "-b", f"127.0.0.1:{port}", "-w", "2", "--error-logfile", "-"],
            cwd=workdir,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/ping", timeout=1):
                        break
                except OSError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError("gunicorn did not start:\n" + log.read_text()) from None
                    time.sleep(0.1)
            yield Server(f"http://127.0.0.1:{port}", workdir, log)
        finally:
            process.terminate()
            process.wait(timeout=10)


@pytest.fixture(autouse=True)
def _no_tracebacks(server: Server) -> Iterator[None]:
    before = server.log.read_text()
    yield
    new = server.log.read_text()[len(before) :]
    assert "Traceback" not in new and "Internal Server Error" not in new, new


def test_mobile_flow(server: Server) -> None:
    signed_in = server.request("POST", "/api/auth/mobile/sign-in", USER)
    assert signed_in.status == 200
    tokens = signed_in.json()
    public_key = (server.workdir / "jwt-signing.pub").read_bytes()
    assert jwt.decode(tokens["access"], public_key, algorithms=["RS256"])["username"] == "demo"

    hello = server.request("GET", "/api/hello", headers={"Authorization": f"Bearer {tokens['access']}"})
    assert (hello.status, hello.json()) == (200, "Hello world")
    me = server.request("GET", "/api/me", headers={"Authorization": f"Bearer {tokens['access']}"}).json()
    assert me["username"] == "demo" and me["claims"]["token_type"] == "access"

    refreshed = server.request("POST", "/api/auth/mobile/token-refresh", {"refresh": tokens["refresh"]})
    assert refreshed.status == 200 and set(refreshed.json()) == {"access"}
    again = server.request("GET", "/api/hello", headers={"Authorization": f"Bearer {refreshed.json()['access']}"})
    assert again.status == 200


def test_web_flow(server: Server) -> None:
    signed_in = server.request("POST", "/api/auth/web/sign-in", USER)
    assert signed_in.status == 200 and set(signed_in.json()) == {"access"}
    raw = signed_in.headers["Set-Cookie"]
    for attribute in ["HttpOnly", "SameSite=Strict", "Secure", "Path=/api/auth/web/token-refresh", "expires="]:
        assert attribute in raw
    refresh = SimpleCookie(raw)["refresh"].value

    refreshed = server.request("POST", "/api/auth/web/token-refresh", headers={"Cookie": f"refresh={refresh}"})
    assert refreshed.status == 200 and set(refreshed.json()) == {"access"}

    signed_out = server.request("POST", "/api/auth/web/sign-out")
    assert signed_out.status == 204
    cleared = SimpleCookie(signed_out.headers["Set-Cookie"])["refresh"]
    assert cleared.value == "" and cleared["max-age"] == "0" and cleared["path"] == "/api/auth/web/token-refresh"


@pytest.mark.parametrize(
    ("method", "path", "body", "headers", "status"),
    [
        ("POST", "/api/auth/mobile/sign-in", {"username": "demo", "password": "wrong"}, {}, 401),
        ("POST", "/api/auth/mobile/sign-in", {"username": "ghost", "password": "x"}, {}, 401),
        ("POST", "/api/auth/mobile/sign-in", b"{not json", {}, 422),
        ("POST", "/api/auth/mobile/sign-in", {"username": "demo"}, {}, 422),
        ("POST", "/api/auth/mobile/token-refresh", {"refresh": "x.y.z"}, {}, 401),
        ("POST", "/api/auth/mobile/token-refresh", b"", {}, 422),
        ("POST", "/api/auth/web/sign-in", b"[]", {}, 422),
        ("POST", "/api/auth/web/token-refresh", None, {}, 401),
        ("POST", "/api/auth/web/token-refresh", None, {"Cookie": "refresh=garbage"}, 401),
        ("GET", "/api/hello", None, {}, 401),
        ("GET", "/api/hello", None, {"Authorization": "Bearer"}, 401),
        ("GET", "/api/hello", None, {"Authorization": "Bearer a.b.c"}, 401),
        ("GET", "/api/hello", None, {"Authorization": "Bearer " + "a" * 6000}, 401),
    ],
)
def test_bad_input_over_http(
    server: Server, method: str, path: str, body: Any, headers: dict[str, str], status: int
) -> None:
    reply = server.request(method, path, body, headers)
    assert reply.status == status, reply.body
    assert "detail" in reply.json()


def test_api_docs_and_schema(server: Server) -> None:
    docs = server.request("GET", "/api/docs")
    assert docs.status == 200 and b"swagger" in docs.body.lower()
    schema = server.request("GET", "/api/openapi.json").json()
    assert {"/api/auth/mobile/sign-in", "/api/auth/web/sign-out", "/api/hello"} <= set(schema["paths"])


def test_tokens_pyjwt_signs_are_accepted_over_http(server: Server) -> None:
    tokens = server.request("POST", "/api/auth/mobile/sign-in", USER).json()
    claims = jwt.decode(tokens["access"], options={"verify_signature": False})
    resigned = jwt.encode(claims, (server.workdir / "jwt-signing.pem").read_bytes(), algorithm="RS256")
    assert server.request("GET", "/api/hello", headers={"Authorization": f"Bearer {resigned}"}).status == 200
    hs = jwt.encode(claims, "a secret at least thirty-two bytes long", algorithm="HS256")
    assert server.request("GET", "/api/hello", headers={"Authorization": f"Bearer {hs}"}).status == 401
