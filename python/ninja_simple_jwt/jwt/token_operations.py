"""Making and checking tokens: the public API the views and `HttpJwtAuth` are built on."""

from collections.abc import Callable, Mapping
from datetime import datetime
from datetime import timezone as dt_timezone
from enum import Enum
from json import JSONEncoder
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.utils import timezone
from django.utils.module_loading import import_string

from ninja_simple_jwt import _core
from ninja_simple_jwt.exceptions import DecodeError, InvalidIssuerError, InvalidKeyError, UnknownKeyIdError
from ninja_simple_jwt.jwt.key_retrieval import key_ring
from ninja_simple_jwt.jwt.remote_keys import trusted_issuers
from ninja_simple_jwt.settings import ninja_simple_jwt_settings, on_reload
from ninja_simple_jwt.users import id_claim, load_user

__all__ = [
    "TokenTypes",
    "decode_token",
    "encode_token",
    "get_access_token_for_user",
    "get_access_token_from_refresh_token",
    "get_refresh_token_for_user",
    "get_token_payload_for_user",
    "verification_would_wait",
]


class TokenTypes(str, Enum):
    """The `token_type` claim."""

    ACCESS = "access"
    REFRESH = "refresh"


def get_token_payload_for_user(user: AbstractBaseUser) -> dict[str, Any]:
    """The claims TOKEN_CLAIM_USER_ATTRIBUTE_MAP takes from `user` (attributes or callables)."""
    return _core.map_claims(user, ninja_simple_jwt_settings.TOKEN_CLAIM_USER_ATTRIBUTE_MAP)


def get_refresh_token_for_user(user: AbstractBaseUser) -> tuple[str, dict[str, Any]]:
    """A refresh token for `user`, and its claims."""
    return encode_token(get_token_payload_for_user(user), TokenTypes.REFRESH)


def get_access_token_for_user(user: AbstractBaseUser) -> tuple[str, dict[str, Any]]:
    """An access token for `user`, and its claims."""
    return encode_token(get_token_payload_for_user(user), TokenTypes.ACCESS)


def get_access_token_from_refresh_token(refresh_token: str) -> tuple[str, dict[str, Any]]:
    """A new access token from a valid refresh token.

    When the claim map has a user id claim, the user is read again: a deleted or deactivated user gets
    no new access token, and changed attributes reach the new token.
    """
    claims = decode_token(refresh_token, token_type=TokenTypes.REFRESH)
    if id_claim() is not None:
        payload = get_token_payload_for_user(load_user(claims))
    else:
        payload = {claim: claims.get(claim) for claim in ninja_simple_jwt_settings.TOKEN_CLAIM_USER_ATTRIBUTE_MAP}
    return encode_token(payload, TokenTypes.ACCESS)


def encode_token(
    payload: Mapping[str, Any],
    token_type: TokenTypes,
    json_encoder: type[JSONEncoder] | None = None,
    **additional_headers: Any,
) -> tuple[str, dict[str, Any]]:
    """Signs `payload` with `jti`, `exp`, `iat` and `token_type` added; returns the token and its claims.

    The current key signs, and its id goes in the header (`kid`). Values JSON cannot hold go through
    `json_encoder` (default: TOKEN_USER_ENCODER_CLS); what cannot be encoded raises `EncodeError`.
    """
    s = ninja_simple_jwt_settings
    token_type = TokenTypes(token_type)
    lifetime = s.JWT_REFRESH_TOKEN_LIFETIME if token_type is TokenTypes.REFRESH else s.JWT_ACCESS_TOKEN_LIFETIME
    return _core.encode_token(
        key_ring.signing_set(),
        payload if type(payload) is dict else dict(payload),
        token_type,
        _now(),
        lifetime,
        _encoder_default(json_encoder),
        additional_headers or None,
    )


def decode_token(token: str | bytes, token_type: TokenTypes | None, verify: bool = True) -> dict[str, Any]:
    """The claims of a valid token of `token_type`; raises an `InvalidTokenError` subclass otherwise.

    Checks the signature with the key the token's `kid` names (the current key if none), `exp` (required),
    `iat` and `nbf` with JWT_LEEWAY, `jti` and `token_type`. An unknown `kid` makes the process look for
    new keys once. `verify=False` returns the claims unchecked: never use that to authenticate.
    """
    if type(token) is not str:
        if not isinstance(token, bytes | bytearray | str):
            raise DecodeError("Invalid token: expected a string.")
        token = token.decode("ascii", "replace") if isinstance(token, bytes | bytearray) else str(token)
    if not token.isascii():
        raise DecodeError("Invalid token: not ASCII.")
    if not verify:
        return _core.decode_unverified(token)
    # A TokenTypes member is the string the core wants (this is the path of every request).
    expected = token_type if token_type is None or type(token_type) is TokenTypes else TokenTypes(token_type)
    leeway = ninja_simple_jwt_settings.JWT_LEEWAY.total_seconds()
    now = timezone.now().timestamp()
    if expected is TokenTypes.ACCESS and ninja_simple_jwt_settings.JWT_TRUSTED_ISSUERS:
        # The token's `iss` picks the keys before anything else is looked at.
        remote, kid = trusted_issuers.route(token)
        if remote is not None:
            return _core.decode_token(remote.key_set(kid), token, expected, now, leeway)
        try:
            key_ring.key_set()
        except InvalidKeyError:
            # A verify-only service has no keys of its own: a token claiming to be its own is not trusted.
            raise InvalidIssuerError("The token's issuer is not trusted.") from None
    try:
        return _core.decode_token(key_ring.key_set(), token, expected, now, leeway)
    except UnknownKeyIdError:
        # Signed by a key made since this process read the keys (a rotation elsewhere), or made up.
        if not key_ring.read_for_unknown_kid():
            raise
        return _core.decode_token(key_ring.key_set(), token, expected, now, leeway)


def verification_would_wait(token: str) -> bool:
    """Whether verifying the access token `token` would wait for the network: a trusted issuer's token
    whose `kid` its held keys do not know, while a fetch is in flight or allowed. An async caller sends
    only these to a thread; every other verification is CPU work of microseconds."""
    if not ninja_simple_jwt_settings.JWT_TRUSTED_ISSUERS:
        return False
    try:
        remote, kid = trusted_issuers.route(token)
    except Exception:
        return False
    return remote is not None and remote.would_wait(kid)


def _now() -> datetime:
    # Django's clock, so freezegun and time-machine work in users' tests, in UTC. A naive value
    # (USE_TZ = False) is read by its own timestamp(), as the original did: local time for a real
    # datetime, UTC for freezegun's. Verification takes that timestamp directly.
    now = timezone.now()
    if now.tzinfo is None:
        return datetime.fromtimestamp(now.timestamp(), dt_timezone.utc)
    return now.astimezone(dt_timezone.utc)


# One encoder instance per class: `default` holds no state, and building one per token costs time.
_encoder_defaults: dict[type[JSONEncoder], Callable[[Any], Any]] = {}


def _encoder_default(json_encoder: type[JSONEncoder] | None) -> Callable[[Any], Any]:
    encoder: type[JSONEncoder] = json_encoder or import_string(ninja_simple_jwt_settings.TOKEN_USER_ENCODER_CLS)
    default = _encoder_defaults.get(encoder)
    if default is None:
        default = _encoder_defaults[encoder] = encoder().default
    return default


on_reload(_encoder_defaults.clear)
