"""Keys that rotate, end to end: the example project under gunicorn, driven over loopback.

- Under load, `make_jwt_key --rotate` in the server's directory: no request fails, tokens issued before
  keep working, and within JWT_KEY_RELOAD_INTERVAL every worker signs with the new key.
- PyJWT's `PyJWKClient`, pointed at /.well-known/jwks.json, verifies our tokens for each algorithm,
  before and after a rotation.
- A key pair that does not match on disk: sign-in answers 503, the log names the files and what to run.
- A token whose header names an unknown or malformed `kid`, a key to fetch, or another algorithm: 401.
"""

import hashlib
import hmac
import json
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
import pytest
from jwt.algorithms import get_default_algorithms

from tests.conftest import b64
from tests.servers import EXAMPLE, USER, Server, demo_setup, example_env, gunicorn

ALGORITHMS = ["RS256", "ES256", "EdDSA"]
RELOAD_SECONDS = 2.0
# Members a public JWK has, by key type (RFC 7518 section 6, RFC 8037): nothing else, nothing private.
PUBLIC_MEMBERS = {"RSA": {"n", "e"}, "EC": {"crv", "x", "y"}, "OKP": {"crv", "x"}}
COMMON_MEMBERS = {"kty", "kid", "use", "alg"}
KEY_TYPES = {"RS256": "RSA", "ES256": "EC", "EdDSA": "OKP"}
# With the process id, to tell which worker served each request.
ACCESS_LOG_FORMAT = "%(p)s %(m)s %(U)s %(s)s"


def manage(workdir: Path, env: dict[str, str], *args: str) -> str:
    """Runs `manage.py *args` of the example project in `workdir`; its output."""
    command = [sys.executable, str(EXAMPLE / "manage.py"), *args]
    return subprocess.run(command, cwd=workdir, env=env, capture_output=True, text=True, check=True).stdout


def thumbprint(public_pem: bytes, algorithm: str) -> str:
    """The RFC 7638 thumbprint of a public key, computed here with PyJWT's JWK export and hashlib."""
    pyjwt_algorithm: Any = get_default_algorithms()[algorithm]
    jwk = pyjwt_algorithm.to_jwk(pyjwt_algorithm.prepare_key(public_pem), as_dict=True)
    required = {"kty", *PUBLIC_MEMBERS[jwk["kty"]]}
    canonical = json.dumps({name: jwk[name] for name in sorted(required)}, separators=(",", ":"))
    return b64(hashlib.sha256(canonical.encode()).digest())


def kid_of(token: str) -> str:
    kid: str = jwt.get_unverified_header(token)["kid"]
    return kid


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def sign_in(server: Server) -> dict[str, str]:
    reply = server.request("POST", "/api/auth/mobile/sign-in", USER)
    assert reply.status == 200, reply.body
    tokens: dict[str, str] = reply.json()
    return tokens


def worker_pids(server: Server) -> set[str]:
    return set(re.findall(r"Booting worker with pid: (\d+)", server.log.read_text()))


def assert_clean_log(server: Server) -> None:
    log = server.log.read_text()
    assert "Traceback" not in log and "Internal Server Error" not in log, log
    assert "PRIVATE KEY" not in log


# --- rotation under load ---------------------------------------------------------------------------------


@dataclass
class Outcome:
    sent_at: float  # time.monotonic() when the request was sent
    what: str
    status: int  # 0: no answer (connection refused or reset, timeout)
    access_kid: str | None = None  # the kid of the access token in the reply, if any


@pytest.fixture(scope="module")
def loaded_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    workdir = tmp_path_factory.mktemp("rotation")
    env = example_env(workdir, EXAMPLE_KEY_RELOAD_SECONDS=str(RELOAD_SECONDS))
    assert "Made a 2048-bit RSA key pair" in demo_setup(sys.executable, workdir, env)
    with gunicorn(
        sys.executable, workdir, env, workers=3, access_log=True, access_log_format=ACCESS_LOG_FORMAT
    ) as server:
        yield server
    assert_clean_log(server)


