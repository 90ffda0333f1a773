"""The auth endpoints: sign-in and token refresh for mobile (tokens in bodies) and web (refresh in a cookie)."""

import logging
from datetime import UTC, datetime
from typing import Annotated

from django.contrib.auth import authenticate
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.signals import user_logged_in
from django.http import HttpRequest, HttpResponse
from ninja import Router
from ninja.errors import AuthenticationError

from ninja_simple_jwt.auth.throttling import throttle_sign_in
from ninja_simple_jwt.auth.views.schemas import (
    JsonBody,
    JsonOnlyBody,
    MobileSignInResponse,
    MobileTokenRefreshRequest,
    MobileTokenRefreshResponse,
    SignInRequest,
    WebSignInResponse,
)
from ninja_simple_jwt.exceptions import InvalidTokenError
from ninja_simple_jwt.jwt.token_operations import (
    get_access_token_for_user,
    get_access_token_from_refresh_token,
    get_refresh_token_for_user,
)
from ninja_simple_jwt.settings import ninja_simple_jwt_settings
from ninja_simple_jwt.unavailable import usable_keys
from ninja_simple_jwt.utils import make_authentication_params

__all__ = ["mobile_auth_router", "web_auth_router"]

logger = logging.getLogger("ninja_simple_jwt")

mobile_auth_router = Router()
web_auth_router = Router()


def _sign_in(request: HttpRequest, payload: SignInRequest) -> AbstractBaseUser:
    user = authenticate(request, **make_authentication_params(payload.dict()))
    if user is None:
        # Wrong password, unknown user, or a user the backends refuse (inactive).
        raise AuthenticationError(message="Unable to sign in with the given credentials.")
    user_logged_in.send(sender=user.__class__, request=request, user=user)
    return user


def _refresh(refresh_token: str | None) -> str:
    if not refresh_token:
        raise AuthenticationError(message="No refresh token was given.")
    try:
        with usable_keys():
            access_token, _ = get_access_token_from_refresh_token(refresh_token)
    except InvalidTokenError as e:
        # Which check failed goes to the log only: the client learns nothing to adjust a forgery by.
        logger.info("Refused a refresh token: %s", e)
        raise AuthenticationError(message="The refresh token is invalid or expired.") from e
    return access_token


@mobile_auth_router.post("/sign-in", response=MobileSignInResponse, url_name="mobile_signin")
@throttle_sign_in
def mobile_sign_in(request: HttpRequest, payload: Annotated[SignInRequest, JsonBody(...)]) -> dict[str, str]:
    """Signs in: returns a refresh and an access token."""
    user = _sign_in(request, payload)
    with usable_keys():
        refresh_token, _ = get_refresh_token_for_user(user)
        access_token, _ = get_access_token_for_user(user)
    return {"refresh": refresh_token, "access": access_token}


@mobile_auth_router.post("/token-refresh", response=MobileTokenRefreshResponse, url_name="mobile_token_refresh")
def mobile_token_refresh(
    request: HttpRequest, payload: Annotated[MobileTokenRefreshRequest, JsonBody(...)]
) -> dict[str, str]:
    """Returns a new access token for a valid refresh token."""
    return {"access": _refresh(payload.refresh)}


@web_auth_router.post("/sign-in", response=WebSignInResponse, url_name="web_signin")
@throttle_sign_in
def web_sign_in(
    request: HttpRequest, response: HttpResponse, payload: Annotated[SignInRequest, JsonOnlyBody(...)]
) -> dict[str, str]:
    """Signs in: returns an access token, and sets the refresh token in an HttpOnly cookie."""
    user = _sign_in(request, payload)
    with usable_keys():
        refresh_token, refresh_claims = get_refresh_token_for_user(user)
        access_token, _ = get_access_token_for_user(user)
    _set_refresh_cookie(response, refresh_token, expires=datetime.fromtimestamp(refresh_claims["exp"], UTC))
    return {"access": access_token}


@web_auth_router.post("/token-refresh", response=WebSignInResponse, url_name="web_token_refresh")
def web_token_refresh(request: HttpRequest) -> dict[str, str]:
    """Returns a new access token for the refresh token in the cookie."""
    return {"access": _refresh(request.COOKIES.get(ninja_simple_jwt_settings.JWT_REFRESH_COOKIE_NAME))}


@web_auth_router.post("/sign-out", response={204: None}, url_name="web_signout")
def web_sign_out(request: HttpRequest, response: HttpResponse) -> None:
    """Clears the refresh cookie."""
    # Expire it with the attributes sign-in set: browsers match a cookie by name, domain and path, and
    # may refuse to replace a Secure cookie with one that is not (Django's delete_cookie drops Secure).
    _set_refresh_cookie(response, "", expires="Thu, 01 Jan 1970 00:00:00 GMT", max_age=0)


def _set_refresh_cookie(
    response: HttpResponse, value: str, expires: datetime | str, max_age: int | None = None
) -> None:
    s = ninja_simple_jwt_settings
    response.set_cookie(
        key=s.JWT_REFRESH_COOKIE_NAME,
        value=value,
        expires=expires,
        max_age=max_age,
        httponly=s.WEB_REFRESH_COOKIE_HTTP_ONLY,
        samesite=s.WEB_REFRESH_COOKIE_SAME_SITE_POLICY,
        secure=s.WEB_REFRESH_COOKIE_SECURE,
        path=s.WEB_REFRESH_COOKIE_PATH,
    )
