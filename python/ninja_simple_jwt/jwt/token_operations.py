"""Making and checking tokens: the public API the views and `HttpJwtAuth` are built on."""

import time
from collections.abc import Callable, Mapping
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
    "TokenUserJsonEncoder",  # noqa: F822 (the module's __getattr__ resolves it when asked for)
    "decode_token",
    "decode_token_from_memory",
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


# The members as module globals: an Enum class attribute is a descriptor lookup on every request.
_ACCESS, _REFRESH = TokenTypes.ACCESS, TokenTypes.REFRESH


def __getattr__(name: str) -> Any:
    # TokenUserJsonEncoder, the original's module-level import of TOKEN_USER_ENCODER_CLS: resolved when
    # asked for, so that it follows the settings (the original's was fixed at import).
    if name == "TokenUserJsonEncoder":
        return import_string(ninja_simple_jwt_settings.TOKEN_USER_ENCODER_CLS)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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


def _encode_token(
    payload: Mapping[str, Any],
    token_type: TokenTypes,
    json_encoder: type[JSONEncoder] | None = None,
    **additional_headers: Any,
) -> tuple[str, dict[str, Any]]:
    """`encode_token`, every case: the public one (`_api.encode_token`) signs the common ones, a dict with
    the key in memory, in the core, and calls this for the rest."""
    return _encode(payload, token_type, json_encoder, additional_headers or None)


def reissue_token(claims: Mapping[str, Any], token_type: TokenTypes) -> tuple[str, dict[str, Any]]:
    """`claims` (of a token issued before) signed again with their own `jti` and `exp`: the same token
    for the server, which reads only those (the `iat` is now)."""
    return _encode(claims, token_type, None, None, jti=claims["jti"], exp=claims["exp"])


def _encode(
    payload: Mapping[str, Any],
    token_type: TokenTypes,
    json_encoder: type[JSONEncoder] | None,
    headers: dict[str, Any] | None,
    jti: str | None = None,
    exp: int | None = None,
) -> tuple[str, dict[str, Any]]:
    s = ninja_simple_jwt_settings
    if type(token_type) is not TokenTypes:
        token_type = TokenTypes(token_type)
    lifetime = s.JWT_REFRESH_TOKEN_LIFETIME if token_type is _REFRESH else s.JWT_ACCESS_TOKEN_LIFETIME
    default = _encoder_defaults.get(json_encoder) or _encoder_default(json_encoder)
    key_set = key_ring.key_set()
    if type(payload) is not dict:
        payload = dict(payload)
    try:
        if headers is None and jti is None and exp is None:  # every sign-in and refresh: what is given
            return _core.encode_token(key_set, payload, token_type, _now(), lifetime.total_seconds(), default)
        return _core.encode_token(
            key_set, payload, token_type, _now(), lifetime.total_seconds(), default, headers, jti, exp
        )
    except InvalidKeyError:
        key_ring.signing_set()  # raises the error that says which private key is missing, and why
        raise


def _decode_token(token: str | bytes, token_type: TokenTypes | None, verify: bool = True) -> dict[str, Any]:
    """`decode_token`, every case: the public one (`_api.decode_token`) answers the common ones, a token
    the keys in memory can check, in the core, and calls this for the rest."""
    if type(token) is not str or not token.isascii():
        token = _ascii(token)  # a request's token is an ASCII str: no call for it
    if not verify:
        return _core.decode_unverified(token)
    expected, now, leeway = _expectations(token_type)
    if expected is _ACCESS and ninja_simple_jwt_settings.JWT_TRUSTED_ISSUERS:
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


def _decode_token_from_memory(token: str | bytes, token_type: TokenTypes | None) -> dict[str, Any] | None:
    """`decode_token_from_memory`, every case (see `_decode_token`)."""
    if type(token) is not str or not token.isascii():
        token = _ascii(token)  # a request's token is an ASCII str: no call for it
    expected, now, leeway = _expectations(token_type)
    if expected is _ACCESS and ninja_simple_jwt_settings.JWT_TRUSTED_ISSUERS:
        remote, kid = trusted_issuers.route(token)
        if remote is not None:
            if remote.would_wait(kid):
                return None
            return _core.decode_token(remote.key_set(kid), token, expected, now, leeway)
    key_set = key_ring.current()
    if key_set is None:
        return None
    try:
        return _core.decode_token(key_set, token, expected, now, leeway)
    except UnknownKeyIdError:
        return None


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


def _ascii(token: str | bytes) -> str:
    if type(token) is not str:
        if not isinstance(token, bytes | bytearray | str):
            raise DecodeError("Invalid token: expected a string.")
        token = token.decode("ascii", "replace") if isinstance(token, bytes | bytearray) else str(token)
    if not token.isascii():
        raise DecodeError("Invalid token: not ASCII.")
    return token


def _expectations(token_type: TokenTypes | None) -> tuple[TokenTypes | None, float, float]:
    """The expected type, the time (Django's clock, read once) and the leeway in seconds."""
    # A TokenTypes member is the string the core wants (this is the path of every request).
    expected = token_type if token_type is None or type(token_type) is TokenTypes else TokenTypes(token_type)
    return expected, _now(), ninja_simple_jwt_settings.JWT_LEEWAY.total_seconds()


_django_now = timezone.now


def _now() -> float:
    """Django's clock as seconds since the epoch, so that freezegun and time-machine work in users' tests.

    A number, so no datetime type is looked up (or remembered). While `timezone.now` is Django's own,
    `time.time()` is the same clock for a fraction of the cost (about half the Python around a
    verification): freezegun and time-machine patch it too, and a naive `timezone.now()` (USE_TZ = False)
    is local time, whose timestamp() is that number. A `timezone.now` patched any other way is asked.
    """
    if timezone.now is _django_now:
        return time.time()
    return timezone.now().timestamp()


# One encoder instance per class: `default` holds no state, and building one per token costs time.
_encoder_defaults: dict[type[JSONEncoder] | None, Callable[[Any], Any]] = {}


def _encoder_default(json_encoder: type[JSONEncoder] | None) -> Callable[[Any], Any]:
    # Under None, TOKEN_USER_ENCODER_CLS's: imported once, not on every token (until the settings change).
    default = _encoder_defaults.get(json_encoder)
    if default is None:
        encoder = json_encoder or import_string(ninja_simple_jwt_settings.TOKEN_USER_ENCODER_CLS)
        default = _encoder_defaults[json_encoder] = encoder().default
    return default


on_reload(_encoder_defaults.clear)


# The public functions: what the keys in memory can sign or check is done in the core, which reads the clock,
# the settings and the key ring as the functions above do; every other call goes to them. Their docstrings
# are the core's.
_api = _core.TokenApi(
    _encode_token,
    _decode_token,
    _decode_token_from_memory,
    _encoder_defaults,
    _ACCESS,
    _REFRESH,
    time,
    timezone,
    _django_now,
    key_ring,
    ninja_simple_jwt_settings,
)
encode_token = _api.encode_token
decode_token = _api.decode_token
decode_token_from_memory = _api.decode_token_from_memory