def test_rotation_under_load_fails_no_request_and_reaches_every_worker(loaded_server: Server) -> None:
    server = loaded_server
    env = example_env(server.workdir, EXAMPLE_KEY_RELOAD_SECONDS=str(RELOAD_SECONDS))
    old_kid = thumbprint((server.workdir / "jwt-signing.pub").read_bytes(), "RS256")
    # Sessions signed in before the rotation: one kept aside for the end, one for each client thread.
    with ThreadPoolExecutor(4) as pool:
        before, *sessions = pool.map(lambda _: sign_in(server), range(7))
    assert {kid_of(token) for tokens in (before, *sessions) for token in tokens.values()} == {old_kid}

    outcomes: list[Outcome] = []
    lock = threading.Lock()

    def call(what: str, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None) -> Any:
        sent_at = time.monotonic()
        try:
            reply = server.request(method, path, body, headers)
        except OSError:
            with lock:
                outcomes.append(Outcome(sent_at, what, 0))
            return None
        access = reply.json().get("access") if reply.status == 200 and path.startswith("/api/auth/") else None
        with lock:
            outcomes.append(Outcome(sent_at, what, reply.status, access and kid_of(access)))
        return reply.json() if reply.status == 200 else None

    stop = threading.Event()

    def client(tokens: dict[str, str]) -> None:
        # A mobile client: it refreshes (the example rotates refresh tokens: it keeps the newest) and
        # calls the API, and now and then a user signs in anew.
        i = 0
        while not stop.is_set():
            if i % 25 == 24:  # sign-in hashes a password: costly on purpose, so not too often
                tokens = call("sign-in", "POST", "/api/auth/mobile/sign-in", USER) or tokens
            refreshed = call("refresh", "POST", "/api/auth/mobile/token-refresh", {"refresh": tokens["refresh"]})
            if refreshed:
                tokens = {"access": refreshed["access"], "refresh": refreshed.get("refresh") or tokens["refresh"]}
            call("protected", "GET", "/api/hello", headers=bearer(tokens["access"]))
            call("protected, token from before the rotation", "GET", "/api/hello", headers=bearer(before["access"]))
            i += 1

    def wait_for(enough: Callable[[list[Outcome]], bool]) -> None:
        # Counts of requests, not durations: on a loaded machine the clients (and the rotation's key
        # generation) run slower, and the load simply goes on for longer.
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            with lock:
                if enough(outcomes):
                    return
            time.sleep(0.1)

    threads = [threading.Thread(target=client, args=(tokens,)) for tokens in sessions]
    for thread in threads:
        thread.start()
    try:
        # The rotation comes in the middle of the load: after tokens of the old key were issued under it.
        wait_for(lambda done: sum(o.access_kid is not None for o in done) > 100)
        rotated = manage(server.workdir, env, "make_jwt_key", "--rotate")
        rotated_at = time.monotonic()
        # A request sent once the interval has passed since the rotation must be served with the new key:
        # the load goes on until many such requests were answered.
        settled = rotated_at + RELOAD_SECONDS + 0.5
        wait_for(lambda done: sum(o.access_kid is not None and o.sent_at > settled for o in done) > 100)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert "Rotated to a 2048-bit RSA key pair" in rotated
    new_kid = thumbprint((server.workdir / "jwt-signing.pub").read_bytes(), "RS256")
    assert new_kid != old_kid

    statuses = Counter((o.what, o.status) for o in outcomes)
    assert all(200 <= status < 300 for _, status in statuses), statuses
    assert len(outcomes) > 300, statuses  # it was a load: every kind of request, many times
    assert {what for what, _ in statuses} == {
        "sign-in",
        "refresh",
        "protected",
        "protected, token from before the rotation",
    }
    issued = [o for o in outcomes if o.access_kid is not None]
    assert {o.access_kid for o in issued} == {old_kid, new_kid}
    late = [o for o in issued if o.sent_at > settled]
    assert len(late) > 50 and all(o.access_kid == new_kid for o in late), Counter(o.access_kid for o in late)

    # Every worker signs with the new key: concurrent sign-ins (slow, so each worker takes some) until
    # the access log shows each worker served one.
    log_offset = len(server.log.read_text())
    pids = worker_pids(server)
    assert len(pids) == 3
    served: set[str] = set()
    # Which worker accepts a connection is up to the kernel: rounds until each has served one.
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        with ThreadPoolExecutor(6) as pool:
            fresh = list(pool.map(lambda _: sign_in(server), range(6)))
        assert {kid_of(t["access"]) for t in fresh} == {kid_of(t["refresh"]) for t in fresh} == {new_kid}
        served = set(
            re.findall(r"^<(\d+)> POST /api/auth/mobile/sign-in 200$", server.log.read_text()[log_offset:], re.M)
        )
        if served == pids:
            break
    assert served == pids
    # And each worker logged that it took up the new keys.
    assert server.log.read_text().count("Loaded new JWT keys") >= len(pids)

    # Tokens of the old key keep working, and a refresh with one gets tokens of the new key.
    assert server.request("GET", "/api/hello", headers=bearer(before["access"])).status == 200
    refreshed = server.request("POST", "/api/auth/mobile/token-refresh", {"refresh": before["refresh"]})
    assert refreshed.status == 200
    assert {kid_of(token) for token in refreshed.json().values() if token} == {new_kid}


