"""The Rust core: RSA keys, claim mapping, RS256 signing and verification. Private: use the package's API."""

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any, final

__all__ = [
    "SigningKey",
    "VerifyingKey",
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

@final
class VerifyingKey:
    """An RSA public key (SPKI or PKCS#1 PEM), parsed once, that verifies RS256 tokens."""

    def __new__(cls, pem: bytes) -> VerifyingKey: ...

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
    """Verifies `token` and returns its claims; raises a `ninja_simple_jwt.exceptions` error otherwise."""

def decode_unverified(token: str) -> dict[str, Any]:
    """The claims of `token` without any check. Never use this to authenticate."""
