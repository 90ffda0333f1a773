"""This package against the Rust-backed JWT libraries on the package index, per token, printed as one JSON
object: microseconds per signature and per verification, for RS256, ES256 and EdDSA.

    PYTHONPATH=python .venv-peers/bin/python bench/peers.py

Run from a scratch directory (keys are made there, one subdirectory per algorithm) with an interpreter
whose environment has ryjwt, oxyjwt, pyjwt-rs, Django and django-ninja (bench/requirements-peers.txt) and
this package on its path. All of them on one Python (3.13: ryjwt needs 3.12+), in one process.

How each is used, as a new user would:
- this package through its public API, `encode_token` / `decode_token`, with the remembered-token memory
  off (JWT_REMEMBERED_TOKENS = 0), so that every verification does the signature work;
- the peers with their keys parsed once (ryjwt's PrivateKey, oxyjwt's EncodingKey/DecodingKey; pyjwt-rs
  keeps the keys it parsed from PEM bytes), the algorithm pinned and a leeway of 10 s. A peer's claims
  get a random `jti`, `exp`, `iat` and `token_type` in Python, which this package adds in its core.
Every verification is of another token: a few hundred made up front, used in turn.

Each operation runs in many short rounds, this package's and each peer's in turn, and the figures are
medians: of the time per token, and of each round's ratio of this package's time to a peer's (`ratios`).
On a shared machine whose speed drifts from one second to the next, the ratios of rounds run side by side
are steadier than the ratio of two medians. `make bench` (bench/run.py) runs this script in several
processes with `--rounds` and pools their rounds (`summarize`): where two libraries run the same
arithmetic (RS256 signing: aws-lc's, in both this package and ryjwt), one process's median ratio
differs from the next's by a few tenths of a percent, more than the difference being measured.
"""

import io
import itertools
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

from micro import PAYLOAD, key_settings, rounds_us, setup_django

ALGORITHMS = ("RS256", "ES256", "EdDSA")
TOKENS = 500
LEEWAY = 10
ROUNDS = 41
ROUND_SECONDS = 0.03


def claims() -> dict[str, Any]:
    now = int(time.time())
    return {**PAYLOAD, "jti": os.urandom(16).hex(), "exp": now + 300, "iat": now, "token_type": "access"}


def in_turn(sign: Callable[[], str], verify: Callable[[str], Any]) -> Callable[[], Any]:
    tokens = itertools.cycle([sign() for _ in range(TOKENS)])
    return lambda: verify(next(tokens))


def ryjwt_functions(algorithm: str, private: bytes, public: bytes) -> dict[str, Callable[[], Any]]:
    import ryjwt  # type: ignore[import-not-found]  # in .venv-peers only

    signer = ryjwt.PrivateKey(private, algorithms=[algorithm])
    verifier = ryjwt.PublicKey(public, algorithms=[algorithm])

    def sign() -> str:
        return str(signer.encode(claims()))

    return {"sign": sign, "verify": in_turn(sign, lambda t: verifier.decode(t, leeway=LEEWAY))}


def oxyjwt_functions(algorithm: str, private: bytes, public: bytes) -> dict[str, Callable[[], Any]]:
    import oxyjwt  # type: ignore[import-not-found]  # in .venv-peers only

    kind = {"RS256": "rsa", "ES256": "ec", "EdDSA": "ed"}[algorithm]
    signer = getattr(oxyjwt.EncodingKey, f"from_{kind}_pem")(private)
    verifier = getattr(oxyjwt.DecodingKey, f"from_{kind}_pem")(public)

    def sign() -> str:
        return str(oxyjwt.encode(claims(), signer, algorithm=algorithm))

    def verify(token: str) -> Any:
        return oxyjwt.decode(token, verifier, algorithms=[algorithm], leeway=LEEWAY)

    return {"sign": sign, "verify": in_turn(sign, verify)}


def pyjwt_rs_functions(algorithm: str, private: bytes, public: bytes) -> dict[str, Callable[[], Any]]:
    import jwt_rs  # type: ignore[import-not-found]  # in .venv-peers only

    def sign() -> str:
        return str(jwt_rs.encode(claims(), private, algorithm=algorithm))

    def verify(token: str) -> Any:
        return jwt_rs.decode(token, public, algorithms=[algorithm], leeway=LEEWAY)

    sign(), verify(sign())  # its key handles are parsed on first use and kept
    return {"sign": sign, "verify": in_turn(sign, verify)}


def ours_functions() -> dict[str, Callable[[], Any]]:
    from ninja_simple_jwt.jwt.token_operations import TokenTypes, decode_token, encode_token

    def sign() -> str:
        return encode_token(PAYLOAD, TokenTypes.ACCESS)[0]

    return {"sign": sign, "verify": in_turn(sign, lambda t: decode_token(t, TokenTypes.ACCESS))}


PEERS = {"ryjwt": ryjwt_functions, "oxyjwt": oxyjwt_functions, "pyjwt-rs": pyjwt_rs_functions}


def measure() -> dict[str, Any]:
    """Each operation's rounds in this process: microseconds per token, this package's and each peer's."""
    setup_django(JWT_REMEMBERED_TOKENS=0)
    from django.core.management import call_command
    from django.test import override_settings

    measured: dict[str, Any] = {"python": sys.version.split()[0]}
    for algorithm in ALGORITHMS:
        with override_settings(NINJA_SIMPLE_JWT=key_settings(algorithm, algorithm)):
            call_command("make_jwt_key", "--force", stdout=io.StringIO())
            with open(f"{algorithm}/jwt-signing.pem", "rb") as f:
                private = f.read()
            with open(f"{algorithm}/jwt-signing.pub", "rb") as f:
                public = f.read()
            fns = {"ours": ours_functions()}
            fns.update({name: make(algorithm, private, public) for name, make in PEERS.items()})
            measured[algorithm] = {
                what: rounds_us({name: f[what] for name, f in fns.items()}, ROUNDS, ROUND_SECONDS)
                for what in ("sign", "verify")
            }
    return measured


def summarize(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The figures of one or more processes' rounds (`measure`), pooled: the median time per token, and
    the median of the rounds' ratios of this package's time to each peer's (`{sign,verify}_ratios`);
    `..._by_process` gives each process's own median ratios, to show how far processes differ (each
    makes its own keys and lays out its memory its own way)."""
    figures: dict[str, Any] = {"python": runs[0]["python"], "processes": len(runs)}
    for algorithm in ALGORITHMS:
        figures[algorithm] = {name: {} for name in ["ours", *PEERS]}
        for what in ("sign", "verify"):
            for name in figures[algorithm]:
                times = [t for run in runs for t in run[algorithm][what][name]]
                figures[algorithm][name][f"{what}_us"] = statistics.median(times)
            ours = figures[algorithm]["ours"]
            ours[f"{what}_ratios"], ours[f"{what}_ratios_by_process"] = {}, {}
            for peer in PEERS:
                per_run = [
                    [o / p for o, p in zip(run[algorithm][what]["ours"], run[algorithm][what][peer], strict=True)]
                    for run in runs
                ]
                ours[f"{what}_ratios"][peer] = statistics.median(r for ratios in per_run for r in ratios)
                ours[f"{what}_ratios_by_process"][peer] = [statistics.median(ratios) for ratios in per_run]
    return figures


if __name__ == "__main__":
    if sys.argv[1:] == ["--rounds"]:
        print(json.dumps(measure()))  # for bench/run.py, which pools several processes' rounds
    else:
        print(json.dumps(summarize([measure()])))