# --- the JWKS, read by PyJWT ---------------------------------------------------------------------------


@dataclass
class AlgorithmServer:
    server: Server
    algorithm: str
    env: dict[str, str]


@pytest.fixture(scope="module", params=ALGORITHMS)
def algorithm_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[AlgorithmServer]:
    algorithm: str = request.param
    workdir = tmp_path_factory.mktemp(f"jwks-{algorithm}")
    env = example_env(workdir, EXAMPLE_JWT_ALGORITHM=algorithm, EXAMPLE_KEY_RELOAD_SECONDS=str(RELOAD_SECONDS))
    made = demo_setup(sys.executable, workdir, env)
    assert {"RS256": "2048-bit RSA", "ES256": "P-256 (ES256)", "EdDSA": "Ed25519 (EdDSA)"}[algorithm] in made
    with gunicorn(sys.executable, workdir, env, workers=2) as server:
        yield AlgorithmServer(server, algorithm, env)
    assert_clean_log(server)


def jwks(server: Server) -> list[dict[str, str]]:
    """The JWKS, checked: cacheable, and each key with its public members only."""
    reply = server.request("GET", "/.well-known/jwks.json")
    assert reply.status == 200 and reply.headers["Content-Type"] == "application/json"
    assert re.search(r"(^|, *)max-age=[1-9]\d*(,|$)", reply.headers["Cache-Control"]), reply.headers["Cache-Control"]
    keys: list[dict[str, str]] = reply.json()["keys"]
    for key in keys:
        assert set(key) == COMMON_MEMBERS | PUBLIC_MEMBERS[key["kty"]], key
        assert key["use"] == "sig"
    return keys


def test_pyjwt_verifies_our_tokens_from_the_jwks_before_and_after_a_rotation(algorithm_server: AlgorithmServer) -> None:
    server, algorithm = algorithm_server.server, algorithm_server.algorithm
    before = sign_in(server)
    old_kid = kid_of(before["access"])
    assert jwt.get_unverified_header(before["access"])["alg"] == algorithm
    assert old_kid == thumbprint((server.workdir / "jwt-signing.pub").read_bytes(), algorithm)
    keys = jwks(server)
    assert [(k["kid"], k["kty"], k["alg"]) for k in keys] == [(old_kid, KEY_TYPES[algorithm], algorithm)]

    # A client nobody here wrote: it fetches the set, picks the key by kid and verifies. It fetches again
    # for a kid it does not know, at most every `cooldown_duration` (30 s by default; none here).
    client = jwt.PyJWKClient(server.url + "/.well-known/jwks.json", cooldown_duration=0)

    def verified(token: str) -> dict[str, Any]:
        key = client.get_signing_key_from_jwt(token)
        claims: dict[str, Any] = jwt.decode(token, key.key, algorithms=[algorithm])
        return claims

    assert verified(before["access"])["username"] == "demo"
    assert verified(before["refresh"])["token_type"] == "refresh"

    assert "Rotated to" in manage(server.workdir, algorithm_server.env, "make_jwt_key", "--rotate")
    new_kid = thumbprint((server.workdir / "jwt-signing.pub").read_bytes(), algorithm)
    time.sleep(RELOAD_SECONDS + 0.5)
    after = sign_in(server)
    assert kid_of(after["access"]) == new_kid != old_kid
    # The current key first, then the retired one, which still verifies the tokens it signed.
    assert [k["kid"] for k in jwks(server)] == [new_kid, old_kid]
    # The client has the old set cached; a kid it does not know makes it fetch the set again.
    assert verified(after["access"])["username"] == "demo"
    assert verified(before["access"])["username"] == "demo"
    for token in (before["access"], after["access"]):
        assert server.request("GET", "/api/hello", headers=bearer(token)).status == 200


