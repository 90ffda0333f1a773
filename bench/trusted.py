"""The protected route with a trusted issuer's token against this project's own token, under gunicorn and
wrk; printed as one JSON object.

    python bench/trusted.py SECONDS:ROUNDS     (in a directory where the example's demo_setup has run)

One server, the example project with a trusted issuer (tests/provider.py, a stand-in provider on
loopback that counts its JWKS requests): both tokens go through the same routing by `iss`. Medians of
ROUNDS alternating wrk runs of SECONDS each; `provider_requests` counts the JWKS requests made after the
warm-up (each worker fetches once on its first token of the provider). The ratio is the median of each
round's trusted / own, not the ratio of the medians.
"""

import json
import statistics
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from run import log, wrk  # noqa: E402

from tests.provider import provider  # noqa: E402
from tests.servers import USER, example_env, gunicorn  # noqa: E402


def main() -> None:
    seconds, rounds = map(int, sys.argv[1].split(":"))
    workdir = Path.cwd()
    with provider() as idp:
        env = example_env(
            workdir,
            EXAMPLE_SESSIONS="0",
            EXAMPLE_TRUSTED_ISSUER=idp.issuer,
            EXAMPLE_TRUSTED_AUDIENCE=idp.audience,
            EXAMPLE_TRUSTED_JWKS_URL=idp.url + "/jwks",
        )
        with gunicorn(sys.executable, workdir, env, name="trusted") as server:
            own = server.request("POST", "/api/auth/mobile/sign-in", USER).json()["access"]
            # Long enough for the whole run; the same token for every request, as a client sends it.
            trusted = idp.token(exp=2**31 - 1)
            url = server.url + "/api/hello"
            plans = {"own": {"Authorization": f"Bearer {own}"}, "trusted": {"Authorization": f"Bearer {trusted}"}}
            for headers in plans.values():  # warm-up: both workers, both tokens
                wrk(url, 1, headers)
            fetched = idp.count("/jwks")
            loads: dict[str, list[float]] = {name: [] for name in plans}
            bad = 0
            for i in range(rounds):
                for name, headers in plans.items():
                    log(f"wrk round {i + 1}/{rounds}: protected route, {name} token")
                    load = wrk(url, seconds, headers)
                    loads[name].append(load.requests_per_s)
                    bad += load.bad
            medians = {name: statistics.median(values) for name, values in loads.items()}
            # Each round's pair, run back to back: a run's rate follows the machine's load.
            pairs = zip(loads["trusted"], loads["own"], strict=True)
            print(
                json.dumps(
                    {
                        **medians,
                        "ratio": statistics.median(trusted / own for trusted, own in pairs),
                        "warmup_fetches": fetched,
                        "provider_requests": idp.count("/jwks") - fetched,
                        "bad": bad,
                    }
                )
            )


if __name__ == "__main__":
    main()
