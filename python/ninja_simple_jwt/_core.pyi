"""The Rust core: RSA keys, claim mapping, RS256 signing and verification. Private: use the package's API."""

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any, final

__all__ = [
    "REMEMBERED_TOKENS",
    "SigningKey",
    "VerifyingKey",
    "__version__",
    "decode_token",
    "decode_unverified",
    "encode_token",
    "generate_key_pair",
    "map_claims",
]

@final
class SigningKey:
    """An RSA private key (PKCS#1 or PKCS#8 PEM), parsed and validated once, that signs RS256 tokens."""

    def __new__(cls, pem: bytes) -> SigningKey: ...
    @property
    def bits(self) -> int:
        """The key's size in bits."""

REMEMBERED_TOKENS: int
"""How many verified tokens a VerifyingKey remembers by default (JWT_REMEMBERED_TOKENS)."""

__version__: str
"""The package's version: Cargo.toml's, the one place it is written."""

@final
class VerifyingKey:
    """An RSA public key (SPKI or PKCS#1 PEM), parsed once, that verifies RS256 tokens.

    It remembers up to `remember` tokens that passed `decode_token`, so that a token sent again skips
    the RSA work; their claims are still checked on every call. 0 remembers none. A new key (new
    settings, new keys on disk) starts with an empty memory.
    """

    def __new__(cls, pem: bytes, remember: int = ...) -> VerifyingKey: ...

def generate_key_pair(bits: int = 2048) -> tuple[bytes, bytes]:
    """Makes a new RSA key pair: (PKCS#1 private PEM, SPKI public PEM)."""

def map_claims(user: Any, claim_map: Mapping[str, str | Callable[[Any], Any]]) -> dict[str, Any]:
    """The claims for `user`: each claim's value is the named attribute, or the callable's result."""

def encode_token(
    key: SigningKey,
    payload: dict[str, Any],
    token_type: str,
    now: datetime,
    lifetime: timedelta,
    default: Callable[[Any], Any] | None = None,
    headers: dict[str, Any] | None = None,
) -> tuple[str, dict[str, Any]]:
    """Signs `payload` plus `jti`, `exp`, `iat` and `token_type`; returns the token and those claims."""

def decode_token(
    key: VerifyingKey,
    token: str,
    token_type: str | None,
    now: datetime,
    leeway: float = 0.0,
) -> dict[str, Any]:
    """Verifies `token` and returns its claims; raises a `ninja_simple_jwt.exceptions` error otherwise.

    A token `key` verified before skips the signature check; `exp`, `iat`, `nbf`, `jti` and
    `token_type` are checked every time.
    """

def decode_unverified(token: str) -> dict[str, Any]:
    """The claims of `token` without any check. Never use this to authenticate."""
