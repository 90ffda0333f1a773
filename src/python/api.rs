//! The public `encode_token`, `decode_token` and `decode_token_from_memory` of
//! `ninja_simple_jwt.jwt.token_operations`.
//!
//! Most calls sign with, or verify a token of, the process's own keys, already in memory. For those, this
//! reads what the Python functions would read (the clock, the lifetime or the leeway, the key ring's set
//! and whether it is due a read) with a few C-API calls instead of four Python frames, one to three
//! microseconds a token. Whatever else (bytes, `verify=False`, extra headers, another JSON encoder, a
//! trusted issuer's token, a patched `timezone.now`, a key ring due a read, an unknown `kid`) goes to the
//! Python functions, which hold the rules.

use std::cell::UnsafeCell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;
use std::sync::{Mutex, MutexGuard};

use pyo3::exceptions::PyAttributeError;
use pyo3::panic::PanicException;
use pyo3::types::{PyCFunction, PyDict, PyString, PyTuple};
use pyo3::{ffi, intern, prelude::*};

use super::{decode_token as verify, encode_token as sign, errors::UnknownKeyIdError, KeySet};

/// The Python objects the fast path reads; all given by `token_operations` once, at import.
#[pyclass(frozen, module = "ninja_simple_jwt._core")]
pub(super) struct TokenApi {
    /// `token_operations._encode_token`, `_decode_token` and `_decode_token_from_memory`: every case,
    /// the rules.
    encode: Py<PyAny>,
    decode: Py<PyAny>,
    from_memory: Py<PyAny>,
    /// `token_operations._encoder_defaults`: the `default` of each JSON encoder class, None's included
    /// once the Python function has signed.
    encoder_defaults: Py<PyDict>,
    /// The `TokenTypes` members.
    access: Py<PyAny>,
    refresh: Py<PyAny>,
    /// The namespaces of the `time` and `django.utils.timezone` modules, read on each call: freezegun
    /// patches their attributes, time-machine the functions behind them. A module's `__dict__` is its
    /// attributes; looking a name up there skips `getattr`'s search of the module's type.
    time: Py<PyDict>,
    timezone: Py<PyDict>,
    /// Django's own `timezone.now`: while it is in place, `time.time()` is its clock.
    django_now: Py<PyAny>,
    /// `time.time` and `time.monotonic` as they were at import, when they were the interpreter's own
    /// (freezegun's would be Python functions): while they are still in place, the clocks are read
    /// directly (see `clock_seconds`).
    builtin_clocks: Option<(Py<PyAny>, Py<PyAny>)>,
    /// `sys.modules`: time-machine, once imported, changes `time.time` inside, not by replacing it.
    modules: Py<PyDict>,
    /// The attributes (`__dict__`) of `key_retrieval.key_ring`: its `_set` and `_next_read_at`, read as
    /// `KeyRing.current()` does.
    key_ring: Py<PyDict>,
    settings: Py<PyAny>,
    settings_dict: Py<PyDict>,
    /// The seconds of the timedelta settings read lately (the leeway, the lifetimes), by identity:
    /// `total_seconds()` costs more than the rest of the fast path. A timedelta never changes, and the
    /// reference held here keeps its identity from going to another object.
    seconds: Mutex<Vec<(Py<PyAny>, f64)>>,
}

