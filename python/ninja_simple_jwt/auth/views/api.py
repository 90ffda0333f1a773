"""The auth endpoints: sign-in and token refresh for mobile (tokens in bodies) and web (refresh in a cookie)."""

import logging
from datetime import datetime, timezone
from typing import Annotated, Any

from django.contrib.auth import authenticate
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.signals import user_logged_in
from django.http import HttpRequest, HttpResponse
from django.utils.functional import lazy
from django.utils.translation import gettext
from ninja import Router
from ninja.errors import AuthenticationError

from ninja_simple_jwt.apps import require_installed
from ninja_simple_jwt.auth.cross_site import refuse_cross_site
from ninja_simple_jwt.auth.ninja_auth import HttpJwtAuth
from ninja_simple_jwt.auth.throttling import throttle_sign_in
from ninja_simple_jwt.auth.views.refresh_cookie import missing_cookie_reasons
from ninja_simple_jwt.auth.views.schemas import (
    JsonBody,
    JsonOnlyBody,
    MobileSignInResponse,
    MobileSignOutRequest,
    MobileTokenRefreshRequest,
    MobileTokenRefreshResponse,
    SignInRequest,
    WebSignInResponse,
    no_content,
    refusals,
)
from ninja_simple_jwt.database import needs_database
from ninja_simple_jwt.exceptions import InvalidTokenError
from ninja_simple_jwt.jwt.token_operations import (
    TokenTypes,
    decode_token,
    get_access_token_for_user,
    get_access_token_from_refresh_token,
    get_refresh_token_for_user,
)
from ninja_simple_jwt.sessions import sessions_enabled
from ninja_simple_jwt.sessions.api import sessions_router
from ninja_simple_jwt.settings import ninja_simple_jwt_settings
from ninja_simple_jwt.unavailable import usable_keys
from ninja_simple_jwt.utils import make_authentication_params

require_installed()

__all__ = ["mobile_auth_router", "sessions_router", "web_auth_router"]

logger = logging.getLogger("ninja_simple_jwt")

mobile_auth_router = Router()
web_auth_router = Router()


class _OptionalBearer(HttpJwtAuth):
    """Web sign-out's bearer token, in OpenAPI only: the view reads the token itself (the refresh cookie
    may stand in for it), so this lets every request through."""

    def __call__(self, request: HttpRequest) -> bool:  # type: ignore[override]
        return True


# django-ninja names a security scheme after its class: one scheme, the protected routes' own.
_OptionalBearer.__name__ = HttpJwtAuth.__name__

# The refresh cookie as a parameter of web token-refresh, named as the setting says when the document is made.
_REFRESH_COOKIE_PARAMETER = {
    "in": "cookie",
    "name": lazy(lambda: ninja_simple_jwt_settings.JWT_REFRESH_COOKIE_NAME, str)(),
    "required": False,
    "description": "The refresh token, set by web sign-in (HttpOnly; sent only to URLs under its Path).",
    "schema": {"type": "string"},
}


def _sign_in(request: HttpRequest, payload: SignInRequest) -> AbstractBaseUser:
    user = authenticate(request, **make_authentication_params(payload.dict()))
    if user is None:
        # Wrong password, unknown user, or a user the backends refuse (inactive).
        raise AuthenticationError(message=gettext("Unable to sign in with the given credentials."))
    user_logged_in.send(sender=user.__class__, request=request, user=user)
    return user


def _issue(request: HttpRequest, user: AbstractBaseUser) -> tuple[str, dict[str, Any], str]:
    """A refresh token, its claims and an access token: of a new session when the sessions app is installed."""
    with usable_keys():
        if sessions_enabled():
            from ninja_simple_jwt.sessions.service import start_session

            access_token, refresh_token, refresh_claims = start_session(request, user)
            assert refresh_token is not None and refresh_claims is not None
            return refresh_token, refresh_claims, access_token
        refresh_token, refresh_claims = get_refresh_token_for_user(user)
        access_token, _ = get_access_token_for_user(user)
    return refresh_token, refresh_claims, access_token


def _refresh(request: HttpRequest, refresh_token: str | None) -> tuple[str, str | None, dict[str, Any] | None]:
    """A new access token, and with rotation (sessions app) a new refresh token and its claims."""
    if not refresh_token:
        raise AuthenticationError(message=gettext("No refresh token was given."))
    try:
        with usable_keys():
            if sessions_enabled():
                from ninja_simple_jwt.sessions.service import refresh_session

                return refresh_session(refresh_token, request)
            access_token, _ = get_access_token_from_refresh_token(refresh_token)
    except InvalidTokenError as e:
        # Which check failed goes to the log only: the client learns nothing to adjust a forgery by.
        logger.info("Refused a refresh token: %s", e)
        raise AuthenticationError(message=gettext("The refresh token is invalid or expired.")) from e
    return access_token, None, None


def _sign_out(claims: dict[str, Any] | None) -> None:
    """Ends the session the verified claims name (sessions app); 401 without claims."""
    if claims is None:
        raise AuthenticationError(message=gettext("Sign-out needs a valid refresh token or access token."))
    if sessions_enabled() and isinstance(claims.get("sid"), str):
        from ninja_simple_jwt.sessions.models import EndReason
        from ninja_simple_jwt.sessions.service import end_session

        end_session(claims["sid"], EndReason.SIGN_OUT)


