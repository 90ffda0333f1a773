"""Many services: `iss`/`aud` on this project's tokens, trusted issuers' tokens verified through their JWKS
(fetched from a provider on loopback that counts the requests), scopes and RFC 6750 answers."""

import json
import logging
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import Client

from ninja_simple_jwt.jwt import remote_keys
from ninja_simple_jwt.jwt.remote_keys import trusted_issuers
from ninja_simple_jwt.jwt.token_operations import (
    TokenTypes,
    decode_token,
    encode_token,
    verification_would_wait,
)
from tests.conftest import PASSWORD, b64
from tests.provider import Provider, ProviderKey, provider, provider_key

ME = "/api/protected/me"


def get(client: Client, token: str, path: str = ME) -> Any:
    return client.get(path, HTTP_AUTHORIZATION=f"Bearer {token}")


@pytest.fixture
def idp() -> Iterator[Provider]:
    with provider() as p:
        yield p


@pytest.fixture(autouse=True)
def _forget_trusted_keys() -> Iterator[None]:
    trusted_issuers.clear()
    yield
    trusted_issuers.clear()


def trust(settings: Any, idp: Provider, **entry: Any) -> None:
    config = {"issuer": idp.issuer, "audience": idp.audience, "jwks_url": idp.url + "/jwks", **entry}
    settings.NINJA_SIMPLE_JWT = {
        "JWT_TRUSTED_ISSUERS": [{k: v for k, v in config.items() if v is not None}],
        # The provider answers at once: 10 s only matters on a machine loaded enough to delay that.
        "JWT_JWKS_TIMEOUT": 10,
        **getattr(settings, "NINJA_SIMPLE_JWT", {}),
    }


# This project's own tokens


def test_issuer_and_audience_are_signed_and_required(settings: Any, keys: Any, user: Any) -> None:
    client = Client()
    plain, claims = encode_token({"user_id": 1}, TokenTypes.ACCESS)
    assert "iss" not in claims and "aud" not in decode_token(plain, TokenTypes.ACCESS)

    settings.NINJA_SIMPLE_JWT = {"JWT_ISSUER": "https://auth.example", "JWT_AUDIENCE": ["orders", "billing"]}
    sign_in = client.post(
        "/api/auth/mobile/sign-in", {"username": "alice", "password": PASSWORD}, content_type="application/json"
    )
    access = sign_in.json()["access"]
    claims = decode_token(access, TokenTypes.ACCESS)
    assert claims["iss"] == "https://auth.example" and claims["aud"] == ["orders", "billing"]
    assert get(client, access).status_code == 200
    # A token of the same keys without the issuer, or for another audience, or from another issuer.
    assert get(client, plain).status_code == 401
    settings.NINJA_SIMPLE_JWT = {"JWT_ISSUER": "https://auth.example", "JWT_AUDIENCE": "shipping"}
    assert get(client, access).status_code == 401
    settings.NINJA_SIMPLE_JWT = {"JWT_ISSUER": "https://auth.example/", "JWT_AUDIENCE": "orders"}
    assert get(client, access).status_code == 401
    settings.NINJA_SIMPLE_JWT = {"JWT_ISSUER": "https://auth.example", "JWT_AUDIENCE": "billing"}
    response = get(client, access)
    assert response.status_code == 200, response.content


def test_the_discovery_document_names_the_issuer_and_the_jwks(settings: Any, keys: Any) -> None:
    client = Client()
    assert client.get("/.well-known/openid-configuration").status_code == 404
    settings.NINJA_SIMPLE_JWT = {"JWT_ISSUER": "https://auth.example/tenant/"}
    document = client.get("/.well-known/openid-configuration").json()
    assert document == {
        "issuer": "https://auth.example/tenant/",
        "jwks_uri": "https://auth.example/.well-known/jwks.json",
    }


# Trusted issuers


