"""Starting, refreshing and ending sessions: what the auth views, the signals and the admin call.

Rotation follows RFC 9700 §4.14.2: each refresh uses up the refresh token presented and returns a new
one; a used-up token presented again is a theft signal that ends the whole session, except within
JWT_REFRESH_REUSE_GRACE of its rotation (two tabs, a retried request), when it gets an access token only.
"""

import logging
import uuid
from datetime import datetime
from datetime import timezone as dt_timezone
from typing import Any, NamedTuple

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from ninja_simple_jwt.exceptions import InvalidTokenError
from ninja_simple_jwt.jwt.token_operations import TokenTypes, decode_token, encode_token, get_token_payload_for_user
from ninja_simple_jwt.sessions.models import EndReason, JwtSession
from ninja_simple_jwt.sessions.revocation import revoke_access_tokens
from ninja_simple_jwt.settings import ninja_simple_jwt_settings

__all__ = [
    "IssuedTokens",
    "end_session",
    "end_sessions",
    "end_user_sessions",
    "live_sessions",
    "refresh_session",
    "start_session",
]

logger = logging.getLogger("ninja_simple_jwt")

USER_AGENT_LENGTH = 256


class IssuedTokens(NamedTuple):
    """An access token, and a refresh token with its claims when one was issued."""

    access: str
    refresh: str | None = None
    refresh_claims: dict[str, Any] | None = None


def _expiry(claims: dict[str, Any]) -> datetime:
    return datetime.fromtimestamp(claims["exp"], dt_timezone.utc)


def _payload(user: AbstractBaseUser, sid: str) -> dict[str, Any]:
    payload = get_token_payload_for_user(user)
    payload["sid"] = sid
    return payload


def start_session(request: HttpRequest, user: AbstractBaseUser) -> IssuedTokens:
    """A new session for `user`: its refresh and access tokens, both carrying its id in `sid`."""
    sid = uuid.uuid4().hex
    payload = _payload(user, sid)
    refresh, refresh_claims = encode_token(payload, TokenTypes.REFRESH)
    access, _ = encode_token(payload, TokenTypes.ACCESS)
    now = timezone.now()
    JwtSession.objects.create(
        id=sid,
        user_id=user.pk,
        created_at=now,
        last_used_at=now,
        expires_at=_expiry(refresh_claims),
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:USER_AGENT_LENGTH],
        refresh_jti=refresh_claims["jti"],
    )
    return IssuedTokens(access, refresh, refresh_claims)


def _live_session(claims: dict[str, Any]) -> JwtSession:
    sid = claims.get("sid")
    if not isinstance(sid, str):
        raise InvalidTokenError("The token belongs to no session: sign in again.")
    try:
        session = JwtSession.objects.select_related("user").get(pk=sid)
    except (JwtSession.DoesNotExist, ValidationError, ValueError):
        raise InvalidTokenError("The token's session does not exist.") from None
    if session.revoked_at is not None:
        raise InvalidTokenError("The token's session has ended.")
    if not getattr(session.user, "is_active", True):
        raise InvalidTokenError("The token's user is inactive.")
    return session


def refresh_session(refresh_token: str) -> IssuedTokens:
    """A new access token for a refresh token of a live session, and with rotation a new refresh token.

    Raises `InvalidTokenError` for a bad token, an ended session, or a used-up token (which ends the
    session). Concurrent refreshes of one token rotate it once: the update is conditional on the jti.
    """
    s = ninja_simple_jwt_settings
    claims = decode_token(refresh_token, token_type=TokenTypes.REFRESH)
    session = _live_session(claims)
    sid = session.id.hex
    payload = _payload(session.user, sid)
    jti = claims["jti"]
    now = timezone.now()
    sessions = JwtSession.objects.filter(pk=session.pk, revoked_at=None)
    if jti == session.refresh_jti:
        if not s.JWT_ROTATE_REFRESH_TOKENS:
            sessions.update(last_used_at=now)
            return IssuedTokens(encode_token(payload, TokenTypes.ACCESS)[0])
        refresh, refresh_claims = encode_token(payload, TokenTypes.REFRESH)
        rotated = sessions.filter(refresh_jti=jti).update(
            refresh_jti=refresh_claims["jti"],
            previous_jti=jti,
            rotated_at=now,
            last_used_at=now,
            expires_at=_expiry(refresh_claims),
        )
        if rotated:
            return IssuedTokens(encode_token(payload, TokenTypes.ACCESS)[0], refresh, refresh_claims)
        # Another request rotated this token first: from here on it is a used-up token.
        session = _live_session(claims)
    grace = s.JWT_REFRESH_REUSE_GRACE
    if jti == session.previous_jti and session.rotated_at is not None and now - session.rotated_at <= grace:
        return IssuedTokens(encode_token(payload, TokenTypes.ACCESS)[0])
    end_sessions(sessions, EndReason.REFRESH_REUSE)
    logger.warning("A used-up refresh token was presented again: ended session %s of user %s.", sid, session.user_id)
    raise InvalidTokenError("The refresh token was used up: its session has ended.")


def end_sessions(sessions: "QuerySet[JwtSession]", reason: EndReason) -> int:
    """Ends the live sessions among `sessions`; returns how many it ended.

    With JWT_REVOKE_ACCESS_TOKENS their ids go to the cache first, so that if the cache cannot be
    reached nothing has changed and the caller gets a 503 to retry.
    """
    ids = list(sessions.filter(revoked_at=None).values_list("pk", flat=True))
    if not ids:
        return 0
    if ninja_simple_jwt_settings.JWT_REVOKE_ACCESS_TOKENS:
        revoke_access_tokens(sid.hex for sid in ids)
    return JwtSession.objects.filter(pk__in=ids, revoked_at=None).update(
        revoked_at=timezone.now(), revoked_reason=reason
    )


def end_session(sid: Any, reason: EndReason, user_id: Any = None) -> bool:
    """Ends the session `sid` (of `user_id` when given); False if there is no such live session."""
    try:
        sessions = JwtSession.objects.filter(pk=sid)
    except (ValidationError, ValueError):
        return False  # Not a session id.
    if user_id is not None:
        sessions = sessions.filter(user_id=user_id)
    return end_sessions(sessions, reason) > 0


def end_user_sessions(user_id: Any, reason: EndReason, started_before: datetime | None = None) -> int:
    """Ends the live sessions of a user (those started before `started_before`, when given)."""
    sessions = JwtSession.objects.filter(user_id=user_id)
    if started_before is not None:
        sessions = sessions.filter(created_at__lt=started_before)
    return end_sessions(sessions, reason)


def live_sessions(user_id: Any) -> "QuerySet[JwtSession]":
    """The user's sessions that are neither ended nor expired, newest first."""
    return JwtSession.objects.filter(user_id=user_id, revoked_at=None, expires_at__gt=timezone.now()).order_by(
        "-created_at"
    )
