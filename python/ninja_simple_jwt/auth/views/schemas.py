"""Request and response bodies of the auth endpoints, and the refusals each documents in OpenAPI."""

from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Schema
from ninja.errors import HttpError, ValidationError
from ninja.params.models import Body, BodyModel
from pydantic import Field

__all__ = [
    "Empty",
    "ErrorDetail",
    "JsonBody",
    "JsonOnlyBody",
    "MobileSignInResponse",
    "MobileSignOutRequest",
    "MobileTokenRefreshRequest",
    "MobileTokenRefreshResponse",
    "SignInRequest",
    "ValidationErrorDetail",
    "WebSignInResponse",
    "no_content",
    "refusals",
]

# Far above any real credential or token, low enough that nobody can make the server hash megabytes.
MAX_CREDENTIAL_LENGTH = 4096
MAX_TOKEN_LENGTH = 16 * 1024


class SignInRequest(Schema):
    username: str = Field(max_length=MAX_CREDENTIAL_LENGTH)
    password: str = Field(max_length=MAX_CREDENTIAL_LENGTH)


class MobileSignInResponse(Schema):
    refresh: str
    access: str


class MobileTokenRefreshRequest(Schema):
    refresh: str = Field(max_length=MAX_TOKEN_LENGTH)


class MobileSignOutRequest(Schema):
    refresh: str = Field(max_length=MAX_TOKEN_LENGTH)


class MobileTokenRefreshResponse(Schema):
    access: str
    # With JWT_ROTATE_REFRESH_TOKENS (sessions app) only; otherwise left out of the body.
    refresh: str | None = None


class WebSignInResponse(Schema):
    access: str


class ErrorDetail(Schema):
    """The body of every refusal (401, 403, 404, 413, 415, 429, 503): what was wrong, for the client."""

    detail: str


class ValidationErrorDetail(Schema):
    """The body of a 422: django-ninja's list of what is wrong with the request, one entry per field."""

    detail: list[dict[str, Any]]


def refusals(*statuses: int) -> dict[int, type[Schema]]:
    """An endpoint's refusals for its `response=`: each status with its body, so that OpenAPI lists them."""
    return {status: ValidationErrorDetail if status == 422 else ErrorDetail for status in statuses}


def no_content(response: HttpResponse) -> HttpResponse:
    """The 204 of an endpoint whose `response=` lists refusals too (django-ninja then defaults to 200)."""
    response.status_code = 204
    return response


class Empty(Schema):
    """An empty body (the original's schema of its sign-out's 204)."""


class _JsonBodyModel(BodyModel):
    @classmethod
    def get_request_data(cls, request: HttpRequest, api: Any, path_params: Any) -> Any:
        # ninja answers a body it cannot parse with 400; a malformed body is a validation error (422)
        # like a missing field, so clients handle both one way.
        try:
            return super().get_request_data(request, api, path_params)
        except RequestDataTooBig:
            # Django refuses to read it (DATA_UPLOAD_MAX_MEMORY_SIZE); left to ninja, that is a 500
            # with a traceback in DEBUG and an HTML 400 otherwise.
            raise HttpError(413, _("The body is too large.")) from None
        except HttpError as e:
            raise ValidationError(
                [{"type": "json_invalid", "loc": ["body"], "msg": _("The body is not valid JSON.")}]
            ) from e


class _JsonOnlyBodyModel(_JsonBodyModel):
    @classmethod
    def get_request_data(cls, request: HttpRequest, api: Any, path_params: Any) -> Any:
        # An HTML form on another site can post text/plain, urlencoded or multipart bodies without a
        # CORS preflight, but never application/json: refusing the rest stops login CSRF.
        if request.content_type != "application/json":
            raise HttpError(415, _("The body must be JSON (Content-Type: application/json)."))
        return super().get_request_data(request, api, path_params)


class JsonBody(Body):  # type: ignore[misc]
    """A JSON body parameter whose parse errors are 422, not 400, and a body too large a 413."""

    _model = _JsonBodyModel

    @classmethod
    def _param_source(cls) -> str:
        return "body"


class JsonOnlyBody(JsonBody):  # type: ignore[misc]
    """`JsonBody` that is also refused (415) unless its Content-Type is application/json."""

    _model = _JsonOnlyBodyModel
