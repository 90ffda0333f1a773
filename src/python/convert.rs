//! Python values to JSON and back, with the rules of Python's `json.JSONEncoder`: what JSON cannot hold
//! goes through the encoder's `default` (so a `DjangoJSONEncoder` subclass writes datetimes, UUIDs and
//! decimals exactly as it would in Python).

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use serde_json::{Map, Number, Value};

use super::errors::EncodeError;

/// Deeper nesting is refused; Python's encoder would report a circular reference or recurse as deep.
const MAX_DEPTH: usize = 64;

/// Converts a Python dict to a JSON object, calling `default` on what JSON cannot hold. Whatever goes
/// wrong is an `EncodeError`.
pub fn to_json_object(
    dict: &Bound<'_, PyDict>,
    default: Option<&Bound<'_, PyAny>>,
) -> PyResult<Map<String, Value>> {
    let py = dict.py();
    object(dict, default, 0).map_err(|e| {
        if e.is_instance_of::<EncodeError>(py) {
            return e;
        }
        // What `default` raised, or a string Python cannot encode (a lone surrogate).
        let err = EncodeError::new_err(format!("Cannot encode the token claims: {}", e.value(py)));
        err.set_cause(py, Some(e));
        err
    })
}

fn object(
    dict: &Bound<'_, PyDict>,
    default: Option<&Bound<'_, PyAny>>,
    depth: usize,
) -> PyResult<Map<String, Value>> {
    let mut map = Map::with_capacity(dict.len());
    for (key, item) in dict.iter() {
        map.insert(key_string(&key)?, convert(&item, default, depth + 1)?);
    }
    Ok(map)
}

fn convert(
    value: &Bound<'_, PyAny>,
    default: Option<&Bound<'_, PyAny>>,
    depth: usize,
) -> PyResult<Value> {
    if depth > MAX_DEPTH {
        return Err(EncodeError::new_err(
            "Cannot encode the token claims: they nest too deeply or refer to themselves.",
        ));
    }
    if let Ok(text) = value.cast::<PyString>() {
        return Ok(Value::String(text.to_str()?.to_owned()));
    }
    if value.is_none() {
        return Ok(Value::Null);
    }
    // bool before int: Python's bool is an int.
    if let Ok(flag) = value.cast::<PyBool>() {
        return Ok(Value::Bool(flag.is_true()));
    }
    if value.is_instance_of::<PyInt>() {
        if let Ok(n) = value.extract::<i64>() {
            return Ok(Value::from(n));
        }
        if let Ok(n) = value.extract::<u64>() {
            return Ok(Value::from(n));
        }
        return Err(EncodeError::new_err(
            "Cannot encode the token claims: integers must fit in 64 bits; give larger numbers as strings.",
        ));
    }
    if let Ok(float) = value.cast::<PyFloat>() {
        return Number::from_f64(float.value())
            .map(Value::Number)
            .ok_or_else(|| {
                EncodeError::new_err(
                    "Cannot encode the token claims: JSON cannot hold NaN or infinite numbers.",
                )
            });
    }
    if let Ok(dict) = value.cast::<PyDict>() {
        return Ok(Value::Object(object(dict, default, depth)?));
    }
    if value.is_instance_of::<PyList>() || value.is_instance_of::<PyTuple>() {
        let mut array = Vec::with_capacity(value.len()?);
        for item in value.try_iter()? {
            array.push(convert(&item?, default, depth + 1)?);
        }
        return Ok(Value::Array(array));
    }
    match default {
        Some(default) => convert(&default.call1((value,))?, Some(default), depth + 1),
        None => Err(EncodeError::new_err(format!(
            "Cannot encode the token claims: object of type {} is not JSON serializable",
            value.get_type().name()?
        ))),
    }
}

/// Dictionary keys as Python's encoder writes them: strings, and ints, bools and None spelled out.
fn key_string(key: &Bound<'_, PyAny>) -> PyResult<String> {
    if let Ok(text) = key.cast::<PyString>() {
        return Ok(text.to_str()?.to_owned());
    }
    if key.is_none() {
        return Ok("null".to_owned());
    }
    if let Ok(flag) = key.cast::<PyBool>() {
        return Ok(if flag.is_true() { "true" } else { "false" }.to_owned());
    }
    if key.is_instance_of::<PyInt>() {
        return Ok(key.str()?.to_str()?.to_owned());
    }
    Err(EncodeError::new_err(format!(
        "Cannot encode the token claims: keys must be str, int, bool or None, not {}",
        key.get_type().name()?
    )))
}

/// Converts JSON to Python: objects become dicts (in order), arrays lists.
pub fn to_python<'py>(py: Python<'py>, value: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match value {
        Value::Null => py.None().into_bound(py),
        Value::Bool(flag) => PyBool::new(py, *flag).to_owned().into_any(),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into_pyobject(py)?.into_any()
            } else if let Some(u) = n.as_u64() {
                u.into_pyobject(py)?.into_any()
            } else {
                n.as_f64().unwrap_or(f64::NAN).into_pyobject(py)?.into_any()
            }
        }
        Value::String(text) => PyString::new(py, text).into_any(),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(to_python(py, item)?)?;
            }
            list.into_any()
        }
        Value::Object(map) => dict_from_map(py, map)?.into_any(),
    })
}

/// Converts a JSON object to a Python dict.
pub fn dict_from_map<'py>(
    py: Python<'py>,
    map: &Map<String, Value>,
) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    for (key, item) in map {
        dict.set_item(key, to_python(py, item)?)?;
    }
    Ok(dict)
}
