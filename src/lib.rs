//! The Rust core of `ninja_simple_jwt`: RSA keys, claim mapping, RS256 signing and verification.
//!
//! The logic lives in plain Rust modules ([`keys`], [`token`]); with the `python` feature this file is the
//! thin PyO3 layer that converts values and releases the GIL around RSA work.

/// The logger name the core's log lines carry, in Rust and in Python's `logging`.
pub const LOG_TARGET: &str = "ninja_simple_jwt.core";

pub mod error;
pub mod keys;
pub mod token;

#[cfg(feature = "python")]
mod convert;

#[cfg(feature = "python")]
mod python {
    use chrono::{DateTime, FixedOffset, TimeDelta, Utc};
    use pyo3::exceptions::{PyAttributeError, PyTypeError};
    use pyo3::prelude::*;
    use pyo3::types::{PyBytes, PyDict, PyString};
    use serde_json::Value;

    use crate::convert::{dict_from_map, to_json_object};
    use crate::error::{catch_panics, Error};
    use crate::keys;
    use crate::token::{self, Expectations, Registered};

    fn key_refused() -> Error {
        Error::InvalidKey("the key could not be processed".into())
    }

    fn token_refused() -> Error {
        Error::Decode("the token could not be processed".into())
    }

    /// An RSA private key, parsed and validated once, that signs RS256 tokens.
    #[pyclass(frozen, module = "ninja_simple_jwt._core")]
    struct SigningKey(keys::SigningKey);

    #[pymethods]
    impl SigningKey {
        #[new]
        fn new(py: Python<'_>, pem: &[u8]) -> PyResult<Self> {
            let key =
                py.detach(|| catch_panics(key_refused, || keys::SigningKey::from_pem(pem)))?;
            Ok(SigningKey(key))
        }

        #[getter]
        fn bits(&self) -> usize {
            self.0.bits()
        }

        fn __repr__(&self) -> String {
            format!("<SigningKey RSA-{}>", self.0.bits())
        }
    }

    /// How many verified tokens a verifying key remembers unless told otherwise.
    const REMEMBERED_TOKENS: usize = 4096;

    /// An RSA public key, parsed once, that verifies RS256 tokens and remembers those it verified.
    #[pyclass(frozen, module = "ninja_simple_jwt._core")]
    struct VerifyingKey {
        key: keys::VerifyingKey,
        verified: token::VerifiedTokens,
    }

    #[pymethods]
    impl VerifyingKey {
        #[new]
        #[pyo3(signature = (pem, remember = REMEMBERED_TOKENS))]
        fn new(pem: &[u8], remember: usize) -> PyResult<Self> {
            let key = catch_panics(key_refused, || keys::VerifyingKey::from_pem(pem))?;
            Ok(VerifyingKey {
                key,
                verified: token::VerifiedTokens::new(remember),
            })
        }

