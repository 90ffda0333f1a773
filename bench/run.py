"""`make bench`: this package against the original, PyJWT, the Rust-backed peers and OpenSSL, in one run;
prints one table.

    python bench/run.py --original PYTHON --peers PYTHON [--workdir DIR] [--seconds N] [--rounds N]

--original is an interpreter whose environment has the original django-ninja-simple-jwt; --peers one (3.13)
whose environment has ryjwt, oxyjwt and pyjwt-rs (bench/requirements-peers.txt), where this package runs
from python/ (its abi3 extension serves any Python from 3.10). This script's own interpreter must have
this package. Both serve the same example project, in the same directory, with
the same keys, database and user, made by the example's `demo_setup`. Exits 1 if a target is missed.
"""

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
BENCH = REPO / "bench"
sys.path[:0] = [str(REPO), str(BENCH)]

import interleave  # noqa: E402
from peers import summarize as summarize_peers  # noqa: E402

from tests import services  # noqa: E402
from tests.servers import USER, demo_setup, example_env, gunicorn, uvicorn  # noqa: E402


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def run_json(
    python: str, script: str, mode: str | None, workdir: Path, env: dict[str, str] | None = None
) -> dict[str, Any]:
    args = [os.path.abspath(python), str(BENCH / script)] + ([mode] if mode else [])
    out = subprocess.run(args, cwd=workdir, capture_output=True, text=True, check=True, env=env).stdout
    figures: dict[str, Any] = json.loads(out)
    return figures


# The machine-readable summary of `openssl speed -mr`, up to the signatures and verifications per second:
# +F2:<index>:<bits>:... for RSA, +F4:<index>:<bits>:... for ECDSA, +F6:<index>:<bits>:<name>:... for EdDSA.
OPENSSL_SUMMARY = {"rsa2048": r"\+F2:\d+:2048", "ecdsap256": r"\+F4:\d+:256", "ed25519": r"\+F6:\d+:253:Ed25519"}


def openssl_speed(seconds: int, algorithm: str = "rsa2048") -> dict[str, float]:
    """`openssl speed ALGORITHM`: microseconds per private-key signature and per verification."""
    out = subprocess.run(
        ["openssl", "speed", "-mr", "-seconds", str(seconds), algorithm], capture_output=True, text=True, check=True
    ).stdout
    match = re.search(rf"^{OPENSSL_SUMMARY[algorithm]}:([\d.]+):([\d.]+)", out, re.MULTILINE)
    if not match:
        raise RuntimeError(f"unexpected output of openssl speed:\n{out}")
    return {"sign_us": 1e6 / float(match[1]), "verify_us": 1e6 / float(match[2])}


# --- servers and wrk ---------------------------------------------------------------------------------


@dataclass
class Load:
    requests_per_s: float
    bad: int  # non-2xx responses, socket errors and timeouts


def wrk(
    url: str,
    seconds: int,
    headers: dict[str, str] | None = None,
    post: str | None = None,
    rotate: list[str] | None = None,
) -> Load:
    """One wrk run: 1 thread, 4 connections (2 sync workers, each with a request queued behind it).

    With `rotate` (refresh tokens, one a connection): rotating token-refresh, one thread a connection,
    each sending the refresh token its last answer gave it (rotate.lua).
    """
    threads = len(rotate) if rotate else 1
    args = ["wrk", "--threads", str(threads), "--connections", str(threads if rotate else 4)]
    args += ["--duration", f"{seconds}s", "--timeout", "10s"]
    for key, value in (headers or {}).items():
        args += ["--header", f"{key}: {value}"]
    if post is not None:
        args += ["--script", str(BENCH / "post.lua")]
    if rotate:
        args += ["--script", str(BENCH / "rotate.lua")]
    env = {**os.environ, "WRK_BODY": post or "", "WRK_TOKENS": ",".join(rotate or [])}
    out = subprocess.run([*args, url], capture_output=True, text=True, check=True, env=env).stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if not rate:
        raise RuntimeError(f"unexpected output of wrk:\n{out}")
    bad = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", out))
    bad += sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    return Load(float(rate[1]), bad)


