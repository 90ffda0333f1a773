"""The errors of token handling: one hierarchy under `JwtError`.

Each class also subclasses the PyJWT exception of the same name, so code written against the original
package (`except jwt.ExpiredSignatureError`, `except jwt.PyJWTError`) keeps working.
"""

import jwt.exceptions as pyjwt

__all__ = [
    "DecodeError",
    "EncodeError",
    "ExpiredSignatureError",
    "ImmatureSignatureError",
    "InvalidAlgorithmError",
    "InvalidAudienceError",
    "InvalidIssuedAtError",
    "InvalidIssuerError",
    "InvalidKeyError",
    "InvalidSignatureError",
    "InvalidTokenError",
    "InvalidTokenTypeError",
    "JwtError",
    "KeyMismatchError",
    "KeyPairExistsError",
    "KeysUnavailableError",
    "MissingRequiredClaimError",
    "UnknownKeyIdError",
]


class JwtError(pyjwt.PyJWTError):
    """Base class of every error this package raises about tokens and keys."""


class InvalidTokenError(JwtError, pyjwt.InvalidTokenError):
    """The token must not be trusted; the views and `HttpJwtAuth` answer 401."""


class DecodeError(InvalidTokenError, pyjwt.DecodeError):
    """The token is not a well-formed JWT, or its header asks for what is never accepted (`crit`, `jku`,
    `jwk`, `x5u`, `x5c`, a `kid` that is not a string)."""


class InvalidSignatureError(DecodeError, pyjwt.InvalidSignatureError):
    """The signature does not match the token under the key its `kid` names."""


class InvalidAlgorithmError(InvalidTokenError, pyjwt.InvalidAlgorithmError):
    """The token names no algorithm, or another than the one its key is pinned to."""


class UnknownKeyIdError(InvalidTokenError):
    """The token's `kid` names no key of the key set (after looking for new keys once)."""


class ExpiredSignatureError(InvalidTokenError, pyjwt.ExpiredSignatureError):
    """The token's `exp` has passed."""


class ImmatureSignatureError(InvalidTokenError, pyjwt.ImmatureSignatureError):
    """The token's `iat` or `nbf` is in the future."""


class InvalidIssuedAtError(InvalidTokenError, pyjwt.InvalidIssuedAtError):
    """The token's `iat` is not a number."""


class MissingRequiredClaimError(InvalidTokenError, pyjwt.MissingRequiredClaimError):
    """The token lacks `exp`, `jti` or `token_type`."""


class InvalidIssuerError(InvalidTokenError, pyjwt.InvalidIssuerError):
    """The token's `iss` is not JWT_ISSUER, nor the issuer of a trusted issuer whose key verified it."""


class InvalidAudienceError(InvalidTokenError, pyjwt.InvalidAudienceError):
    """The token's `aud` names none of the audiences this service accepts."""


class InvalidTokenTypeError(InvalidTokenError):
    """A refresh token where an access token is expected, or the other way round."""


class InvalidKeyError(JwtError, pyjwt.InvalidKeyError):
    """A configured key is missing, cannot be read, or is not a usable key; the message says what to run."""


class KeyMismatchError(InvalidKeyError):
    """The private key does not belong to the public key given with it."""


class KeysUnavailableError(InvalidKeyError):
    """No keys of a trusted issuer are held: none could be fetched yet (a 503, the fetch logged why)."""


class EncodeError(JwtError):
    """The claims cannot be signed into a token."""


class KeyPairExistsError(JwtError):
    """`make_jwt_key` would overwrite an existing key pair; rotate it, or pass `force` to replace it."""
