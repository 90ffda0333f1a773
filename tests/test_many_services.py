"""One sign-in, many services: the example project issues tokens, a verify-only API trusts it by issuer URL
(discovery), both under gunicorn on loopback."""

import base64
import json
import sys
import time
from pathlib import Path

import pytest

from tests.servers import REPO, USER, demo_setup, example_env, free_port, gunicorn
from tests.test_rotation import manage

pytestmark = pytest.mark.system


def kid_of(token: str) -> str:
    header = token.split(".")[0]
    return str(json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))["kid"])


def test_sign_in_on_the_issuer_call_the_verify_only_service(tmp_path: Path) -> None:
    issuer_dir, api_dir = tmp_path / "issuer", tmp_path / "api"
    issuer_dir.mkdir()
    api_dir.mkdir()
    port = free_port()
    issuer_url = f"http://127.0.0.1:{port}"
    issuer_env = example_env(
        issuer_dir, EXAMPLE_JWT_ISSUER=issuer_url, EXAMPLE_JWT_AUDIENCE="orders", EXAMPLE_KEY_RELOAD_SECONDS="0.5"
    )
    demo_setup(sys.executable, issuer_dir, issuer_env)
    api_env = {
        **example_env(api_dir),
        "PYTHONPATH": str(REPO / "tests"),
        "DJANGO_SETTINGS_MODULE": "verify_only.settings",
        "VERIFY_ONLY_ISSUER": issuer_url,
        "VERIFY_ONLY_AUDIENCE": "orders",
        "VERIFY_ONLY_COOLDOWN_SECONDS": "0.5",
    }
    # One worker: each process fetches the keys itself, and the test follows one process's keys.
    with gunicorn(sys.executable, api_dir, api_env, workers=1, name="api", app="verify_only.wsgi") as api:
        issuer_cm = gunicorn(sys.executable, issuer_dir, issuer_env, name="issuer", port=port)
        issuer = issuer_cm.__enter__()
        try:
            discovery = issuer.request("GET", "/.well-known/openid-configuration").json()
            assert discovery == {"issuer": issuer_url, "jwks_uri": issuer_url + "/.well-known/jwks.json"}
            first = issuer.request("POST", "/api/auth/mobile/sign-in", USER).json()["access"]
            reply = api.request("GET", "/api/orders", headers={"Authorization": f"Bearer {first}"})
            assert reply.status == 200, reply.body
            assert reply.json()["username"] == USER["username"] and reply.json()["iss"] == issuer_url
            refused = api.request("GET", "/api/orders", headers={"Authorization": "Bearer nope"})
            assert refused.status == 401 and refused.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'

            # The issuer rotates; the API follows on the first token that names the new key.
            time.sleep(0.6)  # past the API's cooldown since its first fetch
            manage(issuer_dir, issuer_env, "make_jwt_key", "--rotate")
            time.sleep(1.0)  # the issuer's workers read the new keys
            second = issuer.request("POST", "/api/auth/mobile/sign-in", USER).json()["access"]
            assert kid_of(second) != kid_of(first)
            for token in (second, first):
                reply = api.request("GET", "/api/orders", headers={"Authorization": f"Bearer {token}"})
                assert reply.status == 200, reply.body
        finally:
            issuer_cm.__exit__(None, None, None)
        # The issuer is gone: the API keeps serving both keys' tokens with the keys it holds.
        for _ in range(10):
            for token in (first, second):
                reply = api.request("GET", "/api/orders", headers={"Authorization": f"Bearer {token}"})
                assert reply.status == 200, reply.body
    assert "Traceback" not in (api_dir / "api.log").read_text()
