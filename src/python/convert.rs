//! Python values to JSON text and back. Writing follows Python's `json.JSONEncoder`: what JSON cannot
//! hold goes through the encoder's `default` (so a `DjangoJSONEncoder` subclass writes datetimes, UUIDs
//! and decimals exactly as it would in Python). Reading is jiter's (pydantic-core's parser): JSON text
//! straight into Python objects, as `json.loads` makes them.

use std::borrow::Cow;

use jiter::{PythonParse, StringCacheMode};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};

use super::errors::EncodeError;
use crate::error::Error;
use crate::token::{
    self, write_json, ClaimFields, ClaimRules, Claims, ClaimsJson, Expectations, Field,
};

/// Deeper nesting is refused; Python's encoder would report a circular reference or recurse as deep.
const MAX_DEPTH: usize = 64;

/// Writes the items of `dict` into `claims` (those the key set writes itself are left out), calling
/// `default` on what JSON cannot hold. Whatever goes wrong is an `EncodeError`.
pub fn write_claims(
    claims: &mut ClaimsJson,
    dict: &Bound<'_, PyDict>,
    default: Option<&Bound<'_, PyAny>>,
) -> PyResult<()> {
    let mut written = || -> PyResult<()> {
        for (key, item) in dict.iter() {
            if let Some(out) = claims.member(&key_string(&key)?) {
                value(out, &item, default, 1)?;
            }
        }
        Ok(())
    };
    written().map_err(|e| as_encode_error(dict.py(), e))
}

/// The JSON text of `dict`, calling `default` on what JSON cannot hold; an `EncodeError` otherwise.
pub fn object_json(
    dict: &Bound<'_, PyDict>,
    default: Option<&Bound<'_, PyAny>>,
) -> PyResult<Vec<u8>> {
    let mut out = Vec::with_capacity(128);
    object(&mut out, dict, default, 0).map_err(|e| as_encode_error(dict.py(), e))?;
    Ok(out)
}

fn as_encode_error(py: Python<'_>, e: PyErr) -> PyErr {
    if e.is_instance_of::<EncodeError>(py) {
        return e;
    }
    // What `default` raised, or a string Python cannot encode (a lone surrogate).
    let err = EncodeError::new_err(format!("Cannot encode the token claims: {}", e.value(py)));
    err.set_cause(py, Some(e));
    err
}

fn object(
    out: &mut Vec<u8>,
    dict: &Bound<'_, PyDict>,
    default: Option<&Bound<'_, PyAny>>,
    depth: usize,
) -> PyResult<()> {
    out.push(b'{');
    for (i, (key, item)) in dict.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_json(out, &key_string(&key)?);
        out.push(b':');
        value(out, &item, default, depth + 1)?;
    }
    out.push(b'}');
    Ok(())
}

fn value(
    out: &mut Vec<u8>,
    value: &Bound<'_, PyAny>,
    default: Option<&Bound<'_, PyAny>>,
    depth: usize,
) -> PyResult<()> {
    if depth > MAX_DEPTH {
        return Err(EncodeError::new_err(
            "Cannot encode the token claims: they nest too deeply or refer to themselves.",
        ));
    }
    if let Ok(text) = value.cast::<PyString>() {
        write_json(out, text.to_str()?);
    } else if value.is_none() {
        out.extend_from_slice(b"null");
    } else if let Ok(flag) = value.cast::<PyBool>() {
        // bool before int: Python's bool is an int.
        out.extend_from_slice(if flag.is_true() { b"true" } else { b"false" });
    } else if value.is_instance_of::<PyInt>() {
        if let Ok(n) = value.extract::<i64>() {
            write_json(out, &n);
        } else if let Ok(n) = value.extract::<u64>() {
            write_json(out, &n);
        } else {
            return Err(EncodeError::new_err(
                "Cannot encode the token claims: integers must fit in 64 bits; give larger numbers as strings.",
            ));
        }
    } else if let Ok(float) = value.cast::<PyFloat>() {
        let n = float.value();
        if !n.is_finite() {
            return Err(EncodeError::new_err(
                "Cannot encode the token claims: JSON cannot hold NaN or infinite numbers.",
            ));
        }
        write_json(out, &n);
    } else if let Ok(dict) = value.cast::<PyDict>() {
        object(out, dict, default, depth)?;
    } else if value.is_instance_of::<PyList>() || value.is_instance_of::<PyTuple>() {
        out.push(b'[');
        for (i, item) in value.try_iter()?.enumerate() {
            if i > 0 {
                out.push(b',');
            }
            self::value(out, &item?, default, depth + 1)?;
        }
        out.push(b']');
    } else {
        match default {
            Some(default) => self::value(out, &default.call1((value,))?, Some(default), depth + 1)?,
            None => {
                return Err(EncodeError::new_err(format!(
                    "Cannot encode the token claims: object of type {} is not JSON serializable",
                    value.get_type().name()?
                )))
            }
        }
    }
    Ok(())
}