#[pymethods]
impl TokenApi {
    #[new]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        encode: Py<PyAny>,
        decode: Py<PyAny>,
        from_memory: Py<PyAny>,
        encoder_defaults: Py<PyDict>,
        access: Py<PyAny>,
        refresh: Py<PyAny>,
        time: Py<PyAny>,
        timezone: Py<PyAny>,
        django_now: Py<PyAny>,
        key_ring: Py<PyAny>,
        settings: Py<PyAny>,
    ) -> PyResult<Self> {
        let namespace = |object: &Py<PyAny>| -> PyResult<Py<PyDict>> {
            Ok(object
                .bind(py)
                .getattr(intern!(py, "__dict__"))?
                .cast_into::<PyDict>()?
                .unbind())
        };
        let builtin = |name: &str| -> PyResult<Option<Py<PyAny>>> {
            let function = time.bind(py).getattr(name)?;
            Ok(function
                .is_instance_of::<PyCFunction>()
                .then(|| function.unbind()))
        };
        let builtin_clocks = match (builtin("time")?, builtin("monotonic")?) {
            (Some(time), Some(monotonic))
                if cfg!(all(target_os = "linux", target_pointer_width = "64")) =>
            {
                Some((time, monotonic))
            }
            _ => None,
        };
        let modules = py
            .import(intern!(py, "sys"))?
            .getattr(intern!(py, "modules"))?
            .cast_into::<PyDict>()?
            .unbind();
        Ok(TokenApi {
            encode,
            decode,
            from_memory,
            encoder_defaults,
            access,
            refresh,
            time: namespace(&time)?,
            timezone: namespace(&timezone)?,
            django_now,
            builtin_clocks,
            modules,
            key_ring: namespace(&key_ring)?,
            settings_dict: namespace(&settings)?,
            settings,
            seconds: Mutex::new(Vec::new()),
        })
    }

    /// `encode_token`: a builtin function of this object (see `ENCODE_TOKEN`).
    #[getter]
    fn encode_token<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        // SAFETY: the definition is static and only read; the function keeps a reference to `slf`.
        unsafe {
            Bound::from_owned_ptr_or_err(
                slf.py(),
                ffi::PyCFunction_NewEx(ENCODE_TOKEN.0.get(), slf.as_ptr(), ptr::null_mut()),
            )
        }
    }

    /// The claims of a valid token of `token_type`; raises an `InvalidTokenError` subclass otherwise.
    ///
    /// Checks the signature with the key the token's `kid` names (the current key if none), `exp`
    /// (required), `iat` and `nbf` with JWT_LEEWAY, `jti` and `token_type`. An unknown `kid` makes the
    /// process look for new keys once. `verify=False` returns the claims unchecked: never use that to
    /// authenticate.
    #[pyo3(signature = (token, token_type, verify = true))]
    fn decode_token<'py>(
        &self,
        py: Python<'py>,
        token: &Bound<'py, PyAny>,
        token_type: &Bound<'py, PyAny>,
        verify: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        if verify {
            if let Some(claims) = self.verify_in_memory(py, token, token_type)? {
                return Ok(claims.into_any());
            }
        }
        self.decode.bind(py).call1((token, token_type, verify))
    }

    /// What `decode_token` answers, when the keys in memory can answer it without reading anything; None
    /// when reading keys is due first (the reload interval passed, the token names an unknown `kid`, or
    /// a trusted issuer's keys must be fetched).
    ///
    /// For an event loop, which must not wait on storage or the network: on None, call `decode_token`
    /// in a thread.
    fn decode_token_from_memory<'py>(
        &self,
        py: Python<'py>,
        token: &Bound<'py, PyAny>,
        token_type: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        if let Some(claims) = self.verify_in_memory(py, token, token_type)? {
            return Ok(claims.into_any());
        }
        self.from_memory.bind(py).call1((token, token_type))
    }
}

