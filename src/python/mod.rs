//! The PyO3 layer, and the only one: Python values in and out, errors to exceptions, and the GIL released
//! around the long work. The rules live in the plain-Rust modules.
//!
//! Long is an RSA signature, reading or making keys: hundreds of microseconds and more, which other
//! threads use (two threads sign RSA at 1.9 times one's rate). A verification, or an ES256 or EdDSA
//! signature (12 to 70 µs), keeps the GIL: giving it up and taking it back costs about 0.1 µs a call,
//! and a thread that gives it up while another runs Python waits up to the switch interval (5 ms) to
//! get it back.

mod api;
#[cfg(not(feature = "fuzzing"))]
mod convert;
#[cfg(feature = "fuzzing")]
pub mod convert;
mod errors;

use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};
use pyo3::exceptions::{PyAttributeError, PyTypeError};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyString};

use crate::error::{catch_panics, Error};
use crate::token::{ClaimRules, Claims, Expectations, Registered};
use crate::{keys, keyset, token};
use convert::{check_claims, dict_from_json, dict_from_map, object_json, write_claims};

fn key_refused() -> Error {
    Error::InvalidKey("the key could not be processed".into())
}

fn token_refused() -> Error {
    Error::Decode("the token could not be processed".into())
}

/// A private key, parsed and validated once, that signs with its algorithm.
#[pyclass(frozen, module = "ninja_simple_jwt._core")]
struct SigningKey(Arc<keys::SigningKey>);

#[pymethods]
impl SigningKey {
    #[new]
    fn new(py: Python<'_>, pem: &[u8]) -> PyResult<Self> {
        let key = py.detach(|| catch_panics(key_refused, || keys::SigningKey::from_pem(pem)))?;
        Ok(SigningKey(Arc::new(key)))
    }

    #[getter]
    fn algorithm(&self) -> &'static str {
        self.0.algorithm().name()
    }

    /// The id of the key's public half.
    #[getter]
    fn kid(&self) -> &str {
        self.0.public().kid()
    }

    fn __repr__(&self) -> String {
        format!(
            "<SigningKey {} kid={}>",
            self.0.algorithm(),
            self.0.public().kid()
        )
    }
}

/// A public key, parsed once, that verifies its algorithm.
#[pyclass(frozen, module = "ninja_simple_jwt._core")]
struct VerifyingKey(Arc<keys::VerifyingKey>);

#[pymethods]
impl VerifyingKey {
    #[new]
    fn new(pem: &[u8]) -> PyResult<Self> {
        let key = catch_panics(key_refused, || keys::VerifyingKey::from_pem(pem))?;
        Ok(VerifyingKey(Arc::new(key)))
    }

    #[getter]
    fn algorithm(&self) -> &'static str {
        self.0.algorithm().name()
    }

    #[getter]
    fn kid(&self) -> &str {
        self.0.kid()
    }

    fn jwk<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        dict_from_map(py, &self.0.jwk())
    }

    fn __repr__(&self) -> String {
        format!("<VerifyingKey {} kid={}>", self.0.algorithm(), self.0.kid())
    }
}

/// `aud` as configured: one audience, or a list.
#[derive(FromPyObject)]
enum Audience {
    One(String),
    Many(Vec<String>),
}

/// How many verified tokens a key set remembers unless told otherwise.
const REMEMBERED_TOKENS: usize = 4096;

/// The current key and every key still accepted, found by `kid`; remembers the tokens it verified.
#[pyclass(frozen, module = "ninja_simple_jwt._core")]
struct KeySet(keyset::KeySet);

#[pymethods]
impl KeySet {
    #[new]
    #[pyo3(signature = (verifying_keys, signing_key = None, remember = REMEMBERED_TOKENS, *, issuer = None, audience = None))]
    fn new(
        verifying_keys: Vec<PyRef<'_, VerifyingKey>>,
        signing_key: Option<PyRef<'_, SigningKey>>,
        remember: usize,
        issuer: Option<String>,
        audience: Option<Audience>,
    ) -> PyResult<Self> {
        let verifiers = verifying_keys.iter().map(|k| Arc::clone(&k.0)).collect();
        let signer = signing_key.map(|k| Arc::clone(&k.0));
        let (audiences, audience_claim) = match audience {
            None => (Vec::new(), None),
            Some(Audience::One(a)) => (vec![a.clone()], Some(a.into())),
            Some(Audience::Many(list)) => (list.clone(), Some(list.into())),
        };
        let rules = ClaimRules {
            issuer,
            audiences,
            audience_claim,
            foreign: false,
        };
        Ok(KeySet(
            keyset::KeySet::new(verifiers, signer, remember)?.with_rules(rules),
        ))
    }

