"""Per-token timings in one process, printed as one JSON object.

    python bench/micro.py api         encode_token / decode_token of whichever ninja_simple_jwt is installed
    python bench/micro.py compare     the same, and PyJWT with key objects parsed once, in alternate rounds
    python bench/micro.py threads     signing throughput of 1 and 2 threads (is the GIL released?)
    python bench/micro.py algorithms  ES256 and EdDSA sign / verify, and verifying with 3 keys against 1

Runs in a directory holding jwt-signing.pem and jwt-signing.pub (the default key paths); `algorithms`
makes its own keys with `make_jwt_key`, in subdirectories. Each figure is the median of several rounds,
a round being enough calls to take about a fifth of a second of CPU. Times are the process's CPU time,
as `openssl speed` counts by default, so that other work on a shared machine neither counts nor skews
the ratios to OpenSSL. Rounds of the things compared alternate, so that a slow patch of the machine
(caches, frequency) hits both alike.
"""

import io
import json
import shutil
import statistics
import sys
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

ROUNDS = 9
ROUND_SECONDS = 0.2
PAYLOAD = {"user_id": 1, "username": "bench-user"}


def setup_django(**jwt_settings: Any) -> None:
    import django
    from django.conf import settings

    settings.configure(
        INSTALLED_APPS=["django.contrib.auth", "django.contrib.contenttypes", "ninja_simple_jwt"],
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
        USE_TZ=True,
        NINJA_SIMPLE_JWT=jwt_settings,
    )
    django.setup()


def per_call_us(fns: dict[str, Callable[[], Any]], round_count: int = ROUNDS) -> dict[str, float]:
    """CPU microseconds per call of each function: the median over `round_count` rounds, the functions'
    rounds alternating."""
    rounds = rounds_us(fns, round_count, ROUND_SECONDS)
    return {name: statistics.median(times) for name, times in rounds.items()}


def rounds_us(fns: dict[str, Callable[[], Any]], round_count: int, round_seconds: float) -> dict[str, list[float]]:
    """CPU microseconds per call of each function in each of `round_count` rounds of about `round_seconds`
    each; in each round every function runs once, in turn, the order reversed every other round (so
    that neither is always first after the other)."""
    clock = time.process_time
    calls = {}
    for name, fn in fns.items():
        start = clock()
        fn()
        calls[name] = max(1, int(round_seconds / max(clock() - start, 1e-7)))
        for _ in range(min(calls[name], 100)):  # warm-up
            fn()
    rounds: dict[str, list[float]] = {name: [] for name in fns}
    names = list(fns)
    for i in range(round_count):
        for name in names if i % 2 == 0 else reversed(names):
            fn = fns[name]
            start = clock()
            for _ in range(calls[name]):
                fn()
            rounds[name].append((clock() - start) / calls[name] * 1e6)
    return rounds


def api_functions() -> dict[str, Callable[[], Any]]:
    """Signing and verifying one token again and again, through ninja_simple_jwt's public API."""
    from ninja_simple_jwt.jwt.token_operations import TokenTypes, decode_token, encode_token

    token, _ = encode_token(PAYLOAD, TokenTypes.ACCESS)
    return {
        "sign_us": lambda: encode_token(PAYLOAD, TokenTypes.ACCESS),
        "verify_us": lambda: decode_token(token, TokenTypes.ACCESS),
    }


def pyjwt_functions() -> dict[str, Callable[[], Any]]:
    """The same claims with PyJWT and key objects parsed once: the best plain-Python RS256."""
    import jwt
    from cryptography.hazmat.primitives.serialization import load_pem_private_key, load_pem_public_key

    with open("jwt-signing.pem", "rb") as f:
        private_key = load_pem_private_key(f.read(), password=None)
    with open("jwt-signing.pub", "rb") as f:
        public_key = load_pem_public_key(f.read())

    def sign() -> str:
        now = int(time.time())
        claims = {**PAYLOAD, "jti": uuid.uuid4().hex, "exp": now + 300, "iat": now, "token_type": "access"}
        return jwt.encode(claims, private_key, algorithm="RS256")  # type: ignore[arg-type]

    token = sign()
    return {
        "pyjwt_sign_us": sign,
        "pyjwt_verify_us": lambda: jwt.decode(token, public_key, algorithms=["RS256"], leeway=10),  # type: ignore[arg-type]
    }


def bench_api() -> dict[str, float]:
    setup_django()
    return per_call_us(api_functions())