impl TokenApi {
    /// `encode_token(payload, token_type, json_encoder)`, called without keywords.
    fn encode<'py>(
        &self,
        py: Python<'py>,
        payload: &Bound<'py, PyAny>,
        token_type: &Bound<'py, PyAny>,
        json_encoder: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        if json_encoder.is_none_or(|encoder| encoder.is_none()) {
            if let Some(signed) = self.sign_in_memory(py, payload, token_type)? {
                return Ok(signed.into_pyobject(py)?.into_any());
            }
        }
        let encode = self.encode.bind(py);
        match json_encoder {
            Some(encoder) => encode.call1((payload, token_type, encoder)),
            None => encode.call1((payload, token_type)),
        }
    }

    /// The key ring's set and the time, when the set is in memory and not due a read, and the clock is
    /// Django's own; None otherwise.
    fn keys_in_memory<'py>(&self, py: Python<'py>) -> PyResult<Option<(Bound<'py, KeySet>, f64)>> {
        let (time, timezone, key_ring) = (
            self.time.bind(py),
            self.timezone.bind(py),
            self.key_ring.bind(py),
        );
        if !attribute(timezone, intern!(py, "now"))?.is(&self.django_now) {
            return Ok(None);
        }
        let Ok(key_set) = attribute(key_ring, intern!(py, "_set"))?.cast_into::<KeySet>() else {
            return Ok(None); // not read yet
        };
        let next_read_at: f64 = attribute(key_ring, intern!(py, "_next_read_at"))?.extract()?;
        let time_function = attribute(time, intern!(py, "time"))?;
        let monotonic_function = attribute(time, intern!(py, "monotonic"))?;
        let builtin = self
            .builtin_clocks
            .as_ref()
            .is_some_and(|(t, m)| time_function.is(t) && monotonic_function.is(m))
            && !self
                .modules
                .bind(py)
                .contains(intern!(py, "time_machine"))?;
        // Called without arguments: the limited API's method call would build an argument tuple.
        let read = |function: &Bound<'py, PyAny>, clock| -> PyResult<f64> {
            match builtin.then(|| clock_seconds(clock)).flatten() {
                Some(seconds) => Ok(seconds),
                None => function.call0()?.extract(),
            }
        };
        if read(&monotonic_function, Clock::Monotonic)? >= next_read_at {
            return Ok(None);
        }
        let now = read(&time_function, Clock::Realtime)?;
        Ok(Some((key_set, now)))
    }

    /// A setting's value. The settings object keeps each value it validated in its `__dict__` until the
    /// settings change; reading that dict skips the attribute lookup through a class with `__getattr__`.
    /// A value not there yet is read the usual way, which puts it there.
    fn setting<'py>(
        &self,
        py: Python<'py>,
        name: &Bound<'py, PyString>,
    ) -> PyResult<Bound<'py, PyAny>> {
        match self.settings_dict.bind(py).get_item(name)? {
            Some(value) => Ok(value),
            None => self.settings.bind(py).getattr(name),
        }
    }

    /// `setting` (a timedelta) in seconds.
    fn seconds(&self, py: Python<'_>, setting: &Bound<'_, PyString>) -> PyResult<f64> {
        let value = self.setting(py, setting)?;
        let known =
            |cache: &[(Py<PyAny>, f64)]| cache.iter().find(|(v, _)| v.is(&value)).map(|e| e.1);
        if let Some(seconds) = known(&self.seconds_cache()) {
            return Ok(seconds);
        }
        let seconds: f64 = value
            .call_method0(intern!(py, "total_seconds"))?
            .extract()?;
        let mut cache = self.seconds_cache();
        // The settings changed since: the old values go, released once the lock is (freeing a Python
        // object can run Python, which may sign and want the lock).
        let old = if cache.len() >= 8 {
            std::mem::take(&mut *cache)
        } else {
            Vec::new()
        };
        cache.push((value.unbind(), seconds));
        drop(cache);
        drop(old);
        Ok(seconds)
    }

    fn seconds_cache(&self) -> MutexGuard<'_, Vec<(Py<PyAny>, f64)>> {
        // Nothing panics while holding it; a poisoned lock still holds good entries.
        self.seconds.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The token and its claims when the fast path can sign; None when the Python function must.
    fn sign_in_memory<'py>(
        &self,
        py: Python<'py>,
        payload: &Bound<'py, PyAny>,
        token_type: &Bound<'py, PyAny>,
    ) -> PyResult<Option<(String, Bound<'py, PyDict>)>> {
        let Ok(payload) = payload.cast_exact::<PyDict>() else {
            return Ok(None);
        };
        let lifetime = if token_type.is(&self.access) {
            intern!(py, "JWT_ACCESS_TOKEN_LIFETIME")
        } else if token_type.is(&self.refresh) {
            intern!(py, "JWT_REFRESH_TOKEN_LIFETIME")
        } else {
            return Ok(None);
        };
        let Some(default) = self.encoder_defaults.bind(py).get_item(py.None())? else {
            return Ok(None); // TOKEN_USER_ENCODER_CLS not imported yet
        };
        let Some((key_set, now)) = self.keys_in_memory(py)? else {
            return Ok(None);
        };
        if !key_set.get().0.can_sign() {
            return Ok(None); // the Python function says which private key is missing, and why
        }
        let lifetime = self.seconds(py, lifetime)?;
        let token_type = token_type.cast::<PyString>()?;
        sign(
            py,
            key_set.get(),
            payload,
            token_type,
            now,
            lifetime,
            Some(&default),
            None,
            None,
            None,
        )
        .map(Some)
    }

    /// The claims, or an error, when the fast path can answer; None when the Python function must.
    fn verify_in_memory<'py>(
        &self,
        py: Python<'py>,
        token: &Bound<'py, PyAny>,
        token_type: &Bound<'py, PyAny>,
    ) -> PyResult<Option<Bound<'py, PyDict>>> {
        // An ASCII str, as a request's token is; anything else is converted or refused by Python.
        let Ok(token) = token.cast_exact::<PyString>() else {
            return Ok(None);
        };
        let token = match token.to_str() {
            Ok(text) if text.is_ascii() => text,
            _ => return Ok(None),
        };
        let expected = if token_type.is(&self.access) {
            // The token's `iss` may pick a trusted issuer's keys: Python routes it.
            if self
                .setting(py, intern!(py, "JWT_TRUSTED_ISSUERS"))?
                .is_truthy()?
            {
                return Ok(None);
            }
            Some("access")
        } else if token_type.is(&self.refresh) {
            Some("refresh")
        } else if token_type.is_none() {
            None
        } else {
            return Ok(None); // a plain string, converted to a member (or refused) by Python
        };
        let Some((key_set, now)) = self.keys_in_memory(py)? else {
            return Ok(None);
        };
        let leeway = self.seconds(py, intern!(py, "JWT_LEEWAY"))?;
        match verify(py, key_set.get(), token, expected, now, leeway) {
            Err(e) if e.is_instance_of::<UnknownKeyIdError>(py) => Ok(None),
            claims => claims.map(Some),
        }
    }
}