def bench_http(pythons: dict[str, str], workdir: Path, seconds: int, rounds: int) -> dict[str, dict[str, Any]]:
    """Requests per second on three routes of the example project, per implementation (median of rounds)."""
    results: dict[str, dict[str, list[Load]]] = {name: {} for name in pythons}
    with ExitStack() as stack:
        # Stateless, as the original (which has no sessions app).
        env = example_env(workdir, EXAMPLE_SESSIONS="0")
        servers = {
            name: stack.enter_context(gunicorn(python, workdir, env, name=name)) for name, python in pythons.items()
        }
        plans = {}
        for name, server in servers.items():
            url = server.url
            tokens = server.request("POST", "/api/auth/mobile/sign-in", USER).json()
            plans[name] = {
                "open": (url + "/api/public-hello", {}, None),
                "protected": (url + "/api/hello", {"Authorization": f"Bearer {tokens['access']}"}, None),
                "refresh": (url + "/api/auth/mobile/token-refresh", {}, json.dumps({"refresh": tokens["refresh"]})),
            }
        for plan in plans.values():  # warm-up: imports, keys read, database connections, in both workers
            for target, headers, body in plan.values():
                wrk(target, 1, headers, body)
        for i in range(rounds):
            for route in ("open", "protected", "refresh"):
                for name, plan in plans.items():  # alternate, so that a slow patch of the machine hits both
                    log(f"wrk round {i + 1}/{rounds}: {route}, {name}")
                    target, headers, body = plan[route]
                    results[name].setdefault(route, []).append(wrk(target, seconds, headers, body))
    return {
        name: {
            **{route: statistics.median(load.requests_per_s for load in loads) for route, loads in routes.items()},
            "bad": sum(load.bad for loads in routes.values() for load in loads),
        }
        for name, routes in results.items()
    }


def bench_async(workdir: Path, seconds: int, rounds: int) -> dict[str, dict[str, float]]:
    """This package under uvicorn (one worker, stateless tokens): the open `async def` route and the same
    route behind `HttpJwtAuth`, side by side in bursts in turn (bench/interleave.py); and, to show how far
    the measure itself spreads, the open route against itself.

    Under ASGI, Django runs the example's middleware hooks through a thread (ten hops a request, the same
    on both routes), so the rate of a wrk run follows the machine's load: two runs of the open route one
    after the other differed by up to a tenth.
    """
    with uvicorn(sys.executable, workdir, example_env(workdir, EXAMPLE_SESSIONS="0")) as server:
        access = server.request("POST", "/api/auth/mobile/sign-in", USER).json()["access"]
        open_route: interleave.Route = ("/api/async-public-hello", [])
        protected: interleave.Route = ("/api/async-hello", [f"Authorization: Bearer {access}"])
        log(f"async routes under uvicorn: the open route and the protected one in turn, {rounds} rounds")
        routes = interleave.compare(server.url, seconds, rounds, open_route, protected)
        log(f"async routes under uvicorn: the open route against itself, {rounds} rounds")
        itself = interleave.compare(server.url, seconds, rounds, open_route, open_route)
    return {"routes": routes, "itself": itself}


