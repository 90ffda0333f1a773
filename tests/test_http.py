"""The example project under gunicorn with several workers, driven over real HTTP on loopback."""

import re
import subprocess
import sys
from collections.abc import Iterator
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

import jwt
import pytest

from tests.servers import EXAMPLE, USER, Server, demo_setup, example_env, gunicorn


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    workdir = tmp_path_factory.mktemp("server")
    env = example_env(workdir)
    assert "Made a 2048-bit RSA key pair" in demo_setup(sys.executable, workdir, env)
    key = (workdir / "jwt-signing.pem").read_bytes()
    # A second run keeps the keys: restarting the demo does not sign anyone out.
    assert "Using the existing key pair" in demo_setup(sys.executable, workdir, env)
    assert (workdir / "jwt-signing.pem").read_bytes() == key
    with gunicorn(sys.executable, workdir, env, workers=3) as server:
        yield server


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

    # The example rotates refresh tokens.
    refreshed = server.request("POST", "/api/auth/mobile/token-refresh", {"refresh": tokens["refresh"]})
    assert refreshed.status == 200 and set(refreshed.json()) == {"access", "refresh"}
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
    rotated = SimpleCookie(refreshed.headers["Set-Cookie"])["refresh"].value
    assert rotated != refresh

    # The browser sends the cookie only to token-refresh: the page signs out with its access token.
    assert server.request("POST", "/api/auth/web/sign-out").status == 401
    access = refreshed.json()["access"]
    signed_out = server.request("POST", "/api/auth/web/sign-out", headers={"Authorization": f"Bearer {access}"})
    assert signed_out.status == 204
    cleared = SimpleCookie(signed_out.headers["Set-Cookie"])["refresh"]
    assert cleared.value == "" and cleared["max-age"] == "0" and cleared["path"] == "/api/auth/web/token-refresh"
    refused = server.request("POST", "/api/auth/web/token-refresh", headers={"Cookie": f"refresh={rotated}"})
    assert refused.status == 401


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


def test_production_settings_checks(tmp_path: Path) -> None:
    # Plain HTTP on loopback: the two HTTPS warnings the README explains (TLS is the proxy's job), and
    # without Redis, the sign-in throttle on the local-memory cache, one count per worker.
    assert deploy_warnings(tmp_path, {}) == {"security.W004", "security.W008", "ninja_simple_jwt.W040"}
    # Behind a TLS-terminating proxy (EXAMPLE_HTTPS=1), with a shared cache (checking connects to nothing): clean.
    redis = {"EXAMPLE_REDIS_URL": "redis://127.0.0.1:9/0"}
    assert deploy_warnings(tmp_path, {"EXAMPLE_HTTPS": "1"}) == {"ninja_simple_jwt.W040"}
    assert deploy_warnings(tmp_path, {"EXAMPLE_HTTPS": "1", **redis}) == set()


def deploy_warnings(workdir: Path, extra: dict[str, str]) -> set[str]:
    """The ids of what `manage.py check --deploy` reports for the example in production mode."""
    env = example_env(workdir, **extra)
    # A deployment has its keys (without them, check warns: ninja_simple_jwt.W003).
    if not (workdir / "jwt-signing.pem").exists():
        subprocess.run([sys.executable, str(EXAMPLE / "manage.py"), "make_rsa"], cwd=workdir, env=env, check=True)
    command = [sys.executable, str(EXAMPLE / "manage.py"), "check", "--deploy", "--fail-level", "CRITICAL"]
    result = subprocess.run(command, cwd=workdir, env=env, capture_output=True, text=True, check=True)
    return set(re.findall(r"\((\w+\.\w+)\)", result.stderr + result.stdout))


def test_production_settings_need_a_secret_key(tmp_path: Path) -> None:
    env = {k: v for k, v in example_env(tmp_path).items() if k != "EXAMPLE_SECRET_KEY"}
    # django.setup() itself, not manage.py: Django 4.2's manage.py keeps a settings error to itself for
    # some commands and fails later with AppRegistryNotReady.
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"], env=env, capture_output=True, text=True
    )
    assert result.returncode != 0 and "EXAMPLE_DEBUG=0 needs EXAMPLE_SECRET_KEY" in result.stderr


def test_the_example_runs_without_the_sessions_app(tmp_path: Path) -> None:
    # What `make bench` serves to this package and the original alike.
    env = example_env(tmp_path, EXAMPLE_SESSIONS="0")
    command = [sys.executable, str(EXAMPLE / "manage.py"), "shell", "-c"]
    script = "from project.urls import api; print(sorted(p for p in api.get_openapi_schema()['paths']))"
    paths = subprocess.run([*command, script], env=env, capture_output=True, text=True, check=True).stdout
    assert "/api/auth/web/sign-out" in paths and "/api/auth/sessions/" not in paths