#[derive(Clone, Copy)]
enum Clock {
    Realtime,
    Monotonic,
}

/// What `time.time()` (Realtime) or `time.monotonic()` (Monotonic) returns, without the call: on Linux
/// both read `clock_gettime` (CLOCK_REALTIME, CLOCK_MONOTONIC), and the nanoseconds become seconds as
/// CPython's `PyTime_AsSecondsDouble` does, so the float is the very one Python would give. Half the
/// cost of calling the two functions (about 50 ns a token, measured). 64-bit only, where `time_t` is
/// CPython's; None if the clock cannot be read (the function is called then, and says why).
#[cfg(all(target_os = "linux", target_pointer_width = "64"))]
fn clock_seconds(clock: Clock) -> Option<f64> {
    let id = match clock {
        Clock::Realtime => libc::CLOCK_REALTIME,
        Clock::Monotonic => libc::CLOCK_MONOTONIC,
    };
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `now` is a valid timespec to write.
    if unsafe { libc::clock_gettime(id, &mut now) } != 0 {
        return None;
    }
    let nanoseconds = now.tv_sec * 1_000_000_000 + now.tv_nsec;
    Some(if nanoseconds % 1_000_000_000 == 0 {
        (nanoseconds / 1_000_000_000) as f64
    } else {
        nanoseconds as f64 / 1e9
    })
}

