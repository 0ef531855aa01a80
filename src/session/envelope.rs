//! The session envelope: `{"data": "<base64>", "session_id": "<id>"}`, laid
//! out byte for byte as the Python original's `json.dumps` writes it.

use base64_simd::STANDARD;
use serde_json::Value;

const HEAD: &[u8] = b"{\"data\": \"";
const MIDDLE: &[u8] = b"\", \"session_id\": ";
const NULL_TAIL: &[u8] = b"\", \"session_id\": null}";

/// Why bytes are not a session envelope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Malformed {
    /// Not UTF-8 JSON, or not an object.
    Json,
    /// `data` or `session_id` missing or of the wrong type.
    Field,
    /// `data` is not valid standard base64.
    Base64,
}

impl std::fmt::Display for Malformed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Malformed::Json => "not a JSON object",
            Malformed::Field => "data or session_id missing or mistyped",
            Malformed::Base64 => "data is not valid base64",
        })
    }
}

/// Wraps `payload` with the session's JSON form (`"..."` or `null`).
pub(crate) fn wrap(payload: &[u8], session_json: &str) -> Vec<u8> {
    let encoded_len = payload.len().div_ceil(3) * 4;
    let mut out =
        Vec::with_capacity(HEAD.len() + encoded_len + MIDDLE.len() + session_json.len() + 1);
    out.extend_from_slice(HEAD);
    STANDARD.encode_append(payload, &mut out);
    out.extend_from_slice(MIDDLE);
    out.extend_from_slice(session_json.as_bytes());
    out.push(b'}');
    out
}

/// An opened envelope: the payload and the session id (`None` for `null`).
pub type Opened = (Vec<u8>, Option<String>);

/// Unwraps an envelope into its payload and session id (`None` for `null`).
pub fn unwrap(bytes: &[u8]) -> Result<Opened, Malformed> {
    match unwrap_canonical(bytes) {
        Some(parts) => parts,
        None => unwrap_json(bytes),
    }
}

/// The fast path for the layout every sender writes (the original's
/// `json.dumps` and zil's [`wrap`]): `{"data": "<b64>", "session_id": "<id>"}`
/// with a session id free of escapes, or `null`. Read from both ends, so
/// the payload is touched once, by the (SIMD) base64 decoder, which also
/// proves it holds no quote. `None` for anything else, which the general
/// JSON path then reads and judges.
fn unwrap_canonical(bytes: &[u8]) -> Option<Result<Opened, Malformed>> {
    const ID_HEAD: &[u8] = b"\", \"session_id\": \"";
    let rest = bytes.strip_prefix(HEAD)?;
    let (data, session) = match rest.strip_suffix(NULL_TAIL) {
        Some(data) => (data, None),
        None => {
            let body = rest.strip_suffix(b"\"}")?;
            // The id holds no quote (checked below), so the last separator
            // is the one before it; only the id's bytes are scanned.
            let at = body.windows(ID_HEAD.len()).rposition(|w| w == ID_HEAD)?;
            let id = &body[at + ID_HEAD.len()..];
            if id.iter().any(|&b| b == b'"' || b == b'\\' || b < 0x20) {
                return None;
            }
            (&body[..at], Some(std::str::from_utf8(id).ok()?.to_owned()))
        }
    };
    let payload = STANDARD.decode_to_vec(data).ok()?;
    Some(Ok((payload, session)))
}

