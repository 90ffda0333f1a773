"""`sessions_router`: the caller's live sessions, to list and end (mount it at /auth/sessions/)."""

from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext
from ninja import Router, Schema
from ninja.errors import AuthenticationError, HttpError

from ninja_simple_jwt.apps import require_installed
from ninja_simple_jwt.auth.ninja_auth import HttpJwtAuth, of_trusted_issuer
from ninja_simple_jwt.auth.views.schemas import no_content, refusals
from ninja_simple_jwt.database import needs_database
from ninja_simple_jwt.sessions import sessions_enabled

require_installed()

__all__ = ["SessionOut", "sessions_router"]

sessions_router = Router(auth=HttpJwtAuth(), tags=["sessions"])


class SessionOut(Schema):
    id: str
    created: datetime
    last_used: datetime
    user_agent: str
    current: bool


def _caller(request: HttpRequest) -> tuple[Any, Any]:
    # The service imports the models: only when a route runs, so that mounting needs no app at import.
    if not sessions_enabled():  # also ninja_simple_jwt.E011 of manage.py check
        raise HttpError(404, gettext("Sessions are not enabled on this server."))
    claims: dict[str, Any] = request.auth  # type: ignore[attr-defined]
    if of_trusted_issuer(claims):
        # Its user ids are another issuer's: they name no user of this database, and no session here.
        raise AuthenticationError()
    return request.user.pk, claims.get("sid")


# 404: the sessions app is not installed (or, to end one, no such session of the caller's); 503: the keys,
# the database or the revocation cache cannot be used.
_REFUSALS = refusals(401, 404, 503)


@sessions_router.get("/", response={200: list[SessionOut], **_REFUSALS}, url_name="sessions_list")
@needs_database
def list_sessions(request: HttpRequest) -> list[dict[str, Any]]:
    """The caller's live sessions, newest first; `current` marks the one of this access token."""
    from ninja_simple_jwt.sessions.service import live_sessions

    user_id, sid = _caller(request)
    return [
        {
            "id": s.id.hex,
            "created": s.created_at,
            "last_used": s.last_used_at,
            "user_agent": s.user_agent,
            "current": s.id.hex == sid,
        }
        for s in live_sessions(user_id)
    ]


# Before "/{session_id}": django-ninja matches paths in the order routes are declared.
@sessions_router.post("/revoke-all", response={204: None, **_REFUSALS}, url_name="sessions_revoke_all")
@needs_database
def revoke_all_sessions(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """Ends every session of the caller, this one included."""
    from ninja_simple_jwt.sessions.models import EndReason
    from ninja_simple_jwt.sessions.service import end_user_sessions

    user_id, _ = _caller(request)
    end_user_sessions(user_id, EndReason.REVOKE_ALL)
    return no_content(response)


@sessions_router.delete("/{session_id}", response={204: None, **_REFUSALS}, url_name="sessions_end")
@needs_database
def end_one_session(request: HttpRequest, response: HttpResponse, session_id: str) -> HttpResponse:
    """Ends one of the caller's sessions; 404 for an id that is not one of theirs."""
    from ninja_simple_jwt.sessions.models import EndReason
    from ninja_simple_jwt.sessions.service import end_session

    user_id, _ = _caller(request)
    if not end_session(session_id, EndReason.ENDED_BY_USER, user_id=user_id):
        raise HttpError(404, gettext("No such session."))
    return no_content(response)