    /// A verify-only set of a trusted issuer's JWK Set (JSON bytes), with the keys of `algorithms`;
    /// its tokens must carry `iss` == `issuer` and an `aud` naming one of `audiences`. Returns the set
    /// and how many members were skipped.
    #[staticmethod]
    #[pyo3(signature = (jwks, *, issuer, audiences, algorithms, remember = REMEMBERED_TOKENS))]
    fn from_jwks(
        py: Python<'_>,
        jwks: &[u8],
        issuer: String,
        audiences: Vec<String>,
        algorithms: Vec<String>,
        remember: usize,
    ) -> PyResult<(Self, usize)> {
        let algorithms = algorithms
            .iter()
            .map(|a| a.parse())
            .collect::<Result<Vec<keys::Algorithm>, _>>()?;
        let (set, skipped) = py.detach(|| {
            catch_panics(key_refused, || {
                let value: serde_json::Value = serde_json::from_slice(jwks)
                    .map_err(|_| Error::InvalidKey("the JWK Set is not JSON".into()))?;
                keyset::KeySet::from_jwks(&value, &algorithms, remember)
            })
        })?;
        let rules = ClaimRules {
            issuer: Some(issuer),
            audiences,
            audience_claim: None,
            foreign: true,
        };
        Ok((KeySet(set.with_rules(rules)), skipped))
    }

    /// Whether the set has the key a token naming `kid` (None: no `kid`) is verified with.
    #[pyo3(signature = (kid))]
    fn knows(&self, kid: Option<&str>) -> bool {
        self.0.knows(kid)
    }

    /// The `iss` its tokens carry and require, if any.
    #[getter]
    fn issuer(&self) -> Option<&str> {
        self.0.rules().issuer.as_deref()
    }

    #[getter]
    fn kids(&self) -> Vec<&str> {
        self.0.verifiers().iter().map(|k| k.kid()).collect()
    }

    #[getter]
    fn algorithm(&self) -> &'static str {
        self.0.current().algorithm().name()
    }

    #[getter]
    fn can_sign(&self) -> bool {
        self.0.can_sign()
    }

    #[getter]
    fn remembered(&self) -> usize {
        self.0.remembered()
    }

    fn jwks<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        dict_from_map(py, &self.0.jwks())
    }

    fn __repr__(&self) -> String {
        format!(
            "<KeySet {} current={} keys={}>",
            self.0.current().algorithm(),
            self.0.current().kid(),
            self.0.verifiers().len()
        )
    }
}

