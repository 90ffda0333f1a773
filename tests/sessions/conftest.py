"""The sessions suites start the PostgreSQL and Redis servers their settings name (settings_postgres)."""

from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import pytest
from django.conf import settings

from tests import services


@pytest.fixture(scope="session")
def real_services() -> Iterator[dict[str, int]]:
    """Starts the servers of settings.SERVICES (none on SQLite) for the whole run."""
    with ExitStack() as stack:
        ports: dict[str, int] = settings.SERVICES
        if "postgres" in ports:
            stack.enter_context(services.postgres(ports["postgres"]))
        if "redis" in ports:
            stack.enter_context(services.redis(ports["redis"]))
        yield ports


@pytest.fixture(scope="session")
def django_db_modify_db_settings(real_services: Any, django_db_modify_db_settings_parallel_suffix: None) -> None:
    """pytest-django's hook before the test database is made: the server must be up by then."""


@pytest.fixture(autouse=True)
def _clear_cache(real_services: Any) -> Iterator[None]:
    from django.core.cache import cache

    cache.clear()
    yield
