from typing import Any

from django.http import HttpRequest
from django.urls import path
from ninja import NinjaAPI

from ninja_simple_jwt.auth.ninja_auth import HttpJwtAuth

api = NinjaAPI(title="verify-only service")


@api.get("/ping", auth=None)
def ping(request: HttpRequest) -> dict[str, str]:
    return {"ping": "pong"}


@api.get("/orders", auth=HttpJwtAuth())
def orders(request: HttpRequest) -> dict[str, Any]:
    user: Any = request.user
    return {"user_id": user.id, "username": user.username, "iss": request.auth["iss"]}  # type: ignore[attr-defined]


urlpatterns = [path("api/", api.urls)]