/// Makes a new key pair for `algorithm`: (private PEM, SPKI public PEM).
#[pyfunction]
#[pyo3(signature = (algorithm = "RS256", bits = 2048))]
fn generate_key_pair(
    py: Python<'_>,
    algorithm: &str,
    bits: usize,
) -> PyResult<(Py<PyBytes>, Py<PyBytes>)> {
    let algorithm: keys::Algorithm = algorithm.parse()?;
    let (private, public) =
        py.detach(|| catch_panics(key_refused, || keys::generate_pem_pair(algorithm, bits)))?;
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
                let err =
                    PyAttributeError::new_err(format!(
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

/// Whole microseconds in `seconds`, a float of Python's `datetime.timestamp()` or
/// `timedelta.total_seconds()`: both are exact to the microsecond at that scale.
fn microseconds(seconds: f64, what: &str) -> Result<i64, Error> {
    let micros = (seconds * 1e6).round();
    // Exact to the microsecond up to 2^53 (about 285 years); past that a lifetime loses microseconds, not
    // its meaning. Bounded by i64; a date past chrono's range is refused when the claims are made, and
    // check E050 names a lifetime that reaches past the year 9999.
    if micros.is_finite() && micros.abs() < 9.2e18 {
        Ok(micros as i64)
    } else {
        Err(Error::Encode(format!("the {what} is out of range")))
    }
}

/// Signs `payload` plus `jti`, `exp`, `iat` and `token_type` with the set's current key; returns the
/// token and its claims. `now` is seconds since the epoch and `lifetime` seconds: floats cross into Rust
/// faster than a datetime and a timedelta (which the limited API reads attribute by attribute), and no
/// datetime type is looked up: under abi3 PyO3 remembers the first one it sees, which freezegun may have
/// replaced. `jti` and `exp`, when given, replace the new token's own: a copy of a token already issued,
/// signed again (a rotated refresh token handed out once more within the grace).
#[pyfunction]
#[pyo3(signature = (key_set, payload, token_type, now, lifetime, default = None, headers = None, jti = None, exp = None))]
#[allow(clippy::too_many_arguments)]
fn encode_token<'py>(
    py: Python<'py>,
    key_set: &KeySet,
    payload: &Bound<'py, PyDict>,
    token_type: &Bound<'py, PyString>,
    now: f64,
    lifetime: f64,
    default: Option<&Bound<'py, PyAny>>,
    headers: Option<&Bound<'py, PyDict>>,
    jti: Option<String>,
    exp: Option<i64>,
) -> PyResult<(String, Bound<'py, PyDict>)> {
    let type_name = token_type.to_str()?;
    let now = DateTime::<Utc>::from_timestamp_micros(microseconds(now, "current time")?)
        .ok_or_else(|| Error::Encode("the current time is out of range".into()))?;
    let lifetime = TimeDelta::microseconds(microseconds(lifetime, "token lifetime")?);
    let mut registered = Registered::new(now, lifetime)?;
    if let Some(jti) = jti {
        if jti.is_empty() {
            return Err(Error::Encode("jti must be a non-empty string".into()).into());
        }
        registered.jti = jti;
    }
    if let Some(exp) = exp {
        registered.exp = exp;
    }
    // Before the payload is converted: a key set that cannot sign says so whatever the payload holds.
    let mut claims = key_set.0.claims(&registered, type_name)?;
    write_claims(&mut claims, payload, default)?;
    let extra_header = match headers {
        Some(h) if !h.is_empty() => Some(
            serde_json::from_slice::<Claims>(&object_json(h, default)?)
                .map_err(|e| Error::Encode(e.to_string()))?,
        ),
        _ => None,
    };
    let sign = || {
        catch_panics(
            || Error::Encode("the token could not be signed".into()),
            || key_set.0.issue(claims, extra_header.as_ref()),
        )
    };
    let token = if key_set.0.signs_slowly() {
        py.detach(sign)
    } else {
        sign()
    }?;

    // The names interned: a str made from Rust text is a new object, hashed again on every call.
    let data = payload.copy()?;
    data.set_item(intern!(py, "jti"), registered.jti)?;
    data.set_item(intern!(py, "exp"), registered.exp)?;
    data.set_item(intern!(py, "iat"), registered.iat)?;
    // The caller's object, as the original returned it (a TokenTypes member).
    data.set_item(intern!(py, "token_type"), token_type)?;
    Ok((token, data))
}

/// Verifies `token` at `now` (seconds since the epoch: a float crosses into Rust faster than a datetime)
/// with the set and returns its claims; raises a `ninja_simple_jwt.exceptions` error
/// otherwise.
#[pyfunction]
#[pyo3(signature = (key_set, token, token_type, now, leeway = 0.0))]
fn decode_token<'py>(
    py: Python<'py>,
    key_set: &KeySet,
    token: &str,
    token_type: Option<&str>,
    now: f64,
    leeway: f64,
) -> PyResult<Bound<'py, PyDict>> {
    let expect = Expectations {
        token_type,
        now,
        leeway,
    };
    let (payload, new) = catch_panics(token_refused, || key_set.0.signed_payload(token))?;
    let claims = dict_from_json(py, &payload)?;
    check_claims(&claims, &expect, key_set.0.rules())?;
    if new {
        key_set.0.remember(token, &payload);
    }
    Ok(claims)
}

/// The token's `iss` and header `kid` (None where absent), read without any check: they choose the key
/// set that verifies it.
#[pyfunction]
fn issuer_and_kid(token: &str) -> PyResult<(Option<String>, Option<String>)> {
    Ok(catch_panics(token_refused, || {
        token::issuer_and_kid(token)
    })?)
}

/// The claims of `token` without any check. Never use this to authenticate.
#[pyfunction]
fn decode_unverified<'py>(py: Python<'py>, token: &str) -> PyResult<Bound<'py, PyDict>> {
    let payload = catch_panics(token_refused, || token::decode_unverified(token))?;
    dict_from_json(py, &payload)
}

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    // Carries the core's log lines (target "ninja_simple_jwt.core") into Python's logging.
    let _ = pyo3_log::Logger::new(m.py(), pyo3_log::Caching::Loggers)?.install();
    m.add_class::<SigningKey>()?;
    m.add_class::<VerifyingKey>()?;
    m.add_class::<KeySet>()?;
    m.add_class::<api::TokenApi>()?;
    m.add("REMEMBERED_TOKENS", REMEMBERED_TOKENS)?;
    // Whether this build carries curve25519-dalek's AVX-512 IFMA code (.cargo/config.toml's flag, which
    // reaches every crate of the build), for the check of the wheels in `make test-matrix`.
    m.add("ED25519_IFMA", cfg!(curve25519_dalek_backend = "avx512"))?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_function(wrap_pyfunction!(generate_key_pair, m)?)?;
    m.add_function(wrap_pyfunction!(map_claims, m)?)?;
    m.add_function(wrap_pyfunction!(encode_token, m)?)?;
    m.add_function(wrap_pyfunction!(decode_token, m)?)?;
    m.add_function(wrap_pyfunction!(decode_unverified, m)?)?;
    m.add_function(wrap_pyfunction!(issuer_and_kid, m)?)?;
    Ok(())
}