def test_a_trusted_issuers_token_opens_the_route_with_one_fetch(settings: Any, keys: Any, idp: Provider) -> None:
    trust(settings, idp)
    client = Client()
    token = idp.token(scope="read:orders")
    for _ in range(5):
        response = get(client, token)
        assert response.status_code == 200, response.content
    body = response.json()
    assert body["id"] == "user-42" and body["user_type"] == "TokenUser"
    assert body["auth"]["iss"] == idp.issuer
    # Other tokens of the same keys: no more fetches.
    for i in range(5):
        assert get(client, idp.token(sub=f"user-{i}")).status_code == 200
    assert idp.count("/jwks") == 1
    # This project's own tokens still work beside them, without the provider.
    own, _ = encode_token({"user_id": 1}, TokenTypes.ACCESS)
    assert get(client, own).status_code == 200
    assert idp.count("/jwks") == 1


def test_tokens_a_trusted_issuer_must_not_open(settings: Any, keys: Any, idp: Provider) -> None:
    trust(settings, idp)
    client = Client()
    assert get(client, idp.token()).status_code == 200
    refused = {
        "wrong audience": idp.token(aud="other-api"),
        "no audience": idp.token(aud=None),
        "a refresh token": idp.token(token_type="refresh"),
        "a Cognito id token": idp.token(token_use="id"),
        "expired": idp.token(exp=int(time.time()) - 60),
        "no exp": idp.token(exp=None),
        "not yet valid": idp.token(nbf=int(time.time()) + 600),
        "issuer with a trailing slash": idp.token(iss=idp.issuer + "/"),
        "jku": idp.token(headers={"jku": "https://attacker.example/keys"}),
        "x5u": idp.token(headers={"x5u": "https://attacker.example/cert"}),
        "signed by another key, same kid": idp.token(key=ProviderKey(idp.keys[0].kid, provider_key().private_pem, {})),
    }
    for why, token in refused.items():
        response = get(client, token)
        assert response.status_code == 401, why
        assert response["WWW-Authenticate"] == 'Bearer error="invalid_token"', why
    assert idp.count("/jwks") == 1