def bench_sessions(workdir: Path, seconds: int, rounds: int) -> dict[str, Any]:
    """This package with the sessions app, on PostgreSQL and Redis: the open route, the protected route
    with access revocation checked on Redis, and rotating mobile token-refresh (medians of rounds); and
    where a rotating refresh's time goes (bench/rotation.py, in one process)."""
    results: dict[str, list[Load]] = {}
    with services.example_on_postgres_and_redis(workdir) as env:
        with gunicorn(sys.executable, workdir, env, name="sessions") as server:
            url = server.url
            access = server.request("POST", "/api/auth/mobile/sign-in", USER).json()["access"]

            def refresh_tokens() -> list[str]:
                # A session of its own for each connection; every round starts new ones.
                return [server.request("POST", "/api/auth/mobile/sign-in", USER).json()["refresh"] for _ in range(4)]

            plan: dict[str, tuple[str, dict[str, str]]] = {
                "open": (url + "/api/public-hello", {}),
                "protected": (url + "/api/hello", {"Authorization": f"Bearer {access}"}),
                "refresh": (url + "/api/auth/mobile/token-refresh", {}),
            }
            for route, (target, headers) in plan.items():  # warm-up
                wrk(target, 1, headers, rotate=refresh_tokens() if route == "refresh" else None)
            for i in range(rounds):
                for route, (target, headers) in plan.items():
                    log(f"wrk round {i + 1}/{rounds}: {route}, sessions on PostgreSQL and Redis")
                    rotate = refresh_tokens() if route == "refresh" else None
                    results.setdefault(route, []).append(wrk(target, seconds, headers, rotate=rotate))
        log("where a rotating refresh's time goes")
        profile = subprocess.run(
            [sys.executable, str(BENCH / "rotation.py")],
            cwd=workdir,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    return {
        **{route: statistics.median(load.requests_per_s for load in loads) for route, loads in results.items()},
        "bad": sum(load.bad for loads in results.values() for load in loads),
        "profile": json.loads(profile),
    }


# --- the table ---------------------------------------------------------------------------------------


def machine() -> str:
    cpu = "unknown CPU"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    openssl = subprocess.run(["openssl", "version"], capture_output=True, text=True).stdout.split(" (")[0].strip()
    return f"{cpu}, {os.cpu_count()} cores, Linux {platform.release()}, Python {platform.python_version()}, {openssl}"


@dataclass
class Target:
    what: str
    value: float
    limit: float
    at_least: bool  # True: value >= limit; False: value <= limit
    unit: str = "x"

    @property
    def met(self) -> bool:
        return self.value >= self.limit if self.at_least else self.value <= self.limit

    def row(self) -> str:
        sign = ">=" if self.at_least else "<="
        met = "yes" if self.met else "NO"
        return f"| {self.what} | {self.value:,.2f}{self.unit} | {sign} {self.limit:,g}{self.unit} | {met} |"


def report(r: dict[str, Any]) -> tuple[str, list[Target]]:
    ours, orig, ssl, http, mem = r["ours"], r["original"], r["openssl"], r["http"], r["memory"]
    algs, ssl_ec = r["algorithms"], {"ES256": r["openssl_ecdsap256"], "EdDSA": r["openssl_ed25519"]}
    sessions, profile = r["sessions"], r["sessions"]["profile"]
    lines = [
        f"Machine: {machine()}.",
        "",
        "| | this package | original 0.8.1 | PyJWT, keys parsed once | OpenSSL (`openssl speed`) |",
        "|---|---:|---:|---:|---:|",
        f"| sign an access token, µs | {ours['sign_us']:,.0f} | {orig['sign_us']:,.0f} | "
        f"{ours['pyjwt_sign_us']:,.0f} | {ssl['sign_us']:,.0f} |",
        f"| verify it, µs | {ours['verify_us']:,.1f} | {orig['verify_us']:,.1f} | "
        f"{ours['pyjwt_verify_us']:,.1f} | {ssl['verify_us']:,.1f} |",
        f"| verify it again, remembered by the key, µs | {ours['verify_remembered_us']:,.1f} | | | |",
        f"| open route, req/s | {http['ours']['open']:,.0f} | {http['original']['open']:,.0f} | | |",
        f"| same route behind `HttpJwtAuth`, req/s | {http['ours']['protected']:,.0f} | "
        f"{http['original']['protected']:,.0f} | | |",
        f"| mobile token-refresh, req/s | {http['ours']['refresh']:,.0f} | {http['original']['refresh']:,.0f} | | |",
        f"| non-2xx responses and socket errors | {http['ours']['bad']} | {http['original']['bad']} | | |",
        "",
        "With the sessions app, on PostgreSQL and Redis (same gunicorn, 2 workers):",
        "",
        "| | req/s |",
        "|---|---:|",
        f"| open route | {sessions['open']:,.0f} |",
        "| same route behind `HttpJwtAuth`, access revocation on Redis (the session read once per worker, "
        f"then known from the channel) | {sessions['protected']:,.0f} |",
        f"| mobile token-refresh with rotation | {sessions['refresh']:,.0f} |",
        f"| non-2xx responses and socket errors | {sessions['bad']} |",
        "",
        f"A rotating refresh, in one process through Django's test client: {profile['total_us']:,.0f} µs, of "
        f"which signing two tokens {profile['sign_us']:,.0f} µs, the database ({profile['queries']:.0f} round trips, "
        "the connection's health check among them) "
        f"{profile['database_us']:,.0f} µs, verifying the refresh token {profile['verify_us']:,.0f} µs, and "
        f"Django, django-ninja and the view {profile['django_us']:,.0f} µs.",
        "",
        f"Signing threads: 1 thread {r['threads']['one_thread_per_s']:,.0f}/s, "
        f"2 threads {r['threads']['two_threads_per_s']:,.0f}/s. "
        f"Resident memory: {mem['verify']['calls']:,} verifications from {mem['verify']['after_warmup_kib']:,} KiB "
        f"to {mem['verify']['last_kib']:,} KiB (max {mem['verify']['max_kib']:,}); "
        f"{mem['sign']['calls']:,} signatures from {mem['sign']['after_warmup_kib']:,} KiB "
        f"to {mem['sign']['last_kib']:,} KiB (max {mem['sign']['max_kib']:,}).",
        "",
        "Per algorithm, this package (keys made by `make_jwt_key`, no token remembered) and OpenSSL:",
        "",
        "| algorithm | sign, µs | OpenSSL sign, µs | verify, µs | OpenSSL verify, µs |",
        "|---|---:|---:|---:|---:|",
        f"| RS256 (RSA-2048) | {ours['sign_us']:,.1f} | {ssl['sign_us']:,.1f} | {ours['verify_us']:,.1f} | "
        f"{ssl['verify_us']:,.1f} |",
        *(
            f"| {name} ({curve}) | {algs[f'{name}_sign_us']:,.1f} | {ssl_ec[name]['sign_us']:,.1f} | "
            f"{algs[f'{name}_verify_us']:,.1f} | {ssl_ec[name]['verify_us']:,.1f} |"
            for name, curve in (("ES256", "P-256"), ("EdDSA", "Ed25519"))
        ),
        "",
        f"RS256 verification with a key set of 3 keys (2 retired), the token signed by the current key: "
        f"{algs['verify_3_keys_us']:,.2f} µs; with the current key alone: {algs['verify_1_key_us']:,.2f} µs.",
        "",
    ]
    targets = [
        Target("RS256 signing / OpenSSL sign", ours["sign_us"] / ssl["sign_us"], 1.1, at_least=False),
        Target("RS256 verification / OpenSSL verify", ours["verify_us"] / ssl["verify_us"], 1.3, at_least=False),
        *(
            Target(
                f"{name} {what} / OpenSSL {verb}",
                algs[f"{name}_{verb}_us"] / ssl_ec[name][f"{verb}_us"],
                1.25,
                at_least=False,
            )
            for name in ("ES256", "EdDSA")
            for what, verb in (("signing", "sign"), ("verification", "verify"))
        ),
        Target(
            "verification with 3 keys in the set, over 1 key",
            algs["verify_3_keys_us"] - algs["verify_1_key_us"],
            1,
            at_least=False,
            unit=" µs",
        ),
        Target("original's signing time / ours", orig["sign_us"] / ours["sign_us"], 50, at_least=True),
        Target("original's verification time / ours", orig["verify_us"] / ours["verify_us"], 3, at_least=True),
        Target("PyJWT's signing time / ours", ours["pyjwt_sign_us"] / ours["sign_us"], 1, at_least=True),
        Target("PyJWT's verification time / ours", ours["pyjwt_verify_us"] / ours["verify_us"], 1, at_least=True),
        Target("2 signing threads / 1", r["threads"]["scaling"], 1.7, at_least=True),
        Target("protected route / open route", http["ours"]["protected"] / http["ours"]["open"], 0.85, at_least=True),
        Target("token-refresh / original's", http["ours"]["refresh"] / http["original"]["refresh"], 20, at_least=True),
        Target(
            "rotating refresh on PostgreSQL / original's refresh",
            sessions["refresh"] / http["original"]["refresh"],
            15,
            at_least=True,
        ),
        Target(
            "protected route with revocation / open route",
            sessions["protected"] / sessions["open"],
            0.80,
            at_least=True,
        ),
        Target(
            "non-2xx responses and socket errors", http["ours"]["bad"] + sessions["bad"], 0, at_least=False, unit=""
        ),
        Target("protected route, trusted issuer's token / own token", r["trusted"]["ratio"], 0.97, at_least=True),
        Target("provider requests after the first", r["trusted"]["provider_requests"], 0, at_least=False, unit=""),
        Target("memory growth over 1M verifications", mem["verify"]["growth_kib"], 1024, at_least=False, unit=" KiB"),
        Target("memory growth over 100k signatures", mem["sign"]["growth_kib"], 1024, at_least=False, unit=" KiB"),
    ]
    peer_lines, peer_targets = peers_report(r["peers"], ssl, ssl_ec, r["async"])
    lines += peer_lines
    targets += peer_targets
    lines += ["| target | measured | wanted | met |", "|---|---:|---:|---|"] + [t.row() for t in targets]
    original_ratio = http["original"]["protected"] / http["original"]["open"]
    lines += ["", f"For comparison, the original's protected route / open route: {original_ratio:.2f}."]
    return "\n".join(lines), targets


PEERS = ("ryjwt", "oxyjwt", "pyjwt-rs")
# bench/peers.py runs this many times, each process with keys of its own, and the rounds are pooled.
PEER_PROCESSES = 5


def peers_report(
    peers: dict[str, Any], ssl: dict[str, float], ssl_ec: dict[str, dict[str, float]], asgi: dict[str, dict[str, float]]
) -> tuple[list[str], list[Target]]:
    """The table of the Rust-backed peers (bench/peers.py) and the async route, and their targets."""
    routes, itself = asgi["routes"], asgi["itself"]
    bad = routes["bad"] + itself["bad"]
    openssl = {"RS256": ssl, **ssl_ec}
    lines = [
        f"Against the Rust-backed peers, on Python {peers['python']}, keys parsed once, every token another "
        f"(µs per token, medians of rounds run in turn in {peers['processes']} processes; this package through "
        "`encode_token` / `decode_token`, no token remembered; the targets below compare each round's pair "
        "of times, and take the median):",
        "",
        "| µs | this package sign | "
        + " | ".join(f"{p} sign" for p in PEERS)
        + " | this package verify | "
        + " | ".join(f"{p} verify" for p in PEERS)
        + " | OpenSSL sign / verify |",
        "|---|" + "---:|" * (2 * len(PEERS) + 3),
    ]
    targets = []
    for algorithm in ("RS256", "ES256", "EdDSA"):
        figures = peers[algorithm]
        row = [f"| {algorithm} | {figures['ours']['sign_us']:,.1f}"]
        row += [f"{figures[p]['sign_us']:,.1f}" for p in PEERS]
        row += [f"{figures['ours']['verify_us']:,.1f}"] + [f"{figures[p]['verify_us']:,.1f}" for p in PEERS]
        row += [f"{openssl[algorithm]['sign_us']:,.1f} / {openssl[algorithm]['verify_us']:,.1f} |"]
        lines.append(" | ".join(row))
        for what in ("sign", "verify"):
            # The median of the rounds' ratios (bench/peers.py), against the peer it is highest for.
            ratios = figures["ours"][f"{what}_ratios"]
            best = max(PEERS, key=lambda p: ratios[p])
            targets.append(
                Target(f"{algorithm} {what}, 3.13: ours / fastest peer ({best})", ratios[best], 1, at_least=False)
            )
    targets += [
        Target(
            "RS256 verification, 3.13, distinct tokens / OpenSSL verify",
            peers["RS256"]["ours"]["verify_us"] / ssl["verify_us"],
            1.05,
            at_least=False,
        ),
        Target(
            "ES256 signing, 3.13 / OpenSSL sign",
            peers["ES256"]["ours"]["sign_us"] / ssl_ec["ES256"]["sign_us"],
            1.10,
            at_least=False,
        ),
        Target("async protected route / async open route (uvicorn)", routes["ratio"], 0.95, at_least=True),
        Target("answers other than 200 under uvicorn", bad, 0, at_least=False, unit=""),
    ]
    lines += [
        "",
        f"Under uvicorn (1 worker), the open `async def` route and the same behind `HttpJwtAuth` side by side, "
        f"in bursts of {interleave.REQUESTS_PER_BURST} requests on "
        f"{interleave.CONNECTIONS} connections in turn ({routes['requests']:,.0f} requests): "
        f"{routes['a_per_s']:,.0f} and {routes['b_per_s']:,.0f} req/s (medians of the rounds); protected / open, "
        f"the median of the rounds' ratios, {routes['ratio']:.3f} (rounds from {routes['ratio_min']:.3f} to "
        f"{routes['ratio_max']:.3f}). The open route against itself, measured the same way: {itself['ratio']:.3f} "
        f"(rounds from {itself['ratio_min']:.3f} to {itself['ratio_max']:.3f}).",
        "",
    ]
    return lines, targets


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--original", required=True, help="a Python with the original package installed")
    parser.add_argument("--peers", required=True, help="a Python 3.13 with ryjwt, oxyjwt and pyjwt-rs installed")
    parser.add_argument("--workdir", type=Path, default=REPO / "target" / "bench")
    parser.add_argument("--seconds", type=int, default=8, help="length of each wrk run")
    parser.add_argument("--rounds", type=int, default=3, help="wrk runs per route and implementation")
    args = parser.parse_args()

    workdir: Path = args.workdir.resolve()
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    log(f"setting up the example project in {workdir}")
    demo_setup(sys.executable, workdir, example_env(workdir))

    results: dict[str, Any] = {}
    log("openssl speed rsa2048")
    results["openssl"] = openssl_speed(seconds=5)
    for algorithm in ("ecdsap256", "ed25519"):
        log(f"openssl speed {algorithm}")
        results[f"openssl_{algorithm}"] = openssl_speed(seconds=3, algorithm=algorithm)
    log("this package and PyJWT, per token")
    results["ours"] = run_json(sys.executable, "micro.py", "compare", workdir)
    log("this package, ES256 and EdDSA per token, and a key set of 3 keys")
    results["algorithms"] = run_json(sys.executable, "micro.py", "algorithms", workdir)
    log("the original package, per token")
    results["original"] = run_json(args.original, "micro.py", "api", workdir)
    log(f"this package and the Rust-backed peers, on the peers' Python, in {PEER_PROCESSES} processes")
    peers_env = {**os.environ, "PYTHONPATH": str(REPO / "python")}
    results["peers"] = summarize_peers(
        [run_json(args.peers, "peers.py", "--rounds", workdir, env=peers_env) for _ in range(PEER_PROCESSES)]
    )
    log("signing in 1 and 2 threads")
    results["threads"] = run_json(sys.executable, "micro.py", "threads", workdir)
    log("resident memory over 1M verifications and 100k signatures (about a minute)")
    results["memory"] = run_json(sys.executable, "memory.py", None, workdir)
    log("requests per second under gunicorn and wrk")
    results["http"] = bench_http(
        {"ours": sys.executable, "original": args.original}, workdir, args.seconds, args.rounds
    )
    # Rounds half as long as wrk's runs, eight times as many: a round's ratio compares bursts of both routes
    # run side by side, and a slow patch of the machine moves a round, not the median. The open route
    # against itself, 16 rounds of 2 s: medians 0.986 and 0.996, rounds from 0.91 to 1.08.
    results["async"] = bench_async(workdir, max(2, args.seconds // 2), 8 * args.rounds)
    log("the sessions app on PostgreSQL and Redis")
    results["sessions"] = bench_sessions(workdir, args.seconds, args.rounds)
    log("the protected route with a trusted issuer's token (bench/trusted.py)")
    # Twice the rounds, half as long: the pairs' ratio is what counts, and the load drifts between runs.
    trusted_plan = f"{max(2, args.seconds // 2)}:{2 * args.rounds}"
    results["trusted"] = run_json(sys.executable, "trusted.py", trusted_plan, workdir)

    (workdir / "results.json").write_text(json.dumps(results, indent=2))
    table, targets = report(results)
    print(table)
    missed = [t.what for t in targets if not t.met]
    if missed:
        print(f"\nMissed: {', '.join(missed)}.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
