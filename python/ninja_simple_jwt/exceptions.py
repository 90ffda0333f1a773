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
    "InvalidIssuedAtError",
    "InvalidKeyError",
    "InvalidSignatureError",
    "InvalidTokenError",
    "InvalidTokenTypeError",
    "JwtError",
    "KeyPairExistsError",
    "MissingRequiredClaimError",
]


class JwtError(pyjwt.PyJWTError):
    """Base class of every error this package raises about tokens and keys."""


class InvalidTokenError(JwtError, pyjwt.InvalidTokenError):
    """The token must not be trusted; the views and `HttpJwtAuth` answer 401."""


class DecodeError(InvalidTokenError, pyjwt.DecodeError):
    """The token is not a well-formed RS256 JWT."""


class InvalidSignatureError(DecodeError, pyjwt.InvalidSignatureError):
    """The signature does not match the token under the configured public key."""


class InvalidAlgorithmError(InvalidTokenError, pyjwt.InvalidAlgorithmError):
    """The token names an algorithm other than RS256."""


class ExpiredSignatureError(InvalidTokenError, pyjwt.ExpiredSignatureError):
    """The token's `exp` has passed."""


class ImmatureSignatureError(InvalidTokenError, pyjwt.ImmatureSignatureError):
    """The token's `iat` or `nbf` is in the future."""


class InvalidIssuedAtError(InvalidTokenError, pyjwt.InvalidIssuedAtError):
    """The token's `iat` is not a number."""


class MissingRequiredClaimError(InvalidTokenError, pyjwt.MissingRequiredClaimError):
    """The token lacks `exp`, `jti` or `token_type`."""


class InvalidTokenTypeError(InvalidTokenError):
    """A refresh token where an access token is expected, or the other way round."""


class InvalidKeyError(JwtError, pyjwt.InvalidKeyError):
    """A configured key cannot be read or is not a usable RSA key."""


class EncodeError(JwtError):
    """The claims cannot be signed into a token."""


class KeyPairExistsError(JwtError):
    """`make_rsa` would overwrite an existing key pair; pass `force` to replace it."""