def test_an_ed25519_key_of_small_order_in_the_jwks_opens_nothing(
    settings: Any, keys: Any, idp: Provider, caplog: pytest.LogCaptureFixture
) -> None:
    # Under the identity point as a key, R = B and s = 1 sign any message; the key is skipped.
    identity = bytes([1] + [0] * 31)
    weak = {"kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "x": b64(identity), "kid": "weak"}
    idp.keys.append(ProviderKey("weak", b"", weak))
    trust(settings, idp, algorithms=["RS256", "EdDSA"])
    client = Client()
    with caplog.at_level(logging.DEBUG, logger="ninja_simple_jwt"):
        assert get(client, idp.token()).status_code == 200
    assert f"Skipped 1 members of {idp.issuer}'s JWK Set." in caplog.messages
    header = b64(json.dumps({"alg": "EdDSA", "kid": "weak", "typ": "JWT"}).encode())
    now = int(time.time())
    claims = {"iss": idp.issuer, "aud": idp.audience, "sub": "user-42", "iat": now, "exp": now + 300}
    base_point, one = bytes([0x58] + [0x66] * 31), identity
    forged = f"{header}.{b64(json.dumps(claims).encode())}.{b64(base_point + one)}"
    response = get(client, forged)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer error="invalid_token"'


def test_an_untrusted_issuer_is_refused_without_any_request(settings: Any, keys: Any, idp: Provider) -> None:
    trust(settings, idp)
    with provider() as stranger:
        response = get(Client(), stranger.token())
        assert response.status_code == 401
        assert stranger.count("/jwks") == 0 and stranger.count("/.well-known/openid-configuration") == 0
    assert idp.count("/jwks") == 0


class Clock:
    """`time.monotonic` of remote_keys, moved by the test alone: a cooldown ends when the test says so,
    however slowly a loaded machine runs the requests in between."""

    def __init__(self) -> None:
        self.now = time.monotonic()

    def monotonic(self) -> float:
        return self.now


def test_made_up_kids_cost_one_fetch_per_cooldown(
    settings: Any, keys: Any, idp: Provider, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Clock()
    monkeypatch.setattr(remote_keys, "time", clock)
    trust(settings, idp)
    client = Client()
    assert get(client, idp.token()).status_code == 200
    stranger = provider_key()
    # Signed before the requests: PyJWT reads the PEM key for every token, which takes a while.
    forged = [idp.token(key=stranger, headers={"kid": f"made-up-{i}"}) for i in range(30)]
    for token in forged:
        assert get(client, token).status_code == 401
    assert idp.count("/jwks") == 1
    settings.NINJA_SIMPLE_JWT = {**settings.NINJA_SIMPLE_JWT, "JWT_JWKS_COOLDOWN": 1}
    good = idp.token()
    assert get(client, good).status_code == 200  # the new settings' first fetch
    for token in forged[:10]:
        assert get(client, token).status_code == 401
    assert idp.count("/jwks") == 2
    clock.now += 0.99
    assert get(client, idp.token(key=stranger, headers={"kid": "sooner"})).status_code == 401
    assert idp.count("/jwks") == 2
    clock.now += 0.02
    assert get(client, idp.token(key=stranger, headers={"kid": "later"})).status_code == 401
    assert idp.count("/jwks") == 3


def test_twenty_concurrent_requests_with_a_new_kid_share_one_fetch(settings: Any, keys: Any, idp: Provider) -> None:
    trust(settings, idp, jwks_url=idp.url + "/jwks")
    settings.NINJA_SIMPLE_JWT = {**settings.NINJA_SIMPLE_JWT, "JWT_JWKS_COOLDOWN": 0}
    assert get(Client(), idp.token()).status_code == 200
    # The provider rotates; its new key signs from now on.
    new = provider_key()
    idp.keys.append(new)
    # The fetch must outlast the twenty requests' way to the key set (on a loaded machine, a while):
    # the provider takes 2 s to answer, well within JWT_JWKS_TIMEOUT.
    idp.delay = 2
    token = idp.token(key=new)
    assert verification_would_wait(token)
    assert not verification_would_wait(idp.token())
    barrier = threading.Barrier(20)
    statuses: list[int] = []

    def call() -> None:
        barrier.wait()
        statuses.append(get(Client(), token).status_code)

    threads = [threading.Thread(target=call) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [200] * 20
    assert idp.count("/jwks") == 2
    assert not verification_would_wait(token)


def test_old_keys_are_refreshed_in_the_background(settings: Any, keys: Any, idp: Provider) -> None:
    trust(settings, idp)
    settings.NINJA_SIMPLE_JWT = {
        **settings.NINJA_SIMPLE_JWT,
        "JWT_JWKS_CACHE_LIFETIME": 0.2,
        "JWT_JWKS_COOLDOWN": 0,
    }
    client = Client()
    token = idp.token()
    assert get(client, token).status_code == 200
    time.sleep(0.25)
    # The provider holds its answer until the request is done: a request that waited for the fetch
    # would take the whole JWT_JWKS_TIMEOUT.
    idp.answering.clear()
    started = time.monotonic()
    try:
        assert get(client, token).status_code == 200  # old keys, known kid: no wait
        assert time.monotonic() - started < 5
    finally:
        idp.answering.set()
    remote = trusted_issuers.sets()[idp.issuer]
    deadline = time.monotonic() + 30
    while remote._in_flight is not None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert idp.count("/jwks") == 2
    assert remote._fresh_until > time.monotonic()  # the background fetch got the keys


def test_cache_control_max_age_is_honoured_within_bounds(settings: Any, keys: Any, idp: Provider) -> None:
    trust(settings, idp)
    settings.NINJA_SIMPLE_JWT = {**settings.NINJA_SIMPLE_JWT, "JWT_JWKS_COOLDOWN": 0.2}
    idp.cache_control = "public, max-age=0"
    before = time.monotonic()
    assert get(Client(), idp.token()).status_code == 200
    after = time.monotonic()
    remote = trusted_issuers.sets()[idp.issuer]
    # Fresh for the cooldown (0.2 s) from the fetch, which happened within the request.
    assert before + 0.2 <= remote._fresh_until <= after + 0.2
    for header, lifetime in [("max-age=120", 120), ("max-age=999999", 600), ("no-store", 0.2), ("", 600)]:
        assert remote._lifetime(header) == lifetime, header


WHY = {
    "not-json": "not JSON",
    "junk": "no public signature key",
    "huge": "more than 262144 bytes",
    "huge-unannounced": "more than 262144 bytes",
    "trickle": "within JWT_JWKS_TIMEOUT",
    "redirect-elsewhere": "redirected to another host",
    "error": "answered 500",
}


@pytest.mark.parametrize("mode", list(WHY))
def test_bad_answers_keep_the_keys_held_and_warn_once(
    settings: Any, keys: Any, idp: Provider, mode: str, caplog: pytest.LogCaptureFixture
) -> None:
    trust(settings, idp)
    # A short timeout, so that the trickling provider is given up on soon; its good answers come at once.
    settings.NINJA_SIMPLE_JWT = {**settings.NINJA_SIMPLE_JWT, "JWT_JWKS_COOLDOWN": 0, "JWT_JWKS_TIMEOUT": 0.5}
    client = Client()
    good = idp.token()
    assert get(client, good).status_code == 200
    idp.mode = mode
    unknown = idp.token(key=provider_key())
    with caplog.at_level(logging.WARNING, logger="ninja_simple_jwt"):
        for _ in range(3):
            started = time.monotonic()
            assert get(client, unknown).status_code == 401
            # JWT_JWKS_TIMEOUT is 0.5 s; a trickling provider would hold a fetch without it for 10 s.
            assert time.monotonic() - started < 5
            assert get(client, good).status_code == 200
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING and r.name == "ninja_simple_jwt"]
    assert len(warnings) == 1, warnings
    assert "keeping the 1 keys held" in warnings[0] and WHY[mode] in warnings[0], warnings[0]
    assert "BEGIN" not in warnings[0] and "   " not in warnings[0]
    idp.mode = None
    # The last good token may have started a background fetch that the provider still answered badly.
    remote = trusted_issuers.sets()[idp.issuer]
    deadline = time.monotonic() + 5
    while remote._in_flight is not None and time.monotonic() < deadline:
        time.sleep(0.02)
    with caplog.at_level(logging.WARNING, logger="ninja_simple_jwt"):
        assert get(client, good).status_code == 200
        assert get(client, idp.token(key=provider_key())).status_code == 401
    assert any("can be fetched again" in r.getMessage() for r in caplog.records)


def test_a_provider_down_from_the_start_is_a_503_not_a_500(settings: Any, keys: Any, idp: Provider) -> None:
    trust(settings, idp)
    idp.mode = "error"
    response = get(Client(), idp.token())
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "BEGIN" not in response.content.decode()


def test_discovery_finds_the_jwks_and_must_name_the_issuer(settings: Any, keys: Any, idp: Provider) -> None:
    trust(settings, idp, jwks_url=None)
    client = Client()
    assert get(client, idp.token()).status_code == 200
    assert get(client, idp.token()).status_code == 200
    assert (idp.count("/.well-known/openid-configuration"), idp.count("/jwks")) == (1, 1)
    trusted_issuers.clear()
    idp.discovery_issuer = "https://elsewhere.example"
    assert get(client, idp.token()).status_code == 503
    assert idp.count("/jwks") == 1


def test_http_urls_other_than_loopback_are_refused() -> None:
    from ninja_simple_jwt.jwt.remote_keys import FetchError, _allowed

    for url in ["http://idp.example/jwks", "ftp://127.0.0.1/jwks", "file:///etc/passwd", "http:///jwks"]:
        with pytest.raises(FetchError):
            _allowed(url)
    for url in ["https://idp.example/jwks", "http://127.0.0.1:8000/jwks", "http://localhost/jwks", "http://[::1]/j"]:
        assert _allowed(url) == url


# Scopes and RFC 6750


def test_scopes_and_bearer_challenges(settings: Any, keys: Any, idp: Provider) -> None:
    trust(settings, idp)
    client = Client()
    path = "/api/scoped/me"
    assert get(client, idp.token(scope="read:orders write:orders admin"), path).status_code == 200
    assert get(client, idp.token(scp=["write:orders", "read:orders"]), path).status_code == 200
    assert get(client, idp.token(scp="read:orders write:orders"), path).status_code == 200
    response = get(client, idp.token(scope="read:orders"), path)
    assert response.status_code == 403
    assert response["WWW-Authenticate"] == 'Bearer error="insufficient_scope", scope="read:orders write:orders"'
    response = client.get(path)
    assert response.status_code == 401 and response["WWW-Authenticate"] == "Bearer"
    response = client.get(path, HTTP_AUTHORIZATION="Basic abc")
    assert response.status_code == 401 and response["WWW-Authenticate"] == "Bearer"
    response = get(client, "not-a-token", path)
    assert response.status_code == 401 and response["WWW-Authenticate"] == 'Bearer error="invalid_token"'
    # An open route's answers are left alone.
    assert not client.get("/api/auth/mobile/token-refresh").has_header("WWW-Authenticate")


# Checks and a verify-only service


def test_a_trusted_issuer_without_audience_is_an_error(settings: Any, keys: Any) -> None:
    settings.NINJA_SIMPLE_JWT = {"JWT_TRUSTED_ISSUERS": [{"issuer": "https://idp.example/"}]}
    with pytest.raises(SystemCheckError, match="E030"):
        call_command("check")
    for bad in [
        [{"issuer": "https://idp.example/", "audience": []}],
        [{"issuer": "https://idp.example/", "audience": 5}],  # not iterable: an E003 too, not a TypeError
        [{"issuer": "https://idp.example/", "audience": True}],
        [{"issuer": "", "audience": "a"}],
        [{"issuer": "https://idp.example/", "audience": "a", "algorithms": ["HS256"]}],
        [{"issuer": "https://idp.example/", "audience": "a", "jwks": "https://x"}],
        "https://idp.example/",
    ]:
        settings.NINJA_SIMPLE_JWT = {"JWT_TRUSTED_ISSUERS": bad}
        with pytest.raises(SystemCheckError, match="E003"):
            call_command("check")


def test_http_issuers_elsewhere_than_loopback_are_named(settings: Any, keys: Any) -> None:
    settings.NINJA_SIMPLE_JWT = {"JWT_TRUSTED_ISSUERS": [{"issuer": "http://idp.example", "audience": "a"}]}
    with pytest.raises(SystemCheckError, match=r"E031.*http://idp\.example"):
        call_command("check")
    settings.NINJA_SIMPLE_JWT = {
        "JWT_TRUSTED_ISSUERS": [{"issuer": "https://idp.example", "audience": "a", "jwks_url": "http://10.0.0.1/k"}]
    }
    with pytest.raises(SystemCheckError, match=r"E031.*http://10\.0\.0\.1/k"):
        call_command("check")
    settings.NINJA_SIMPLE_JWT = {"JWT_TRUSTED_ISSUERS": [{"issuer": "http://127.0.0.1:9/", "audience": "a"}]}
    call_command("check")
    # With a jwks_url the issuer is only the name its tokens carry: nothing is fetched from it.
    settings.NINJA_SIMPLE_JWT = {
        "JWT_TRUSTED_ISSUERS": [{"issuer": "http://idp.example", "audience": "a", "jwks_url": "https://idp.example/k"}]
    }
    call_command("check")


def test_a_verify_only_service(settings: Any, idp: Provider, user: Any, capsys: pytest.CaptureFixture[str]) -> None:
    trust(settings, idp)
    call_command("check")  # no keys of its own: a warning at most
    err = capsys.readouterr().err
    assert "W003" not in err and "W030" in err
    client = Client()
    assert get(client, idp.token()).status_code == 200
    response = get(client, "eyJhbGciOiJSUzI1NiJ9.eyJleHAiOjF9.AAAA")
    assert response.status_code == 401
    sign_in = client.post(
        "/api/auth/mobile/sign-in", {"username": "alice", "password": PASSWORD}, content_type="application/json"
    )
    assert sign_in.status_code == 503