def test_moving_to_another_algorithm_keeps_tokens_of_the_old_one(tmp_path: Path) -> None:
    # Keys made for RS256, then the project switches JWT_ALGORITHM to EdDSA and rotates.
    assert "2048-bit RSA" in demo_setup(sys.executable, tmp_path, example_env(tmp_path))
    env = example_env(tmp_path, EXAMPLE_JWT_ALGORITHM="EdDSA", EXAMPLE_KEY_RELOAD_SECONDS=str(RELOAD_SECONDS))
    with gunicorn(sys.executable, tmp_path, env, workers=2) as server:
        before = sign_in(server)
        assert jwt.get_unverified_header(before["access"])["alg"] == "RS256"
        assert "Rotated to an Ed25519 (EdDSA) key pair" in manage(tmp_path, env, "make_jwt_key", "--rotate")
        time.sleep(RELOAD_SECONDS + 0.5)
        after = sign_in(server)
        assert jwt.get_unverified_header(after["access"])["alg"] == "EdDSA"
        assert [(k["kid"], k["alg"]) for k in jwks(server)] == [
            (kid_of(after["access"]), "EdDSA"),
            (kid_of(before["access"]), "RS256"),
        ]
        client = jwt.PyJWKClient(server.url + "/.well-known/jwks.json")
        for token, algorithm in ((before["access"], "RS256"), (after["access"], "EdDSA")):
            key = client.get_signing_key_from_jwt(token)
            assert jwt.decode(token, key.key, algorithms=[algorithm])["username"] == "demo"
            assert server.request("GET", "/api/hello", headers=bearer(token)).status == 200
        refreshed = server.request("POST", "/api/auth/mobile/token-refresh", {"refresh": before["refresh"]})
        assert refreshed.status == 200 and kid_of(refreshed.json()["access"]) == kid_of(after["access"])
        # The server said, before the rotation, what to run.
        assert "JWT_ALGORITHM is EdDSA but the current key pair is RS256" in server.log.read_text()
    assert_clean_log(server)


# --- refusals ------------------------------------------------------------------------------------------


def forge(header: dict[str, Any], claims: dict[str, Any], sign: Callable[[bytes], bytes]) -> str:
    """A JWS with exactly this header (PyJWT would refuse to write some of them)."""
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}"
    return f"{signing_input}.{b64(sign(signing_input.encode()))}"


def signer(algorithm: str, private_pem: bytes) -> Callable[[bytes], bytes]:
    pyjwt_algorithm: Any = get_default_algorithms()[algorithm]
    key = pyjwt_algorithm.prepare_key(private_pem)
    return lambda message: bytes(pyjwt_algorithm.sign(message, key))


def other_private_key(algorithm: str) -> bytes:
    from ninja_simple_jwt._core import generate_key_pair

    return generate_key_pair({"PS256": "RS256"}.get(algorithm, algorithm))[0]


def public_jwk(algorithm: str, private_pem: bytes) -> dict[str, Any]:
    """The public JWK of `private_pem`, as PyJWT writes it."""
    pyjwt_algorithm: Any = get_default_algorithms()[algorithm]
    jwk: dict[str, Any] = pyjwt_algorithm.to_jwk(pyjwt_algorithm.prepare_key(private_pem).public_key(), as_dict=True)
    return jwk


