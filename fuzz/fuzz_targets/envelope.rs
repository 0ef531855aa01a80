//! `zil::session::open_envelope` on arbitrary bytes: never panics, and
//! whatever it opens survives re-wrapping in zil's outpad layout.
#![no_main]

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok((payload, session)) = zil::session::open_envelope(data) else {
        return;
    };
    // The outpad's layout, byte for byte (Python's json.dumps separators).
    let session_json = match &session {
        Some(id) => serde_json::to_string(id).expect("a string serializes"),
        None => "null".to_owned(),
    };
    let rewrapped = format!(
        "{{\"data\": \"{}\", \"session_id\": {}}}",
        STANDARD.encode(&payload),
        session_json
    );
    let (again, session_again) = zil::session::open_envelope(rewrapped.as_bytes())
        .unwrap_or_else(|e| panic!("re-wrapped envelope refused ({e}): {rewrapped}"));
    assert_eq!(again, payload, "payload changed on re-wrap");
    assert_eq!(session_again, session, "session id changed on re-wrap");
});
