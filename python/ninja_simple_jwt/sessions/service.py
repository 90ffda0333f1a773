"""Starting, refreshing and ending sessions: what the auth views, the signals and the admin call.

Rotation follows RFC 9700 §4.14.2: each refresh uses up the refresh token presented and returns a new
one; a used-up token presented again is a theft signal that ends the whole session, except within
JWT_REFRESH_REUSE_GRACE of its rotation (two tabs, a retried request), when it gets an access token and
the token that replaced it. The audit signals of `ninja_simple_jwt.signals` are sent from here.
"""

import functools
import logging
import uuid
from datetime import datetime
from datetime import timezone as dt_timezone
from typing import Any, NamedTuple

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import connections, router, transaction
from django.db.models import Field, ForeignKey, ForeignObjectRel, Model, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from ninja_simple_jwt.exceptions import InvalidTokenError
from ninja_simple_jwt.jwt.token_operations import (
    TokenTypes,
    decode_token,
    encode_token,
    get_token_payload_for_user,
    reissue_token,
)
from ninja_simple_jwt.sessions.models import EndReason, JwtSession
from ninja_simple_jwt.sessions.revocation import revoke_access_tokens
from ninja_simple_jwt.settings import ninja_simple_jwt_settings
from ninja_simple_jwt.signals import refresh_token_reused, session_ended, session_started

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
    session_started.send(sender=JwtSession, request=request, user=user, session_id=sid)
    return IssuedTokens(access, refresh, refresh_claims)


def _session_id(claims: dict[str, Any]) -> uuid.UUID:
    sid = claims.get("sid")
    if not isinstance(sid, str):
        raise InvalidTokenError("The token belongs to no session: sign in again.")
    try:
        return uuid.UUID(sid)
    except ValueError:
        raise InvalidTokenError("The token's session does not exist.") from None


def _live_session(sid: uuid.UUID) -> JwtSession:
    try:
        session = JwtSession.objects.select_related("user").get(pk=sid)
    except JwtSession.DoesNotExist:
        raise InvalidTokenError("The token's session does not exist.") from None
    if session.revoked_at is not None:
        raise InvalidTokenError("The token's session has ended.")
    if not getattr(session.user, "is_active", True):
        raise InvalidTokenError("The token's user is inactive.")
    return session


def _field(name: str) -> "Field[Any, Any]":
    field = JwtSession._meta.get_field(name)
    assert isinstance(field, Field)
    return field


@functools.lru_cache(maxsize=8)
def _use_sql(alias: str, user_model: type[Model], columns: tuple[str, ...]) -> tuple[str, int]:
    """PostgreSQL: one statement that sets `columns` of a live session whose current refresh token has
    the given jti, when its user is active, and returns that user's row; and how many `is_active`
    parameters it takes (none for a user model without such a field)."""
    quote = connections[alias].ops.quote_name

    def column(field: "Field[Any, Any] | ForeignObjectRel") -> str:
        assert isinstance(field, Field) and field.column
        return quote(field.column)

    meta, user_meta = JwtSession._meta, user_model._meta
    user_fk = meta.get_field("user")
    assert isinstance(user_fk, ForeignKey)
    active = [f for f in user_meta.concrete_fields if f.name == "is_active"]
    return " ".join(
        [
            f"UPDATE {quote(meta.db_table)} AS s SET",
            ", ".join(f"{column(meta.get_field(c))} = %s" for c in columns),
            f"FROM {quote(user_meta.db_table)} AS u",
            f"WHERE s.{column(meta.pk)} = %s AND s.{column(meta.get_field('refresh_jti'))} = %s",
            f"AND s.{column(meta.get_field('revoked_at'))} IS NULL",
            f"AND u.{column(user_fk.target_field)} = s.{column(user_fk)}",
            *(f"AND u.{column(f)} = %s" for f in active),
            "RETURNING",
            ", ".join(f"u.{column(f)}" for f in user_meta.concrete_fields),
        ]
    ), len(active)


def _in_one_table(user_model: type[Model]) -> bool:
    """Whether all of the user's fields are in its own table (not so with multi-table inheritance)."""
    table = user_model._meta.db_table
    return all(f.model._meta.db_table == table for f in user_model._meta.concrete_fields)


def _use_session(sid: uuid.UUID, jti: str, changes: dict[str, Any]) -> AbstractBaseUser | None:
    """Writes `changes` to the live session `sid` if `jti` is its current refresh token and its user is
    active, and returns the user; None otherwise (the caller finds out why).

    The update is conditional on the jti, so of concurrent refreshes of one token only one succeeds.
    On PostgreSQL it is one statement, which also returns the user; elsewhere the update, then a read.
    """
    max_length = _field("refresh_jti").max_length
    if (max_length is not None and len(jti) > max_length) or "\x00" in jti:
        return None  # Not the session's, and a string PostgreSQL would refuse: an error, not a 401.
    alias = router.db_for_write(JwtSession)
    connection = connections[alias]
    user_model = get_user_model()
    if connection.vendor == "postgresql" and _in_one_table(user_model):
        sql, actives = _use_sql(alias, user_model, tuple(changes))
        meta = JwtSession._meta
        params = [_field(c).get_db_prep_save(v, connection) for c, v in changes.items()]
        params += [meta.pk.get_db_prep_value(sid, connection), jti, *[True] * actives]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
        if row is None:
            return None
        # What the ORM does with a row it reads: each field's converters, then from_db().
        fields = user_model._meta.concrete_fields
        values = list(row)
        for i, field in enumerate(fields):
            col = field.get_col(user_model._meta.db_table)
            for convert in connection.ops.get_db_converters(col) + col.get_db_converters(connection):
                values[i] = convert(values[i], col, connection)
        user: AbstractBaseUser = user_model.from_db(alias, [f.attname for f in fields], values)
        # A user model whose is_active is no field could not be checked in the statement.
        return user if getattr(user, "is_active", True) else None
    # The write first, then the read: on SQLite a transaction that reads before it writes fails at once
    # ("database is locked") when another one writes meanwhile, where a write waits its turn.
    try:
        with transaction.atomic(using=alias):
            if not JwtSession.objects.filter(pk=sid, refresh_jti=jti, revoked_at=None).update(**changes):
                return None
            owner: AbstractBaseUser = JwtSession.objects.select_related("user").get(pk=sid).user
            if not getattr(owner, "is_active", True):
                raise _Inactive  # rolls the update back: the token is not used up
            return owner
    except _Inactive:
        return None


