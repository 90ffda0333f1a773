"""Where a signature's and a verification's time goes, per algorithm, printed as one JSON object.

    python bench/breakdown.py        (from a scratch directory: keys are made there)

The public call (`encode_token` / `decode_token`, no token remembered), the core's call alone (what the
Python wrapper adds is the difference), the core's `decode_unverified` (base64, the checked claims read and
the payload parsed into a dict, no signature), and the wrapper's parts: Django's clock, the key ring's
reload check and the settings lookups (`clock_us` is the wrapper's clock, `timezone_now_us` what Django's
`timezone.now().timestamp()` costs). The signature itself is the core's call less the rest; compare it
with `openssl speed`.
"""

import io
import itertools
import json
from typing import Any

from micro import PAYLOAD, key_settings, per_call_us, setup_django


def timings() -> dict[str, float]:
    """The figures for the key set in use (keys of one algorithm)."""
    from django.utils import timezone

    from ninja_simple_jwt import _core
    from ninja_simple_jwt.jwt import token_operations
    from ninja_simple_jwt.jwt.key_retrieval import key_ring
    from ninja_simple_jwt.jwt.token_operations import TokenTypes, decode_token, encode_token
    from ninja_simple_jwt.settings import ninja_simple_jwt_settings as s

    access = TokenTypes.ACCESS
    key_set = key_ring.signing_set()
    tokens = [encode_token(PAYLOAD, access)[0] for _ in range(500)]
    a, b, c = itertools.cycle(tokens), itertools.cycle(tokens), itertools.cycle(tokens)
    default = json.JSONEncoder().default
    now = timezone.now().timestamp()
    return per_call_us(
        {
            "sign_us": lambda: encode_token(PAYLOAD, access),
            "core_sign_us": lambda: _core.encode_token(key_set, PAYLOAD, access, now, 300.0, default),
            "verify_us": lambda: decode_token(next(a), access),
            "core_verify_us": lambda: _core.decode_token(key_set, next(b), access, now, 10.0),
            "core_unverified_us": lambda: _core.decode_unverified(next(c)),
            "clock_us": token_operations._now,
            "timezone_now_us": lambda: timezone.now().timestamp(),
            "key_ring_us": key_ring.key_set,
            "settings_us": lambda: s.JWT_LEEWAY.total_seconds(),
        },
        round_count=5,
    )


def main() -> dict[str, Any]:
    setup_django(JWT_REMEMBERED_TOKENS=0)
    from django.core.management import call_command
    from django.test import override_settings

    figures: dict[str, Any] = {}
    for algorithm in ("RS256", "ES256", "EdDSA"):
        with override_settings(NINJA_SIMPLE_JWT=key_settings(algorithm, algorithm)):
            call_command("make_jwt_key", "--force", stdout=io.StringIO())
            figures[algorithm] = timings()
    return figures


if __name__ == "__main__":
    print(json.dumps(main()))
