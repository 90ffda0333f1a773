"""The protected routes both test URL confs mount (django-ninja before 1.6 mounts a router on one API only)."""

import threading
from typing import Any

from django.http import HttpRequest
from ninja import Router

from ninja_simple_jwt.auth.ninja_auth import HttpJwtAuth

protected = Router(auth=HttpJwtAuth())
from_db = Router(auth=HttpJwtAuth(load_user=True))
scoped = Router(auth=HttpJwtAuth(scopes=["read:orders", "write:orders"]))


def describe(request: HttpRequest) -> dict[str, Any]:
    user: Any = request.user
    return {
        "user_type": type(user).__name__,
        "id": user.id,
        "username": user.username,
        "last_login": user.last_login if isinstance(user.last_login, str | None) else user.last_login.isoformat(),
        "is_authenticated": user.is_authenticated,
        "auth": request.auth,  # type: ignore[attr-defined]
    }


@protected.get("/me")
def me(request: HttpRequest) -> dict[str, Any]:
    return describe(request)


@from_db.get("/me")
def me_from_db(request: HttpRequest) -> dict[str, Any]:
    return describe(request)


@protected.get("/async-me")
async def async_me(request: HttpRequest) -> dict[str, Any]:
    return describe(request)


@from_db.get("/async-me")
async def async_me_from_db(request: HttpRequest) -> dict[str, Any]:
    return describe(request)


def threads(request: HttpRequest) -> dict[str, Any]:
    return {"view": threading.get_ident(), "user": getattr(request.user, "built_on", None)}


@protected.get("/async-threads")
async def async_threads(request: HttpRequest) -> dict[str, Any]:
    return threads(request)


@from_db.get("/async-threads")  # a view of its own: OpenAPI operation ids are unique
async def async_threads_from_db(request: HttpRequest) -> dict[str, Any]:
    return threads(request)


@scoped.get("/me")
def scoped_me(request: HttpRequest) -> dict[str, Any]:
    return {"id": request.user.id, "auth": request.auth}  # type: ignore[attr-defined]