class _Inactive(Exception):
    """The session's user is inactive: undo the update."""


def refresh_session(refresh_token: str, request: HttpRequest | None = None) -> IssuedTokens:
    """A new access token for a refresh token of a live session, and with rotation a new refresh token.

    Raises `InvalidTokenError` for a bad token, an ended session, or a used-up token (which ends the
    session). Concurrent refreshes of one token rotate it once: the update is conditional on the jti.
    A rotation is all or nothing: the access token is made inside the update's transaction, so if its
    claims or its signature fail, the session keeps the refresh token the client still holds. Within the
    grace, the token just rotated gets its successor again (the same jti, signed anew), so a client whose
    answer was lost goes on. `request` goes to the `refresh_token_reused` signal.
    """
    s = ninja_simple_jwt_settings
    claims = decode_token(refresh_token, token_type=TokenTypes.REFRESH)
    sid = _session_id(claims)
    jti = claims["jti"]
    now = timezone.now()
    refresh = refresh_claims = None
    changes: dict[str, Any] = {"last_used_at": now}
    if s.JWT_ROTATE_REFRESH_TOKENS:
        # Signed before the update that stores its jti, and so before the user is read: it carries the
        # claims of the token it replaces (the server reads only sid, jti and exp from a refresh token).
        refresh, refresh_claims = encode_token(claims, TokenTypes.REFRESH)
        changes.update(
            refresh_jti=refresh_claims["jti"], previous_jti=jti, rotated_at=now, expires_at=_expiry(refresh_claims)
        )
        with transaction.atomic(using=router.db_for_write(JwtSession)):
            # An exception from here on rolls the rotation back.
            user = _use_session(sid, jti, changes)
            if user is not None:
                return IssuedTokens(_access_token(user, sid), refresh, refresh_claims)
    else:
        # Only last_used_at changes: nothing to undo if the signature fails, and no transaction to pay for.
        user = _use_session(sid, jti, changes)
        if user is not None:
            return IssuedTokens(_access_token(user, sid))
    # Not the session's current refresh token (or another request rotated it first), an ended session,
    # or an inactive user: find out which.
    session = _live_session(sid)
    grace = s.JWT_REFRESH_REUSE_GRACE
    if jti == session.previous_jti and session.rotated_at is not None and now - session.rotated_at <= grace:
        # The successor is the session's current refresh token: the same for the server, whichever
        # copy the client keeps (the first answer may have been lost, or overtaken by this one).
        successor, successor_claims = reissue_token(
            {**claims, "jti": session.refresh_jti, "exp": int(session.expires_at.timestamp())}, TokenTypes.REFRESH
        )
        return IssuedTokens(_access_token(session.user, sid), successor, successor_claims)
    end_sessions(JwtSession.objects.filter(pk=sid), EndReason.REFRESH_REUSE)
    logger.warning(
        "A used-up refresh token was presented again: ended session %s of user %s.", sid.hex, session.user_id
    )
    refresh_token_reused.send(sender=JwtSession, request=request, user_id=session.user_id, session_id=sid.hex)
    raise InvalidTokenError("The refresh token was used up: its session has ended.")


def _access_token(user: AbstractBaseUser, sid: uuid.UUID) -> str:
    return encode_token(_payload(user, sid.hex), TokenTypes.ACCESS)[0]


def end_sessions(sessions: "QuerySet[JwtSession]", reason: EndReason) -> int:
    """Ends the live sessions among `sessions`; returns how many it ended.

    With JWT_REVOKE_ACCESS_TOKENS their ids go to the cache first, so that if the cache cannot be
    reached nothing has changed and the caller gets a 503 to retry.
    """
    live = list(sessions.filter(revoked_at=None).values_list("pk", "user_id"))
    if not live:
        return 0
    if ninja_simple_jwt_settings.JWT_REVOKE_ACCESS_TOKENS:
        revoke_access_tokens(sid.hex for sid, _ in live)
    ended = JwtSession.objects.filter(pk__in=[sid for sid, _ in live], revoked_at=None).update(
        revoked_at=timezone.now(), revoked_reason=reason
    )
    for sid, user_id in live:
        session_ended.send(sender=JwtSession, user_id=user_id, session_id=sid.hex, reason=reason)
    return ended


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