/// The general path: any JSON object with `data` and `session_id`.
fn unwrap_json(bytes: &[u8]) -> Result<Opened, Malformed> {
    let text = std::str::from_utf8(bytes).map_err(|_| Malformed::Json)?;
    let Ok(Value::Object(mut object)) = serde_json::from_str::<Value>(text) else {
        return Err(Malformed::Json);
    };
    let Some(Value::String(data)) = object.remove("data") else {
        return Err(Malformed::Field);
    };
    let session = match object.remove("session_id") {
        Some(Value::String(s)) => Some(s),
        Some(Value::Null) => None,
        _ => return Err(Malformed::Field),
    };
    let payload = STANDARD
        .decode_to_vec(data.as_bytes())
        .map_err(|_| Malformed::Base64)?;
    Ok((payload, session))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_like_python_json_dumps() {
        // json.dumps({"data": base64.b64encode(b"Hi boy").decode(), "session_id": sid})
        let sid = "\"4a501b51317e2c8f4a0fd7831d3e09dc\"";
        assert_eq!(
            wrap(b"Hi boy", sid),
            b"{\"data\": \"SGkgYm95\", \"session_id\": \"4a501b51317e2c8f4a0fd7831d3e09dc\"}"
                .to_vec()
        );
        assert_eq!(
            wrap(b"", "null"),
            b"{\"data\": \"\", \"session_id\": null}".to_vec()
        );
    }

    #[test]
    fn round_trips_every_length_and_byte() {
        for len in 0..300usize {
            let payload: Vec<u8> = (0..len).map(|i| (i * 7 + len) as u8).collect();
            let (back, sid) = unwrap(&wrap(&payload, "\"s\"")).expect("valid envelope");
            assert_eq!(back, payload);
            assert_eq!(sid.as_deref(), Some("s"));
        }
    }

    #[test]
    fn fast_and_general_paths_agree() {
        let cases: [&[u8]; 12] = [
            // a quote inside "data" is another field: only the JSON path
            // reads it right
            b"{\"data\": \"AAAA\", \"x\": \"\", \"session_id\": \"s\"}",
            b"{\"data\": \"AAAA\", \"session_id\": null, \"session_id\": \"s\"}",
            b"{\"data\": \"SG\xffk=\", \"session_id\": \"x\"}",
            b"{\"data\": \"SGkgYm95\", \"session_id\": \"4a50\"}",
            b"{\"data\": \"\", \"session_id\": null}",
            b"{\"data\": \"SGk=\", \"session_id\": \"s\\u00e9\"}",
            b"{\"data\": \"SGk=\", \"session_id\": \"a\\\"b\"}",
            b"{\"session_id\": \"x\", \"data\": \"SGk=\"}",
            b"{\"data\":\"SGk=\",\"session_id\":\"x\"}",
            b"{\"data\": \"!!\", \"session_id\": \"x\"}",
            b"{\"data\": \"SGk=\", \"session_id\": \"x\"} ",
            b"{\"data\": \"SGk=\", \"session_id\": 5}",
        ];
        for case in cases {
            assert_eq!(
                unwrap(case),
                unwrap_json(case),
                "{}",
                String::from_utf8_lossy(case)
            );
        }
        assert_eq!(unwrap(cases[0]), Ok((vec![0, 0, 0], Some("s".to_owned()))));
        assert_eq!(unwrap(cases[5]).map(|(_, s)| s), Ok(Some("sé".to_owned())));
        assert_eq!(
            unwrap(cases[6]).map(|(_, s)| s),
            Ok(Some("a\"b".to_owned()))
        );
    }

    #[test]
    fn refuses_malformed_envelopes() {
        assert_eq!(unwrap(b"\xff\xfe"), Err(Malformed::Json));
        assert_eq!(unwrap(b"not json"), Err(Malformed::Json));
        assert_eq!(unwrap(b"[1,2]"), Err(Malformed::Json));
        assert_eq!(unwrap(b"{\"session_id\": \"s\"}"), Err(Malformed::Field));
        assert_eq!(
            unwrap(b"{\"data\": 5, \"session_id\": \"s\"}"),
            Err(Malformed::Field)
        );
        assert_eq!(unwrap(b"{\"data\": \"AA==\"}"), Err(Malformed::Field));
        assert_eq!(
            unwrap(b"{\"data\": \"AA==\", \"session_id\": 7}"),
            Err(Malformed::Field)
        );
        assert_eq!(
            unwrap(b"{\"data\": \"!!!\", \"session_id\": \"s\"}"),
            Err(Malformed::Base64)
        );
        assert_eq!(
            unwrap(b"{\"data\": \"AA=\", \"session_id\": \"s\"}"),
            Err(Malformed::Base64)
        );
        assert_eq!(
            unwrap(b"{\"data\": \"AA==\", \"session_id\": null}"),
            Ok((vec![0], None))
        );
    }
}