def bench_compare() -> dict[str, float]:
    """This package against PyJWT: with no token remembered, so that every verification does the RSA
    work; then verifying a token the key remembers, as a client's next requests do."""
    from django.test import override_settings

    setup_django(JWT_REMEMBERED_TOKENS=0)
    ours = api_functions()
    pyjwt = pyjwt_functions()
    figures = per_call_us(
        {
            "sign_us": ours["sign_us"],
            "pyjwt_sign_us": pyjwt["pyjwt_sign_us"],
            "verify_us": ours["verify_us"],
            "pyjwt_verify_us": pyjwt["pyjwt_verify_us"],
        }
    )
    with override_settings(NINJA_SIMPLE_JWT={}):
        figures["verify_remembered_us"] = per_call_us({"verify": api_functions()["verify_us"]})["verify"]
    return figures


def signs_per_second(threads: int, seconds: float) -> float:
    from ninja_simple_jwt.jwt.token_operations import TokenTypes, encode_token

    counts = [0] * threads
    stop = threading.Event()

    def work(i: int) -> None:
        while not stop.is_set():
            encode_token(PAYLOAD, TokenTypes.ACCESS)
            counts[i] += 1

    workers = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    start = time.perf_counter()
    for w in workers:
        w.start()
    time.sleep(seconds)
    stop.set()
    for w in workers:
        w.join()
    return sum(counts) / (time.perf_counter() - start)


def bench_threads() -> dict[str, float]:
    setup_django()
    signs_per_second(1, 0.5)  # warm-up: keys parsed, code paths hot
    one = statistics.median(signs_per_second(1, 2.0) for _ in range(3))
    two = statistics.median(signs_per_second(2, 2.0) for _ in range(3))
    return {"one_thread_per_s": one, "two_threads_per_s": two, "scaling": two / one}


def key_settings(algorithm: str, directory: str) -> dict[str, Any]:
    """Settings for keys of `algorithm` kept in `directory`, emptied first, with no token remembered."""
    shutil.rmtree(directory, ignore_errors=True)
    return {
        "JWT_ALGORITHM": algorithm,
        "JWT_REMEMBERED_TOKENS": 0,
        "JWT_PRIVATE_KEY_PATH": f"{directory}/jwt-signing.pem",
        "JWT_PUBLIC_KEY_PATH": f"{directory}/jwt-signing.pub",
        "JWT_PREVIOUS_PUBLIC_KEYS_PATH": f"{directory}/jwt-signing.previous.pub",
    }


def bench_algorithms() -> dict[str, float]:
    """ES256 and EdDSA through the public API, keys made by `make_jwt_key`, every verification doing the
    signature work; then RS256 verification with a key set of three keys (two retired by `--rotate`)
    against a set of the current key alone, the token signed by the current key. The two sets are timed
    in the core's decode_token, the call the public decode_token makes, so that their rounds alternate."""
    setup_django(JWT_REMEMBERED_TOKENS=0)
    from django.core.management import call_command
    from django.test import override_settings

    from ninja_simple_jwt import _core
    from ninja_simple_jwt.jwt.key_retrieval import key_ring
    from ninja_simple_jwt.jwt.token_operations import TokenTypes, encode_token

    figures = {}
    for algorithm in ("ES256", "EdDSA"):
        with override_settings(NINJA_SIMPLE_JWT=key_settings(algorithm, algorithm)):
            call_command("make_jwt_key", "--force", stdout=io.StringIO())
            times = per_call_us(api_functions())
        figures[f"{algorithm}_sign_us"] = times["sign_us"]
        figures[f"{algorithm}_verify_us"] = times["verify_us"]

    with override_settings(NINJA_SIMPLE_JWT=key_settings("RS256", "rotated")):
        call_command("make_jwt_key", "--force", stdout=io.StringIO())
        for _ in range(2):
            call_command("make_jwt_key", "--rotate", stdout=io.StringIO())
        three = key_ring.key_set()
        with open("rotated/jwt-signing.pub", "rb") as f:
            one = _core.KeySet([_core.VerifyingKey(f.read())], None, 0)
        token, _ = encode_token(PAYLOAD, TokenTypes.ACCESS)
    if len(three.kids) != 3 or three.kids[0] != one.kids[0] or three.remembered:
        raise RuntimeError(f"expected a set of 3 keys, the current one first: {three!r}")
    now = time.time()
    sets = per_call_us(
        {
            "verify_1_key_us": lambda: _core.decode_token(one, token, "access", now, 10.0),
            "verify_3_keys_us": lambda: _core.decode_token(three, token, "access", now, 10.0),
        },
        round_count=2 * ROUNDS + 1,  # the difference sought is a few percent of the time measured
    )
    return {**figures, **sets}


if __name__ == "__main__":
    benches = {"api": bench_api, "compare": bench_compare, "threads": bench_threads, "algorithms": bench_algorithms}
    print(json.dumps(benches[sys.argv[1]]()))
