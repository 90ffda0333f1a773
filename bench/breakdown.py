"""Where a signature's and a verification's time goes, per algorithm, printed as one JSON object.

    python bench/breakdown.py        (from a scratch directory: keys are made there)

The public call (`encode_token` / `decode_token`, no token remembered, answered in the core by
`TokenApi`), the core's call alone (what reading the clock, the settings and the key ring adds is the
difference), the Python functions the public call hands other cases to (`_encode_token` / `_decode_token`:
the public call as it was before `TokenApi`), the core's `decode_unverified` (base64, the payload parsed
into a dict, no signature), and Django's clock (`clock_us`, `time.time()`, what the public call reads;
`timezone_now_us`, what `timezone.now().timestamp()` would cost). The signature itself is the core's
call less the rest; compare it with `openssl speed` and with `cargo run --release --no-default-features
--example primitives` (the signature work alone, in Rust). Medians of 41 short rounds, run in turn.

Then, for one remembered token (no signature work), the public call and the core's call
(`remembered_us`, `core_remembered_us`): their difference is what the public call reads (the clocks, the
key ring, the settings) with warm caches; `after_verify_us` and `core_after_verify_us` make the same two
calls each after verifying another token, as a server's requests come between other work: the same
reads from colder caches.
"""

import io
import itertools
import json
import statistics
from collections.abc import Iterator
from typing import Any

from micro import PAYLOAD, key_settings, rounds_us, setup_django


def timings(jwt_settings: dict[str, Any]) -> dict[str, float]:
    """The figures for the key set in use (keys of one algorithm)."""
    from django.utils import timezone

    from ninja_simple_jwt import _core
    from ninja_simple_jwt.jwt import token_operations
    from ninja_simple_jwt.jwt.key_retrieval import key_ring
    from ninja_simple_jwt.jwt.token_operations import TokenTypes, decode_token, encode_token

    access = TokenTypes.ACCESS
    key_set = key_ring.signing_set()
    tokens = [encode_token(PAYLOAD, access)[0] for _ in range(500)]
    a, b, c, d = (itertools.cycle(tokens) for _ in range(4))
    default = json.JSONEncoder().default
    now = timezone.now().timestamp()
    rounds = rounds_us(
        {
            "sign_us": lambda: encode_token(PAYLOAD, access),
            "core_sign_us": lambda: _core.encode_token(key_set, PAYLOAD, access, now, 300.0, default),
            "python_sign_us": lambda: token_operations._encode_token(PAYLOAD, access),
            "verify_us": lambda: decode_token(next(a), access),
            "core_verify_us": lambda: _core.decode_token(key_set, next(b), access, now, 10.0),
            "python_verify_us": lambda: token_operations._decode_token(next(d), access),
            "core_unverified_us": lambda: _core.decode_unverified(next(c)),
            "clock_us": token_operations._now,
            "timezone_now_us": lambda: timezone.now().timestamp(),
        },
        41,
        0.03,
    )
    figures = {name: statistics.median(times) for name, times in rounds.items()}
    return figures | remembered(itertools.cycle(tokens), key_set, jwt_settings)


def remembered(others: Iterator[str], plain_set: Any, jwt_settings: dict[str, Any]) -> dict[str, float]:
    """The public call and the core's for a remembered token, alone and each after verifying one of
    `others` with `plain_set` (which remembers none); `jwt_settings` are the settings in force."""
    from django.test import override_settings

    from ninja_simple_jwt import _core
    from ninja_simple_jwt.jwt.key_retrieval import key_ring
    from ninja_simple_jwt.jwt.token_operations import TokenTypes, decode_token, encode_token

    access = TokenTypes.ACCESS
    with override_settings(NINJA_SIMPLE_JWT={**jwt_settings, "JWT_REMEMBERED_TOKENS": 10}):
        key_set = key_ring.signing_set()
        token = encode_token(PAYLOAD, access)[0]
        decode_token(token, access)  # remembered from now on
        now = timezone_now()
        rounds = rounds_us(
            {
                "remembered_us": lambda: decode_token(token, access),
                "core_remembered_us": lambda: _core.decode_token(key_set, token, access, now, 10.0),
                "after_verify_us": lambda: (
                    _core.decode_token(plain_set, next(others), access, now, 10.0),
                    decode_token(token, access),
                ),
                "core_after_verify_us": lambda: (
                    _core.decode_token(plain_set, next(others), access, now, 10.0),
                    _core.decode_token(key_set, token, access, now, 10.0),
                ),
            },
            41,
            0.03,
        )
    return {name: statistics.median(times) for name, times in rounds.items()}


def timezone_now() -> float:
    from django.utils import timezone

    return timezone.now().timestamp()


def main() -> dict[str, Any]:
    setup_django(JWT_REMEMBERED_TOKENS=0)
    from django.core.management import call_command
    from django.test import override_settings

    figures: dict[str, Any] = {}
    for algorithm in ("RS256", "ES256", "EdDSA"):
        jwt_settings = key_settings(algorithm, algorithm)
        with override_settings(NINJA_SIMPLE_JWT=jwt_settings):
            call_command("make_jwt_key", "--force", stdout=io.StringIO())
            figures[algorithm] = timings(jwt_settings)
    return figures


if __name__ == "__main__":
    print(json.dumps(main()))
