//! JSON -> Python -> JSON: any JSON object becomes a dict and comes back the same, never a panic.
#![no_main]

use _core::python::convert::{dict_from_map, to_json_object};
use libfuzzer_sys::fuzz_target;
use pyo3::Python;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    Python::attach(|py| {
        let dict = dict_from_map(py, &map).expect("JSON always converts to Python");
        let back = to_json_object(&dict, None).expect("what came from JSON goes back to JSON");
        // Duplicate keys collapse the same way in both directions: the last one wins.
        assert_eq!(back, map);
    });
});