        fn __repr__(&self) -> &'static str {
            "<VerifyingKey RSA>"
        }
    }

    /// Makes a new RSA key pair: (PKCS#1 private PEM, SPKI public PEM).
    #[pyfunction]
    #[pyo3(signature = (bits = 2048))]
    fn generate_key_pair(py: Python<'_>, bits: usize) -> PyResult<(Py<PyBytes>, Py<PyBytes>)> {
        let (private, public) =
            py.detach(|| catch_panics(key_refused, || keys::generate_pem_pair(bits)))?;
        Ok((
            PyBytes::new(py, private.as_bytes()).unbind(),
            PyBytes::new(py, public.as_bytes()).unbind(),
        ))
    }

    /// The claims for `user`: each claim's value is the named attribute, or the callable's result.
    #[pyfunction]
    fn map_claims<'py>(
        user: &Bound<'py, PyAny>,
        claim_map: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let claims = PyDict::new(user.py());
        for item in claim_map.call_method0("items")?.try_iter()? {
            let (claim, source): (Bound<'py, PyAny>, Bound<'py, PyAny>) = item?.extract()?;
            let value = if let Ok(name) = source.cast::<PyString>() {
                user.getattr(name).map_err(|e| {
                    let err = PyAttributeError::new_err(format!(
                        "TOKEN_CLAIM_USER_ATTRIBUTE_MAP: claim {claim} names the attribute {name}, \
                         which {} objects do not have",
                        user.get_type().name().map(|n| n.to_string()).unwrap_or_default()
                    ));
                    err.set_cause(user.py(), Some(e));
                    err
                })?
            } else if source.is_callable() {
                source.call1((user,))?
            } else {
                return Err(PyTypeError::new_err(format!(
                    "TOKEN_CLAIM_USER_ATTRIBUTE_MAP: claim {claim} must map to an attribute name or a \
                     callable taking the user"
                )));
            };
            claims.set_item(claim, value)?;
        }
        Ok(claims)
    }

    /// Signs `payload` plus `jti`, `exp`, `iat` and `token_type`; returns the token and those claims.
    #[pyfunction]
    #[pyo3(signature = (key, payload, token_type, now, lifetime, default = None, headers = None))]
    #[allow(clippy::too_many_arguments)]
    fn encode_token<'py>(
        py: Python<'py>,
        key: &SigningKey,
        payload: &Bound<'py, PyDict>,
        token_type: &Bound<'py, PyString>,
        now: DateTime<FixedOffset>,
        lifetime: TimeDelta,
        default: Option<&Bound<'py, PyAny>>,
        headers: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<(String, Bound<'py, PyDict>)> {
        let registered = Registered::new(now.with_timezone(&Utc), lifetime)?;
        let mut claims = to_json_object(payload, default)?;
        claims.insert("jti".into(), Value::from(registered.jti.as_str()));
        claims.insert("exp".into(), Value::from(registered.exp));
        claims.insert("iat".into(), Value::from(registered.iat));
        claims.insert("token_type".into(), Value::from(token_type.to_str()?));
        let extra_header = match headers {
            Some(h) if !h.is_empty() => Some(to_json_object(h, default)?),
            _ => None,
        };
        let token = py.detach(|| {
            catch_panics(
                || Error::Encode("the token could not be signed".into()),
                || token::encode(&key.0, &claims, extra_header.as_ref()),
            )
        })?;

        let data = payload.copy()?;
        data.set_item("jti", registered.jti)?;
        data.set_item("exp", registered.exp)?;
        data.set_item("iat", registered.iat)?;
        data.set_item("token_type", token_type)?;
        Ok((token, data))
    }

    /// Verifies `token` and returns its claims; raises a `ninja_simple_jwt.exceptions` error otherwise.
    #[pyfunction]
    #[pyo3(signature = (key, token, token_type, now, leeway = 0.0))]
    fn decode_token<'py>(
        py: Python<'py>,
        key: &VerifyingKey,
        token: &str,
        token_type: Option<&str>,
        now: DateTime<FixedOffset>,
        leeway: f64,
    ) -> PyResult<Bound<'py, PyDict>> {
        let expect = Expectations {
            token_type,
            now: now.timestamp_micros() as f64 / 1e6,
            leeway,
        };
        let claims = py.detach(|| {
            catch_panics(token_refused, || {
                token::decode_remembered(&key.key, &key.verified, token, &expect)
            })
        })?;
        dict_from_map(py, &claims)
    }

    /// The claims of `token` without any check. Never use this to authenticate.
    #[pyfunction]
    fn decode_unverified<'py>(py: Python<'py>, token: &str) -> PyResult<Bound<'py, PyDict>> {
        let claims = catch_panics(token_refused, || token::decode_unverified(token))?;
        dict_from_map(py, &claims)
    }

    #[pymodule]
    fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
        // Carries the core's log lines (target "ninja_simple_jwt.core") into Python's logging.
        let _ = pyo3_log::Logger::new(m.py(), pyo3_log::Caching::Loggers)?.install();
        m.add_class::<SigningKey>()?;
        m.add_class::<VerifyingKey>()?;
        m.add("REMEMBERED_TOKENS", REMEMBERED_TOKENS)?;
        m.add("__version__", env!("CARGO_PKG_VERSION"))?;
        m.add_function(wrap_pyfunction!(generate_key_pair, m)?)?;
        m.add_function(wrap_pyfunction!(map_claims, m)?)?;
        m.add_function(wrap_pyfunction!(encode_token, m)?)?;
        m.add_function(wrap_pyfunction!(decode_token, m)?)?;
        m.add_function(wrap_pyfunction!(decode_unverified, m)?)?;
        Ok(())
    }
}
