//! JSON-RPC reply parsing (the client side) on arbitrary bytes: never
//! panics; accepts exactly the JSON objects, and reads `error` (bare string
//! or object) as a failure and otherwise `result`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let parsed = zil::fuzzing::parse_reply(data);
    let json = std::str::from_utf8(data)
        .ok()
        .and_then(|text| serde_json::from_str::<Value>(text).ok());
    match (json, parsed) {
        (Some(Value::Object(object)), Ok((outcome, id))) => {
            assert_eq!(Some(&id), object.get("id").or(Some(&Value::Null)));
            match (object.get("error"), outcome) {
                (Some(Value::String(s)), Err(text)) => assert_eq!(&text, s),
                (Some(_), Err(_)) => {}
                (None, Ok(result)) => {
                    assert_eq!(Some(&result), object.get("result").or(Some(&Value::Null)))
                }
                (error, outcome) => panic!("error key {error:?} but outcome {outcome:?}"),
            }
        }
        (Some(Value::Object(_)), Err(e)) => panic!("a JSON object was refused: {e}"),
        (_, Ok(parsed)) => panic!("a non-object was accepted: {parsed:?}"),
        (_, Err(_)) => {}
    }
});