/// Dictionary keys as Python's encoder writes them: strings, and ints, bools and None spelled out.
fn key_string<'a>(key: &'a Bound<'_, PyAny>) -> PyResult<Cow<'a, str>> {
    if let Ok(text) = key.cast::<PyString>() {
        return Ok(Cow::Borrowed(text.to_str()?));
    }
    if key.is_none() {
        return Ok(Cow::Borrowed("null"));
    }
    if let Ok(flag) = key.cast::<PyBool>() {
        return Ok(Cow::Borrowed(if flag.is_true() { "true" } else { "false" }));
    }
    if key.is_instance_of::<PyInt>() {
        return Ok(Cow::Owned(key.str()?.to_str()?.to_owned()));
    }
    Err(EncodeError::new_err(format!(
        "Cannot encode the token claims: keys must be str, int, bool or None, not {}",
        key.get_type().name()?
    )))
}

/// A JSON object's text (a payload the core checked, a JWK) as a dict. Objects keep their order; names
/// are interned, as most recur from token to token.
pub fn dict_from_json<'py>(py: Python<'py>, json: &[u8]) -> PyResult<Bound<'py, PyDict>> {
    let parser = PythonParse {
        cache_mode: StringCacheMode::Keys,
        ..PythonParse::default()
    };
    let value = parser
        .python_parse(py, json)
        .map_err(|_| Error::Decode("the payload is not a JSON object".into()))?;
    Ok(value
        .cast_into::<PyDict>()
        .map_err(|_| Error::Decode("the payload is not a JSON object".into()))?)
}

/// A JSON object built in Rust (a JWK, a JWK Set) as a dict.
pub fn dict_from_map<'py>(py: Python<'py>, map: &Claims) -> PyResult<Bound<'py, PyDict>> {
    let mut json = Vec::with_capacity(512);
    write_json(&mut json, map);
    dict_from_json(py, &json)
}

/// Checks the claims of a verified token's dict (`dict_from_json`'s) as [`token::check`] does: from the
/// very values the caller gets, with no second parse of the JSON text.
pub fn check_claims(
    claims: &Bound<'_, PyDict>,
    expect: &Expectations,
    rules: &ClaimRules,
) -> PyResult<()> {
    let mut values: [Option<Bound<'_, PyAny>>; ClaimFields::COUNT] = Default::default();
    for (name, value) in claims.iter() {
        // jiter made the dict: every name is a str.
        let index = name
            .cast::<PyString>()
            .ok()
            .and_then(|name| ClaimFields::index(name.to_str().ok()?));
        if let Some(i) = index {
            values[i] = Some(value);
        }
    }
    let mut fields = ClaimFields::default();
    for (i, value) in values.iter().enumerate() {
        if let Some(value) = value {
            *fields.slot(i) = field(value);
        }
    }
    Ok(token::check(&fields, expect, rules)?)
}

/// A JSON value as the checks read it (jiter made it: only str, int, float, bool, None, list and dict).
fn field<'a>(value: &'a Bound<'_, PyAny>) -> Field<'a> {
    if let Ok(text) = value.cast_exact::<PyString>() {
        // A str is UTF-8 unless it holds a lone surrogate, which no checked claim may.
        return text
            .to_str()
            .map_or(Field::Other, |text| Field::Str(Cow::Borrowed(text)));
    }
    if value.is_exact_instance_of::<PyInt>() {
        // Wider than 64 bits (jiter reads big integers exactly): its sign's infinity, which the time
        // checks decide as they would the number.
        return Field::Num(match value.extract::<i64>() {
            Ok(n) => n as f64,
            Err(_) if value.lt(0).unwrap_or(false) => f64::NEG_INFINITY,
            Err(_) => f64::INFINITY,
        });
    }
    if let Ok(number) = value.cast_exact::<PyFloat>() {
        return Field::Num(number.value());
    }
    if let Ok(list) = value.cast_exact::<PyList>() {
        return Field::List(list.iter().map(|item| field(&item).into_owned()).collect());
    }
    Field::Other // True, False, None, an object
}
