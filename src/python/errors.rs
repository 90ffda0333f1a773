//! Core errors as Python exceptions: one class per `Error` variant, matched at compile time.
//!
//! The classes are defined in Python (`ninja_simple_jwt.exceptions`) because each also subclasses the
//! PyJWT exception of the same name: code written against the original package catches
//! `jwt.ExpiredSignatureError` and friends.

use pyo3::PyErr;

use crate::error::Error;

mod classes {
    pyo3::import_exception!(ninja_simple_jwt.exceptions, DecodeError);
    pyo3::import_exception!(ninja_simple_jwt.exceptions, EncodeError);
    pyo3::import_exception!(ninja_simple_jwt.exceptions, ExpiredSignatureError);
    pyo3::import_exception!(ninja_simple_jwt.exceptions, ImmatureSignatureError);
    pyo3::import_exception!(ninja_simple_jwt.exceptions, InvalidAlgorithmError);
    pyo3::import_exception!(ninja_simple_jwt.exceptions, InvalidAudienceError);
    pyo3::import_exception!(ninja_simple_jwt.exceptions, InvalidIssuerError);
    pyo3::import_exception!(ninja_simple_jwt.exceptions, InvalidIssuedAtError);
    pyo3::import_exception!(ninja_simple_jwt.exceptions, InvalidKeyError);
    pyo3::import_exception!(ninja_simple_jwt.exceptions, InvalidSignatureError);
    pyo3::import_exception!(ninja_simple_jwt.exceptions, InvalidTokenError);
    pyo3::import_exception!(ninja_simple_jwt.exceptions, InvalidTokenTypeError);
    pyo3::import_exception!(ninja_simple_jwt.exceptions, KeyMismatchError);
    pyo3::import_exception!(ninja_simple_jwt.exceptions, MissingRequiredClaimError);
    pyo3::import_exception!(ninja_simple_jwt.exceptions, UnknownKeyIdError);
}

pub use classes::{EncodeError, UnknownKeyIdError};

impl From<Error> for PyErr {
    fn from(err: Error) -> PyErr {
        use classes::*;
        let message = err.to_string();
        match err {
            Error::Decode(_) => DecodeError::new_err(message),
            Error::InvalidAlgorithm(_) => InvalidAlgorithmError::new_err(message),
            Error::UnknownKeyId => UnknownKeyIdError::new_err(message),
            Error::InvalidSignature => InvalidSignatureError::new_err(message),
            Error::Expired => ExpiredSignatureError::new_err(message),
            Error::Immature(_) => ImmatureSignatureError::new_err(message),
            Error::InvalidIssuedAt => InvalidIssuedAtError::new_err(message),
            // PyJWT's class is built from the claim's name and writes its own message.
            Error::MissingClaim(claim) => MissingRequiredClaimError::new_err(claim),
            Error::InvalidClaim(_) => InvalidTokenError::new_err(message),
            Error::InvalidIssuer => InvalidIssuerError::new_err(message),
            Error::InvalidAudience => InvalidAudienceError::new_err(message),
            Error::InvalidTokenType { .. } => InvalidTokenTypeError::new_err(message),
            Error::InvalidKey(_) => InvalidKeyError::new_err(message),
            Error::KeyMismatch => KeyMismatchError::new_err(message),
            Error::Encode(_) => EncodeError::new_err(message),
        }
    }
}