def test_headers_that_name_no_usable_key_are_401(algorithm_server: AlgorithmServer) -> None:
    server, algorithm = algorithm_server.server, algorithm_server.algorithm
    private_pem = (server.workdir / "jwt-signing.pem").read_bytes()
    public_pem = (server.workdir / "jwt-signing.pub").read_bytes()
    kid = thumbprint(public_pem, algorithm)
    claims = jwt.decode(sign_in(server)["access"], options={"verify_signature": False})
    ours = signer(algorithm, private_pem)
    good = {"alg": algorithm, "typ": "JWT", "kid": kid}

    def status(token: str) -> int:
        reply = server.request("GET", "/api/hello", headers=bearer(token))
        assert reply.status != 401 or reply.json() == {"detail": "Unauthorized"}
        return reply.status

    # The forging itself is right: the same header and key make a token the server accepts.
    assert status(forge(good, claims, ours)) == 200
    refused = {
        "unknown kid": forge({**good, "kid": "no-such-key"}, claims, ours),
        "another key's thumbprint as kid": forge({**good, "kid": b64(hashlib.sha256(b"x").digest())}, claims, ours),
        "empty kid": forge({**good, "kid": ""}, claims, ours),
        "kid a number": forge({**good, "kid": 1}, claims, ours),
        "kid a list": forge({**good, "kid": [kid]}, claims, ours),
        "kid null": forge({**good, "kid": None}, claims, ours),
        "jwk header": forge({**good, "jwk": {"kty": "oct", "k": "c2VjcmV0"}}, claims, ours),
        "alg none": forge({**good, "alg": "none"}, claims, lambda _: b""),
        "alg HS256, the public key as secret": forge(
            {**good, "alg": "HS256"}, claims, lambda m: hmac.new(public_pem, m, hashlib.sha256).digest()
        ),
    }
    for other in ["RS256", "PS256", "ES256", "EdDSA"]:
        if other != algorithm:
            # Our key's kid, another algorithm; PS256 with our own RSA key, when it is one.
            key = private_pem if (algorithm, other) == ("RS256", "PS256") else other_private_key(other)
            refused[f"alg {other}"] = forge({**good, "alg": other}, claims, signer(other, key))
    # An attacker's key, offered in the header with no kid: never trusted.
    attacker = other_private_key(algorithm)
    attacker_jwk = public_jwk(algorithm, attacker)
    refused["attacker's jwk, no kid"] = forge(
        {"alg": algorithm, "typ": "JWT", "jwk": attacker_jwk}, claims, signer(algorithm, attacker)
    )
    statuses = {name: status(token) for name, token in refused.items()}
    assert statuses == dict.fromkeys(refused, 401)

    # Headers that point at keys elsewhere are refused without fetching anything.
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.setblocking(False)
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/keys"
        for name in ("jku", "x5u"):
            assert status(forge({**good, name: url}, claims, ours)) == 401, name
        with pytest.raises(BlockingIOError):
            listener.accept()
    assert status(forge(good, claims, ours)) == 200


def test_a_key_pair_that_does_not_match_is_refused_clearly(tmp_path: Path) -> None:
    env = example_env(tmp_path)
    demo_setup(sys.executable, tmp_path, env)
    (tmp_path / "other").mkdir()
    manage(tmp_path / "other", env, "make_jwt_key")
    shutil.copy(tmp_path / "other" / "jwt-signing.pub", tmp_path / "jwt-signing.pub")
    private_pem = (tmp_path / "jwt-signing.pem").read_bytes()

    with gunicorn(sys.executable, tmp_path, env, workers=2) as server:
        # Not 200 with tokens nobody accepts, not a 500: the server says it cannot sign now.
        for path in ("/api/auth/mobile/sign-in", "/api/auth/web/sign-in"):
            reply = server.request("POST", path, USER)
            assert reply.status == 503, reply.body
            assert set(reply.json()) == {"detail"} and "Set-Cookie" not in reply.headers
        assert server.request("GET", "/.well-known/jwks.json").status == 503
        claims = {"user_id": 1, "username": "demo", "jti": "0" * 32, "exp": int(time.time()) + 60}
        token = jwt.encode({**claims, "iat": int(time.time()), "token_type": "access"}, private_pem, "RS256")
        assert server.request("GET", "/api/hello", headers=bearer(token)).status == 503

        log = server.log.read_text()
        # The absolute paths: a server started in another directory than the keys' would say so.
        for name in ("jwt-signing.pem", "jwt-signing.pub"):
            assert repr(str(tmp_path / name)) in log, log
        assert "make_jwt_key --force" in log, log
        assert_clean_log(server)

        # Doing what the log says mends it, without a restart: once the second has passed for which a
        # worker that found no usable keys keeps that answer (it reads the storage at most once a second;
        # `manage` may take less than that since the last refused request).
        manage(tmp_path, env, "make_jwt_key", "--force")
        deadline = time.monotonic() + 5
        while (status := server.request("POST", "/api/auth/mobile/sign-in", USER).status) == 503:
            assert time.monotonic() < deadline, "still 503 five seconds after the keys were mended"
            time.sleep(0.1)
        assert status == 200
    assert_clean_log(server)
