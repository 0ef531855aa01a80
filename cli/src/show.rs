//! How `zil sub` shows payloads: one line per message,
//! whatever the bytes are.

use std::fmt::Write;

/// How `zil sub --format` prints payloads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// UTF-8 text with control characters escaped, `hex:…` for other bytes.
    Text,
    /// Always `hex:…`.
    Hex,
    /// The bytes as they came, unescaped (may span lines).
    Raw,
}

/// The payload as text when it is valid UTF-8 (control characters escaped so
/// a message stays one line), else as `hex:…`; at most `max` bytes (0: all).
pub fn payload(data: &[u8], force_hex: bool, max: usize) -> String {
    let limit = if max == 0 {
        data.len()
    } else {
        max.min(data.len())
    };
    let mut out = String::new();
    let shown = match std::str::from_utf8(data) {
        Ok(text) if !force_hex => {
            let mut end = limit;
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            escape_into(&mut out, &text[..end]);
            end
        }
        _ => {
            out.push_str("hex:");
            for byte in &data[..limit] {
                // Writing to a String cannot fail.
                let _ = write!(out, "{byte:02x}");
            }
            limit
        }
    };
    if shown < data.len() {
        let _ = write!(out, " …(+{} B)", data.len() - shown);
    }
    out
}

/// The payload in `format`, at most `max` bytes (0: all): text and hex as
/// [`payload`] writes them, raw as the bytes themselves.
pub fn render(data: &[u8], format: Format, max: usize) -> Vec<u8> {
    match format {
        Format::Text => payload(data, false, max).into_bytes(),
        Format::Hex => payload(data, true, max).into_bytes(),
        Format::Raw => {
            let shown = if max == 0 {
                data.len()
            } else {
                max.min(data.len())
            };
            let mut out = data[..shown].to_vec();
            if shown < data.len() {
                out.extend(format!(" …(+{} B)", data.len() - shown).into_bytes());
            }
            out
        }
    }
}

fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_stays_on_one_line() {
        assert_eq!(payload(b"a\tb\nc\\", false, 0), "a\\tb\\nc\\\\");
        assert_eq!(payload("é\u{1}".as_bytes(), false, 0), "é\\u{1}");
    }

    #[test]
    fn binary_and_forced_hex() {
        assert_eq!(payload(&[0xff, 0x00], false, 0), "hex:ff00");
        assert_eq!(payload(b"hi", true, 0), "hex:6869");
        assert_eq!(payload(b"", false, 0), "");
    }

    #[test]
    fn raw_is_the_bytes() {
        assert_eq!(render(b"a\n\xff", Format::Raw, 0), b"a\n\xff");
        assert_eq!(render(b"abcdef", Format::Raw, 4), "abcd …(+2 B)".as_bytes());
        assert_eq!(render(b"hi", Format::Hex, 0), b"hex:6869");
    }

    #[test]
    fn long_payloads_are_cut() {
        assert_eq!(payload(b"abcdef", false, 4), "abcd …(+2 B)");
        assert_eq!(payload("ééé".as_bytes(), false, 3), "é …(+4 B)");
        assert_eq!(payload(&[0xff; 5], false, 2), "hex:ffff …(+3 B)");
    }
}
