//! The Rust core of `ninja_simple_jwt`: keys (RS256, ES256, EdDSA), key sets found by `kid`, signing,
//! and verification with PyJWT's rules.
//!
//! The logic lives in plain Rust modules that know nothing of Python ([`keys`], [`keyset`], [`token`],
//! [`error`], and [`primitives`], the calls into aws-lc that sign and verify); `cargo test
//! --no-default-features` tests them without libpython. With the `python` feature, the `python` module
//! is the whole PyO3 layer: it converts values, maps errors to exception classes, and releases the GIL
//! around the long work (RSA signatures, keys).

/// The logger name the core's log lines carry, in Rust and in Python's `logging`.
pub const LOG_TARGET: &str = "ninja_simple_jwt.core";

pub mod error;
pub mod keys;
pub mod keyset;
pub mod primitives;
pub mod token;

#[cfg(all(feature = "python", not(feature = "fuzzing")))]
mod python;
// The fuzz targets reach the JSON <-> Python conversion.
#[cfg(all(feature = "python", feature = "fuzzing"))]
pub mod python;
