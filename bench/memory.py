"""Resident memory over a million verifications and 100k signatures in one process, as JSON.

Runs in a directory holding jwt-signing.pem and jwt-signing.pub. Memory is read after a warm-up, then
every tenth of each run; "growth" is the last reading minus the one after warm-up.
"""

import json
import sys
from collections.abc import Callable

from micro import PAYLOAD, setup_django

VERIFICATIONS = 1_000_000
SIGNATURES = 100_000
SAMPLES = 10


def rss_kib() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS in /proc/self/status")


def track(fn: Callable[[], object], calls: int) -> dict[str, int]:
    for _ in range(calls // 100):  # warm-up: caches, allocator pools, the key's blinding values
        fn()
    readings = [rss_kib()]
    for _ in range(SAMPLES):
        for _ in range(calls // SAMPLES):
            fn()
        readings.append(rss_kib())
    return {
        "calls": calls,
        "after_warmup_kib": readings[0],
        "max_kib": max(readings),
        "last_kib": readings[-1],
        "growth_kib": readings[-1] - readings[0],
    }


def main() -> dict[str, dict[str, int]]:
    setup_django(JWT_REMEMBERED_TOKENS=0)  # every verification does the RSA work
    from ninja_simple_jwt.jwt.token_operations import TokenTypes, decode_token, encode_token

    token, _ = encode_token(PAYLOAD, TokenTypes.ACCESS)
    return {
        "verify": track(lambda: decode_token(token, TokenTypes.ACCESS), VERIFICATIONS),
        "sign": track(lambda: encode_token(PAYLOAD, TokenTypes.ACCESS), SIGNATURES),
    }


if __name__ == "__main__":
    sys.stdout.write(json.dumps(main()) + "\n")
