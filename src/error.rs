//! The one error type of the core. `python::errors` maps each variant to its Python exception class.
//!
//! Messages say what was wrong and never contain a token, a claim value or key material: they end up in
//! logs and API responses.

use std::fmt;

/// Everything that can go wrong in the core.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// The token is not a well-formed compact JWS with JSON header and payload.
    Decode(String),
    /// The header names no algorithm, or another than its key's.
    InvalidAlgorithm(String),
    /// The header's `kid` names no key of the set.
    UnknownKeyId,
    /// The signature does not match the header and payload under the key.
    InvalidSignature,
    /// `exp` is in the past (after leeway).
    Expired,
    /// `iat` or `nbf` is in the future (after leeway); the claim's name.
    Immature(&'static str),
    /// `iat` is present but not a number.
    InvalidIssuedAt,
    /// A claim this package requires is absent; the claim's name.
    MissingClaim(&'static str),
    /// A claim is present with a value of the wrong kind.
    InvalidClaim(String),
    /// `iss` is absent, or not the issuer the key set belongs to.
    InvalidIssuer,
    /// `aud` (or, in a trusted issuer's token without one, `client_id`) names none of the audiences.
    InvalidAudience,
    /// `token_type` is not the one the caller expects.
    InvalidTokenType { expected: String },
    /// A key could not be parsed or generated.
    InvalidKey(String),
    /// A private key and the public key given with it do not belong together.
    KeyMismatch,
    /// The claims could not be turned into JSON.
    Encode(String),
}

pub type Result<T> = std::result::Result<T, Error>;

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Decode(why) => write!(f, "Invalid token: {why}."),
            Error::InvalidAlgorithm(why) => {
                write!(f, "The token's algorithm is not allowed: {why}.")
            }
            Error::UnknownKeyId => f.write_str("The token's key id (kid) names no known key."),
            Error::InvalidSignature => f.write_str("Signature verification failed."),
            Error::Expired => f.write_str("Signature has expired."),
            Error::Immature(claim) => write!(f, "The token is not yet valid ({claim})."),
            Error::InvalidIssuedAt => f.write_str("Issued At claim (iat) must be an integer."),
            Error::MissingClaim(claim) => {
                write!(f, "Token is missing the \"{claim}\" claim.")
            }
            Error::InvalidClaim(why) => write!(f, "Invalid claim: {why}."),
            Error::InvalidIssuer => f.write_str("Invalid issuer (iss)."),
            Error::InvalidAudience => f.write_str("Invalid audience (aud)."),
            Error::InvalidTokenType { expected } => {
                write!(
                    f,
                    "Incorrect token type: expected a token of type \"{expected}\"."
                )
            }
            Error::InvalidKey(why) => write!(f, "Invalid key: {why}."),
            Error::KeyMismatch => {
                f.write_str("The private key does not belong to the public key given with it.")
            }
            Error::Encode(why) => write!(f, "Cannot encode the token claims: {why}."),
        }
    }
}

impl std::error::Error for Error {}

/// Runs `f`, turning a panic into `on_panic`: a bug in the core must end as an ordinary error (a 401 for a
/// token being read), never as a crashed request.
pub fn catch_panics<T>(
    on_panic: impl FnOnce() -> Error,
    f: impl FnOnce() -> Result<T>,
) -> Result<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(|_| {
        log::error!(target: crate::LOG_TARGET, "the core panicked; the operation was refused");
        Err(on_panic())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panics_become_errors() {
        let refused = || Error::Decode("the token could not be read".into());
        let panicking = || -> Result<()> { panic!("a bug") };
        assert_eq!(catch_panics(refused, panicking), Err(refused()));
        assert_eq!(catch_panics(refused, || Ok(7)), Ok(7));
        assert_eq!(
            catch_panics(refused, || Err::<(), _>(Error::Expired)),
            Err(Error::Expired)
        );
    }
}
