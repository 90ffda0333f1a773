"""The database down, or a table of this package missing: its endpoints answer 503, never 500.

Sign-in reads the user, and with the sessions app every endpoint reads or writes a session row. When
the database cannot be reached, or a table is missing because `manage.py migrate` was not run, the
endpoint answers 503 with `Retry-After` (the client retries, nothing half-done is committed) and the
log says what is wrong. Routes that only verify an access token never touch the database.
"""

import functools
import logging
import re
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from django.db import DatabaseError, connections, router
from django.db.models import Model
from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _

from ninja_simple_jwt.unavailable import unavailable_response

__all__ = ["DATABASE_UNAVAILABLE", "database_unavailable", "log_database_error", "needs_database"]

logger = logging.getLogger("ninja_simple_jwt")

DATABASE_UNAVAILABLE = _("Authentication is unavailable: the server cannot use its database. Try again later.")

P = ParamSpec("P")
R = TypeVar("R")


# How SQLite, PostgreSQL and MySQL/MariaDB say a table is missing.
_NO_TABLE = re.compile(r"no such table|does not exist|doesn't exist")


def _missing_tables(error: DatabaseError) -> list[str]:
    """The tables of the user model and of the sessions app that the database lacks (none if it cannot say)."""
    from django.apps import apps
    from django.contrib.auth import get_user_model

    models: list[type[Model]] = [get_user_model()]
    if apps.is_installed("ninja_simple_jwt.sessions"):
        models.append(apps.get_model("ninja_simple_jwt_sessions", "JwtSession"))
    message = str(error)
    if _NO_TABLE.search(message):
        named = [m._meta.db_table for m in models if m._meta.db_table in message]
        if named:
            return named
    missing = []
    for model in models:
        connection = connections[router.db_for_write(model)]
        if connection.in_atomic_block:
            return []  # the failed transaction refuses every query until it ends (PostgreSQL, Django)
        try:
            with connection.cursor() as cursor:
                tables = set(connection.introspection.table_names(cursor))
        except DatabaseError:
            return []  # the database itself is down: said by the error
        if model._meta.db_table not in tables:
            missing.append(model._meta.db_table)
    return missing


def log_database_error(error: DatabaseError) -> None:
    """Logs why the database could not be used: a missing table names the command that makes it."""
    missing = _missing_tables(error)
    if missing:
        logger.error("The database has no table %s: run manage.py migrate.", ", ".join(missing))
        return
    # The first line of the driver's message (e.g. "connection refused"); it names no token.
    reason = str(error).strip().splitlines()[0][:200] if str(error).strip() else ""
    logger.error("Cannot use the database (%s: %s).", type(error).__name__, reason)


def database_unavailable(error: DatabaseError) -> HttpResponse:
    """Logs why and returns the 503 an endpoint answers when the database cannot be used."""
    log_database_error(error)
    return unavailable_response(str(DATABASE_UNAVAILABLE))  # translated now, for this request


def needs_database(view: Callable[P, R]) -> Callable[P, R | HttpResponse]:
    """Decorates an endpoint: a `DatabaseError` raised in it (or in the decorators below) is a 503.

    Whatever the view had written is rolled back by the atomic blocks it raised through; a view that
    writes outside one writes one statement, which the error did not commit.
    """

    @functools.wraps(view)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R | HttpResponse:
        try:
            return view(*args, **kwargs)
        except DatabaseError as e:
            return database_unavailable(e)

    return wrapper