/// Elsewhere the functions are called: `builtin_clocks` is None.
#[cfg(not(all(target_os = "linux", target_pointer_width = "64")))]
fn clock_seconds(_: Clock) -> Option<f64> {
    None
}

/// The attribute `name` of an object whose attributes are `namespace`.
fn attribute<'py>(
    namespace: &Bound<'py, PyDict>,
    name: &Bound<'py, PyString>,
) -> PyResult<Bound<'py, PyAny>> {
    namespace
        .get_item(name)?
        .ok_or_else(|| PyAttributeError::new_err(name.to_string()))
}

/// A method definition, which CPython only reads.
struct MethodDef(UnsafeCell<ffi::PyMethodDef>);

// SAFETY: nothing writes to it after it is built.
unsafe impl Sync for MethodDef {}

/// `encode_token` as a METH_FASTCALL function. PyO3 gives a method with `**additional_headers` an argument
/// tuple and a dict (METH_VARARGS) on every call: about 640 instructions more a call (callgrind), and one
/// more object for the garbage collector to count.
static ENCODE_TOKEN: MethodDef = MethodDef(UnsafeCell::new(ffi::PyMethodDef {
    ml_name: c"encode_token".as_ptr(),
    ml_meth: ffi::PyMethodDefPointer {
        PyCFunctionFastWithKeywords: encode_token,
    },
    ml_flags: ffi::METH_FASTCALL | ffi::METH_KEYWORDS,
    ml_doc: c"encode_token(payload, token_type, json_encoder=None, **additional_headers)
--

Signs `payload` with `jti`, `exp`, `iat` and `token_type` added; returns the token and its claims.

The current key signs, and its id goes in the header (`kid`). Values JSON cannot hold go through
`json_encoder` (default: TOKEN_USER_ENCODER_CLS); what cannot be encoded raises `EncodeError`."
        .as_ptr(),
}));

unsafe extern "C" fn encode_token(
    slf: *mut ffi::PyObject,
    args: *const *mut ffi::PyObject,
    nargs: ffi::Py_ssize_t,
    kwnames: *mut ffi::PyObject,
) -> *mut ffi::PyObject {
    // SAFETY: CPython calls this attached to the interpreter, with `slf` the TokenApi given to
    // PyCFunction_NewEx, `kwnames` NULL or a tuple of str, and `args` holding `nargs` positional values
    // followed by one value for each name.
    unsafe {
        let py = Python::assume_attached();
        let called = catch_unwind(AssertUnwindSafe(|| {
            let api = Borrowed::from_ptr(py, slf)
                .cast_unchecked::<TokenApi>()
                .get();
            let arg = |i: usize| Borrowed::from_ptr(py, *args.add(i));
            match (nargs, kwnames.is_null()) {
                (2, true) => api.encode(py, &arg(0), &arg(1), None),
                (3, true) => api.encode(py, &arg(0), &arg(1), Some(&arg(2))),
                _ => {
                    // Keywords, or a wrong count: the Python function, with the same arguments.
                    let nargs = nargs as usize;
                    let positional = PyTuple::new(py, (0..nargs).map(arg))?;
                    let named = PyDict::new(py);
                    if let Some(names) = Borrowed::from_ptr_or_opt(py, kwnames) {
                        for (i, name) in names.try_iter()?.enumerate() {
                            named.set_item(name?, arg(nargs + i))?;
                        }
                    }
                    api.encode.bind(py).call(positional, Some(&named))
                }
            }
        }));
        match called.unwrap_or_else(|_| Err(PanicException::new_err("encode_token panicked"))) {
            Ok(value) => value.into_ptr(),
            Err(error) => {
                error.restore(py);
                ptr::null_mut()
            }
        }
    }
}
