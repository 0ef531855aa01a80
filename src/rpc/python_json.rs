//! JSON text laid out exactly as Python's `json.dumps` writes it with its
//! defaults (`", "` and `": "` separators, `ensure_ascii`, `repr` floats),
//! so that what zil sends is byte-identical to what the original sends.
//! Object members come in the order given ([`object`]) or, for nested
//! objects, in the map's order.

use serde_json::{Number, Value};
use std::fmt::Write;

/// The object with `fields` in this order, as `json.dumps` writes a dict
/// built in that order.
pub(crate) fn object(fields: &[(&str, &Value)]) -> String {
    let mut out = String::new();
    write_members(&mut out, fields.iter().map(|(k, v)| (*k, *v)));
    out
}

/// `text` as a JSON string, non-ASCII characters as `\uXXXX` escapes.
pub(crate) fn string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    write_str(&mut out, text);
    out
}

fn write_value(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Number(n) => write_number(out, n),
        Value::String(s) => write_str(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_value(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => write_members(out, map.iter().map(|(k, v)| (k.as_str(), v))),
    }
}

fn write_members<'a>(out: &mut String, members: impl Iterator<Item = (&'a str, &'a Value)>) {
    out.push('{');
    for (i, (key, value)) in members.enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        write_str(out, key);
        out.push_str(": ");
        write_value(out, value);
    }
    out.push('}');
}

/// Python's `c_encode_basestring_ascii`: printable ASCII as is, `"` and
/// `\` and the usual control characters as two-character escapes,
/// everything else (DEL and non-ASCII too) as `\uXXXX` UTF-16 units in
/// lowercase hex.
fn write_str(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            ' '..='~' => out.push(c),
            _ => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    // Writing to a String cannot fail.
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
        }
    }
    out.push('"');
}

fn write_number(out: &mut String, n: &Number) {
    match n.as_f64().filter(|_| n.is_f64()) {
        Some(f) => write_float(out, f),
        None => {
            let _ = write!(out, "{n}");
        }
    }
}

/// Python's `repr(float)`: the shortest digits that round-trip, in fixed
/// notation when the decimal exponent is in -4..16 (with `.0` for whole
/// numbers), else `d.ddde+XX`.
fn write_float(out: &mut String, f: f64) {
    // Rust's `{:e}` gives the same shortest digits: `d.ddde<exp>`.
    let sci = format!("{:e}", f.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let exp: i32 = exp.parse().unwrap_or(0);
    if f.is_sign_negative() {
        out.push('-');
    }
    // The decimal point's place after the first digit, as CPython counts it.
    let point = exp + 1;
    if point > -4 && point <= 16 {
        let n = digits.len() as i32;
        if point <= 0 {
            out.push_str("0.");
            out.extend(std::iter::repeat_n('0', (-point) as usize));
            out.push_str(&digits);
        } else if point >= n {
            out.push_str(&digits);
            out.extend(std::iter::repeat_n('0', (point - n) as usize));
            out.push_str(".0");
        } else {
            let (int, frac) = digits.split_at(point as usize);
            out.push_str(int);
            out.push('.');
            out.push_str(frac);
        }
    } else {
        let (first, rest) = digits.split_at(1.min(digits.len()));
        out.push_str(first);
        if !rest.is_empty() {
            out.push('.');
            out.push_str(rest);
        }
        let sign = if exp < 0 { '-' } else { '+' };
        let _ = write!(out, "e{sign}{:02}", exp.abs());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn dumps(value: &Value) -> String {
        let mut out = String::new();
        write_value(&mut out, value);
        out
    }

    #[test]
    fn writes_like_python_json_dumps() {
        // Each expected text is what CPython 3's json.dumps printed.
        let cases = [
            (
                json!({"a": [1, -2, true, null], "b": {}}),
                r#"{"a": [1, -2, true, null], "b": {}}"#,
            ),
            (json!([]), "[]"),
            (json!("sé\u{7f}\u{1}"), r#""s\u00e9\u007f\u0001""#),
            (json!("a😀"), r#""a\ud83d\ude00""#),
            (json!("q\"\\\n\r\t\u{8}\u{c}/"), r#""q\"\\\n\r\t\b\f/""#),
            (json!(18446744073709551615u64), "18446744073709551615"),
        ];
        for (value, text) in cases {
            assert_eq!(dumps(&value), text, "{value:?}");
        }
    }

    #[test]
    fn writes_floats_like_python_repr() {
        // repr() of each float in CPython 3.
        let cases = [
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (1.0, "1.0"),
            (-2.5, "-2.5"),
            (0.1, "0.1"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (1.5e-7, "1.5e-07"),
            (1e15, "1000000000000000.0"),
            (1e16, "1e+16"),
            (123456789012345678.0, "1.2345678901234568e+17"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
            (5e-324, "5e-324"),
            (12345.678, "12345.678"),
        ];
        for (f, text) in cases {
            assert_eq!(dumps(&json!(f)), text, "{f:?}");
        }
    }

    #[test]
    fn keeps_the_given_member_order() {
        let text = object(&[("jsonrpc", &json!("2.0")), ("method", &json!("verify"))]);
        assert_eq!(text, r#"{"jsonrpc": "2.0", "method": "verify"}"#);
        assert_eq!(string("4a50"), "\"4a50\"");
    }
}
