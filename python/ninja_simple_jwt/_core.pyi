"""The Rust core: keys (RS256, ES256, EdDSA), key sets found by `kid`, signing and verification.

Private: use the package's API.
"""

from collections.abc import Callable, Mapping, Sequence
from json import JSONEncoder
from typing import Any, Protocol, final

__all__ = [
    "ED25519_IFMA",
    "REMEMBERED_TOKENS",
    "KeySet",
    "SigningKey",
    "TokenApi",
    "VerifyingKey",
    "__version__",
    "decode_token",
    "decode_unverified",
    "encode_token",
    "generate_key_pair",
    "issuer_and_kid",
    "map_claims",
]

REMEMBERED_TOKENS: int
"""How many verified tokens a KeySet remembers by default (JWT_REMEMBERED_TOKENS)."""

ED25519_IFMA: bool
"""Whether this build carries curve25519-dalek's AVX-512 IFMA code for Ed25519 verification (Linux x86-64
builds; used where the CPU has IFMA)."""

@final
class SigningKey:
    """A private key, parsed and validated once, pinned to its algorithm: RSA (PKCS#1 or PKCS#8 PEM)
    signs RS256, P-256 (PKCS#8 or SEC1) ES256, Ed25519 (PKCS#8) EdDSA."""

    def __new__(cls, pem: bytes) -> SigningKey: ...
    @property
    def algorithm(self) -> str:
        """ "RS256", "ES256" or "EdDSA"."""
    @property
    def kid(self) -> str:
        """The id of the key's public half: its RFC 7638 thumbprint."""

__version__: str
"""The package's version: Cargo.toml's, the one place it is written."""

@final
class VerifyingKey:
    """A public key (SPKI PEM, or PKCS#1 for RSA), parsed once, pinned to its algorithm."""

    def __new__(cls, pem: bytes) -> VerifyingKey: ...
    @property
    def algorithm(self) -> str:
        """ "RS256", "ES256" or "EdDSA"."""
    @property
    def kid(self) -> str:
        """The key's RFC 7638 JWK thumbprint (SHA-256, base64url)."""
    def jwk(self) -> dict[str, str]:
        """The public JWK: `kty`, `kid`, `use`, `alg` and the key's public members."""

@final
class KeySet:
    """The current key and every key still accepted, found by `kid`.

    The first verifying key is the current one: it verifies tokens without a `kid`, and `signing_key`,
    if given, must be its private half (`KeyMismatchError` otherwise). The set remembers up to `remember`
    tokens it verified, so that a token sent again skips the signature; their claims are still checked
    on every call. 0 remembers none.
    """

    def __new__(
        cls,
        verifying_keys: Sequence[VerifyingKey],
        signing_key: SigningKey | None = None,
        remember: int = ...,
        *,
        issuer: str | None = None,
        audience: str | Sequence[str] | None = None,
    ) -> KeySet:
        """`issuer` and `audience`, when given, are signed into every token as `iss` and `aud`, and
        required of every token the set verifies (`InvalidIssuerError`, `InvalidAudienceError`)."""
    @staticmethod
    def from_jwks(
        jwks: bytes, *, issuer: str, audiences: Sequence[str], algorithms: Sequence[str], remember: int = ...
    ) -> tuple[KeySet, int]:
        """A verify-only set of another issuer's JWK Set (JSON bytes): its public signature keys of
        `algorithms`, each named by its `kid`; and how many members were skipped. Its tokens must carry
        `iss` == `issuer`, an `aud` (or, without one, a `client_id`) naming one of `audiences`, and no
        `token_type` or `token_use` other than "access"; `jti` is not required. `InvalidKeyError` if
        the set has no usable key."""
    def knows(self, kid: str | None) -> bool:
        """Whether the set has the key a token naming `kid` (None: no `kid`) is verified with."""
    @property
    def issuer(self) -> str | None:
        """The `iss` its tokens carry and require, if any."""
    @property
    def kids(self) -> list[str]:
        """The keys' ids, the current key's first."""
    @property
    def algorithm(self) -> str:
        """The current key's algorithm."""
    @property
    def can_sign(self) -> bool:
        """Whether the set holds the current key's private half."""
    @property
    def remembered(self) -> int:
        """How many verified tokens the set remembers now."""
    def jwks(self) -> dict[str, list[dict[str, str]]]:
        """The public keys as a JWK Set, the current key first."""

class _EncodeToken(Protocol):
    def __call__(
        self,
        payload: Mapping[str, Any],
        token_type: str,
        json_encoder: type[JSONEncoder] | None = None,
        **additional_headers: Any,
    ) -> tuple[str, dict[str, Any]]: ...

@final
class TokenApi:
    """`token_operations`' public `encode_token`, `decode_token` and `decode_token_from_memory`: what the
    key ring's set in memory can sign or check is done here, reading the clock, the settings and the key
    ring as the Python functions do; every other call goes to those functions."""

    def __new__(
        cls,
        encode: Callable[..., tuple[str, dict[str, Any]]],
        decode: Callable[..., dict[str, Any]],
        from_memory: Callable[..., dict[str, Any] | None],
        encoder_defaults: dict[Any, Callable[[Any], Any]],
        access: str,
        refresh: str,
        time: Any,
        timezone: Any,
        django_now: Callable[[], Any],
        key_ring: Any,
        settings: Any,
    ) -> TokenApi: ...
    @property
    def encode_token(self) -> _EncodeToken:
        """A builtin function (METH_FASTCALL) bound to this object."""
    def decode_token(self, token: str | bytes, token_type: str | None, verify: bool = True) -> dict[str, Any]: ...
    def decode_token_from_memory(self, token: str | bytes, token_type: str | None) -> dict[str, Any] | None: ...

def generate_key_pair(algorithm: str = "RS256", bits: int = 2048) -> tuple[bytes, bytes]:
    """Makes a new key pair: (private PEM, SPKI public PEM); RSA private keys are PKCS#1, others PKCS#8."""

def map_claims(user: Any, claim_map: Mapping[str, str | Callable[[Any], Any]]) -> dict[str, Any]:
    """The claims for `user`: each claim's value is the named attribute, or the callable's result."""

def encode_token(
    key_set: KeySet,
    payload: dict[str, Any],
    token_type: str,
    now: float,
    lifetime: float,
    default: Callable[[Any], Any] | None = None,
    headers: dict[str, Any] | None = None,
    jti: str | None = None,
    exp: int | None = None,
) -> tuple[str, dict[str, Any]]:
    """Signs `payload` plus `jti`, `exp`, `iat` and `token_type` with the set's current key; returns the
    token and its claims. `now` is seconds since the epoch, `lifetime` seconds; `iat` and `exp` are whole
    seconds. `jti` and `exp`, when given, replace the new token's own (a copy of a token already issued,
    signed again). What cannot be encoded raises `EncodeError`."""

def decode_token(
    key_set: KeySet,
    token: str,
    token_type: str | None,
    now: float,
    leeway: float = 0.0,
) -> dict[str, Any]:
    """Verifies `token` at `now` (seconds since the epoch) with the set and returns its claims; raises a
    `ninja_simple_jwt.exceptions` error otherwise (`UnknownKeyIdError` when its `kid` names no key of
    the set)."""

def issuer_and_kid(token: str) -> tuple[str | None, str | None]:
    """The token's `iss` and header `kid` (None where absent), unchecked: they choose the key set."""

def decode_unverified(token: str) -> dict[str, Any]:
    """The claims of `token` without any check. Never use this to authenticate."""