def _claims(token: str | None, token_type: TokenTypes) -> dict[str, Any] | None:
    if not token:
        return None
    try:
        with usable_keys():
            return decode_token(token, token_type=token_type)
    except InvalidTokenError as e:
        logger.info("Refused a token at sign-out: %s", e)
        return None


@mobile_auth_router.post(
    "/sign-in", response={200: MobileSignInResponse, **refusals(401, 413, 422, 429, 503)}, url_name="mobile_signin"
)
@needs_database
@throttle_sign_in
def mobile_sign_in(
    request: HttpRequest, response: HttpResponse, payload: Annotated[SignInRequest, JsonBody(...)]
) -> dict[str, str]:
    """Signs in: returns a refresh and an access token (and the throttle's device cookie in `response`)."""
    refresh_token, _, access_token = _issue(request, _sign_in(request, payload))
    return {"refresh": refresh_token, "access": access_token}


@mobile_auth_router.post(
    "/token-refresh",
    response={200: MobileTokenRefreshResponse, **refusals(401, 413, 422, 503)},
    url_name="mobile_token_refresh",
    exclude_none=True,
)
@needs_database
def mobile_token_refresh(
    request: HttpRequest, payload: Annotated[MobileTokenRefreshRequest, JsonBody(...)]
) -> dict[str, str | None]:
    """Returns a new access token for a valid refresh token, and with rotation a new refresh token."""
    access_token, refresh_token, _ = _refresh(request, payload.refresh)
    return {"access": access_token, "refresh": refresh_token}


@mobile_auth_router.post("/sign-out", response={204: None, **refusals(401, 413, 422, 503)}, url_name="mobile_sign_out")
@needs_database
def mobile_sign_out(
    request: HttpRequest, response: HttpResponse, payload: Annotated[MobileSignOutRequest, JsonBody(...)]
) -> HttpResponse:
    """Ends the refresh token's session (with the sessions app)."""
    _sign_out(_claims(payload.refresh, TokenTypes.REFRESH))
    return no_content(response)


@web_auth_router.post(
    "/sign-in", response={200: WebSignInResponse, **refusals(401, 413, 415, 422, 429, 503)}, url_name="web_signin"
)
@needs_database
@throttle_sign_in
def web_sign_in(
    request: HttpRequest, response: HttpResponse, payload: Annotated[SignInRequest, JsonOnlyBody(...)]
) -> dict[str, str]:
    """Signs in: returns an access token, and sets the refresh token in an HttpOnly cookie."""
    refresh_token, refresh_claims, access_token = _issue(request, _sign_in(request, payload))
    _set_refresh_cookie(response, refresh_token, expires=datetime.fromtimestamp(refresh_claims["exp"], timezone.utc))
    return {"access": access_token}


@web_auth_router.post(
    "/token-refresh",
    response={200: WebSignInResponse, **refusals(401, 403, 503)},
    url_name="web_token_refresh",
    openapi_extra={"parameters": [_REFRESH_COOKIE_PARAMETER]},
)
@needs_database
def web_token_refresh(request: HttpRequest, response: HttpResponse) -> dict[str, str]:
    """Returns a new access token for the refresh token in the cookie; with rotation, sets a new cookie."""
    refuse_cross_site(request)
    cookie = request.COOKIES.get(ninja_simple_jwt_settings.JWT_REFRESH_COOKIE_NAME)
    if not cookie and (reasons := missing_cookie_reasons(request)):
        raise AuthenticationError(message=f"{gettext('No refresh token was given.')} {reasons}")
    access_token, refresh_token, refresh_claims = _refresh(request, cookie)
    if refresh_token is not None and refresh_claims is not None:
        expires = datetime.fromtimestamp(refresh_claims["exp"], timezone.utc)
        _set_refresh_cookie(response, refresh_token, expires=expires)
    return {"access": access_token}


@web_auth_router.post(
    "/sign-out",
    response={204: None, **refusals(401, 403, 503)},
    url_name="web_sign_out",
    auth=_OptionalBearer(),
    # Optional: the empty requirement lets a request without the header through (the cookie may do).
    openapi_extra={"security": [{}]},
)
@needs_database
def web_sign_out(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """Ends the session of the refresh cookie, or else of the bearer access token; clears the cookie.

    The browser sends the cookie only under its Path, which may not include this route: then the page
    signs out with its access token. 401 when neither is valid.
    """
    refuse_cross_site(request)
    cookie = request.COOKIES.get(ninja_simple_jwt_settings.JWT_REFRESH_COOKIE_NAME)
    claims = _claims(cookie, TokenTypes.REFRESH)
    if claims is None:
        scheme, _, token = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
        claims = _claims(token, TokenTypes.ACCESS) if scheme.lower() == "bearer" else None
    if claims is None and not cookie and (reasons := missing_cookie_reasons(request)):
        raise AuthenticationError(
            message=f"{gettext('Sign-out needs a valid refresh token or access token.')} {reasons}"
        )
    _sign_out(claims)
    # Expire it with the attributes sign-in set: browsers match a cookie by name, domain and path, and
    # may refuse to replace a Secure cookie with one that is not (Django's delete_cookie drops Secure).
    _set_refresh_cookie(response, "", expires="Thu, 01 Jan 1970 00:00:00 GMT", max_age=0)
    return no_content(response)


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
