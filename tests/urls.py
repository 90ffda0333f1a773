from typing import Any

from django.http import HttpRequest
from django.urls import path
from ninja import NinjaAPI, Router

from ninja_simple_jwt.auth.ninja_auth import HttpJwtAuth
from ninja_simple_jwt.auth.views.api import mobile_auth_router, web_auth_router
from ninja_simple_jwt.jwks import jwks_view

protected = Router(auth=HttpJwtAuth())
from_db = Router(auth=HttpJwtAuth(load_user=True))


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


api = NinjaAPI()
api.add_router("/auth/mobile/", mobile_auth_router)
api.add_router("/auth/web/", web_auth_router)
api.add_router("/protected/", protected)
api.add_router("/from-db/", from_db)

urlpatterns = [path("api/", api.urls), path(".well-known/jwks.json", jwks_view)]
