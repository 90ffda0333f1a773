"""The example's own routes: open ones, and the same behind HttpJwtAuth; sync, and async for ASGI servers."""

from typing import Any

from django.http import HttpRequest
from ninja import Router

from ninja_simple_jwt.auth.ninja_auth import HttpJwtAuth

router = Router()
protected = Router(auth=HttpJwtAuth())


@router.get("/ping", auth=None)
def ping(request: HttpRequest) -> str:
    """An open route, to compare with the protected ones."""
    return "pong"


@router.get("/public-hello", auth=None)
def public_hello(request: HttpRequest) -> str:
    """/api/hello without auth: what `make bench` compares the protected route with."""
    return "Hello world"


@router.get("/async-public-hello", auth=None)
async def async_public_hello(request: HttpRequest) -> str:
    """/api/async-hello without auth: what `make bench` compares it with under uvicorn."""
    return "Hello world"


@protected.get("/hello")
def hello(request: HttpRequest) -> str:
    """The README's protected route."""
    return "Hello world"


@protected.get("/me")
def me(request: HttpRequest) -> dict[str, Any]:
    """Who the access token says the caller is."""
    user: Any = request.user
    return {"id": user.id, "username": user.username, "claims": request.auth}  # type: ignore[attr-defined]


@protected.get("/async-hello")
async def async_hello(request: HttpRequest) -> str:
    """The protected route as an `async def`: HttpJwtAuth serves it on the event loop."""
    return "Hello world"


@protected.get("/async-me")
async def async_me(request: HttpRequest) -> dict[str, Any]:
    """/api/me as an `async def`."""
    user: Any = request.user
    return {"id": user.id, "username": user.username, "claims": request.auth}  # type: ignore[attr-defined]


router.add_router("/", protected)
