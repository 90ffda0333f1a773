//! JSON -> Python -> JSON: any JSON object becomes a dict and comes back the same, never a panic.
#![no_main]

use _core::python::convert::{dict_from_json, object_json};
use libfuzzer_sys::fuzz_target;
use pyo3::Python;
use serde_json::{Map, Value};

fuzz_target!(|data: &[u8]| {
    let Ok(map) = serde_json::from_slice::<Map<String, Value>>(data) else {
        return;
    };
    Python::attach(|py| {
        let dict = dict_from_json(py, data).expect("a JSON object always converts to a dict");
        let back = match object_json(&dict, None) {
            Ok(back) => back,
            // Integers past 64 bits are Python ints the writer refuses; nothing else may fail.
            Err(e) if e.to_string().contains("integers must fit in 64 bits") => return,
            Err(e) => panic!("what came from JSON goes back to JSON: {e}"),
        };
        // Duplicate names collapse the same way in both directions: the last one wins.
        let back: Map<String, Value> = serde_json::from_slice(&back).expect("the writer writes JSON");
        assert_eq!(back, map);
    });
});
