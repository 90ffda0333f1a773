"""Where a rotating mobile token-refresh spends its time, in one process, printed as one JSON object.

    python bench/rotation.py     (with the example project's environment: DJANGO_SETTINGS_MODULE and
                                  PYTHONPATH for example/, keys in the working directory, PostgreSQL)

Each refresh goes through Django's test client (middleware, django-ninja, the view), with timers around
the database round trips, the refresh token's verification and the two signatures (access and refresh).
Before each request it does what a server does when a request starts and the test client skips (Django's
`close_old_connections`), so with CONN_HEALTH_CHECKS, as in the example, the connection's health check
(a `SELECT 1`) is among the round trips, as it is under gunicorn.
"""

import json
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import django

ROUNDS = 9
PER_ROUND = 200


def main() -> None:
    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import close_old_connections, connection
    from django.test import Client, RequestFactory
    from django.test.utils import override_settings

    from ninja_simple_jwt.sessions import service

    spent = {"database": 0.0, "verify": 0.0, "sign": 0.0}
    queries = [0]

    def timed(key: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[key] += time.perf_counter() - start

        return wrapper

    def db_timer(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            spent["database"] += time.perf_counter() - start
            queries[0] += 1

    # The names the service module calls, wrapped with timers.
    for name, key in (("encode_token", "sign"), ("decode_token", "verify")):
        setattr(service, name, timed(key, getattr(service, name)))
    # The health check bypasses Django's cursor wrappers, so it is timed apart.
    is_usable = timed("database", connection.is_usable)

    def health_check() -> Any:
        queries[0] += 1
        return is_usable()

    connection.is_usable = health_check  # type: ignore[method-assign]

    user = get_user_model().objects.get(username="demo")
    client = Client(SERVER_NAME="127.0.0.1")
    with override_settings(ALLOWED_HOSTS=["127.0.0.1"]):
        token = service.start_session(RequestFactory().post("/"), user).refresh
        assert token is not None

        def refresh() -> None:
            nonlocal token
            close_old_connections()
            response = client.post(
                "/api/auth/mobile/token-refresh", json.dumps({"refresh": token}), content_type="application/json"
            )
            assert response.status_code == 200, response.content
            token = response.json()["refresh"]

        for _ in range(50):  # warm-up: imports, the connection, query compilation caches
            refresh()
        rounds: list[dict[str, float]] = []
        with connection.execute_wrapper(db_timer):
            for _ in range(ROUNDS):
                for key in spent:
                    spent[key] = 0.0
                queries[0] = 0
                start = time.perf_counter()
                for _ in range(PER_ROUND):
                    refresh()
                total = time.perf_counter() - start
                per = {key: value / PER_ROUND * 1e6 for key, value in spent.items()}
                per["total"] = total / PER_ROUND * 1e6
                per["queries"] = queries[0] / PER_ROUND
                rounds.append(per)
    figures = {key: statistics.median(r[key] for r in rounds) for key in rounds[0]}
    figures["django"] = figures["total"] - figures["database"] - figures["verify"] - figures["sign"]
    json.dump({f"{k}_us" if k != "queries" else k: v for k, v in figures.items()}, sys.stdout)


if __name__ == "__main__":
    main()
