//! CURVE keys: 32-byte Curve25519 keys, written as 40-character Z85 text
//! (the form libzmq, pyzmq and `curve_keygen` use).

use crate::error::{Error, ErrorKind, Result};
use std::fmt;

/// Length of a key in Z85 text.
pub const Z85_KEY_LEN: usize = 40;

/// A CURVE public key. Its `Debug` form never shows the key.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct PublicKey([u8; 32]);

/// A CURVE secret key. Its `Debug` form never shows the key.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretKey([u8; 32]);

/// A public key with its secret key.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct KeyPair {
    /// The key peers are told.
    pub public: PublicKey,
    /// The key kept to oneself.
    pub secret: SecretKey,
}

/// True when the linked libzmq can encrypt (CURVE). The libzmq that the
/// `zmq` crate builds from source cannot; a system libzmq built with
/// libsodium (Debian's) can.
pub fn supported() -> bool {
    zmq::has("curve").unwrap_or(false)
}

/// `Ok` when the linked libzmq has CURVE, else the `NotSupported` error
/// that every CURVE operation gives.
pub(crate) fn require() -> Result<()> {
    if supported() {
        return Ok(());
    }
    Err(Error::new(
        ErrorKind::NotSupported,
        "CURVE encryption is not supported by this libzmq build (it was built without \
         libsodium); build zil against a CURVE-capable libzmq (README: Encryption)",
    ))
}

extern "C" {
    /// libzmq's derivation of a public key from a secret key (`zmq.h`);
    /// the `zmq-sys` crate does not declare it.
    fn zmq_curve_public(public: *mut std::ffi::c_char, secret: *const std::ffi::c_char) -> i32;
}

/// The 85 characters of Z85 (ZeroMQ RFC 32).
const Z85_ALPHABET: &str =
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";

/// Decodes a 40-character Z85 key. One trailing newline (`\n` or `\r\n`,
/// what `fgets` leaves of a line read from a key file) is ignored. An error
/// says what is wrong (the length, the position of a bad character) and
/// never shows the text: no key material goes into an error.
fn decode(text: &str, what: &str) -> Result<[u8; 32]> {
    let z85 = text
        .strip_suffix("\r\n")
        .or_else(|| text.strip_suffix('\n'))
        .unwrap_or(text);
    let bad = |why: String| {
        Error::invalid(format!(
            "{what} is not a CURVE key: {why} (the key itself is not shown)"
        ))
    };
    let len = z85.chars().count();
    if len != Z85_KEY_LEN {
        let end = match z85.chars().last() {
            Some(c) if !is_z85(c) => format!("; it ends in {}", describe(c)),
            _ => String::new(),
        };
        return Err(bad(format!(
            "it has {len} characters, a Z85 key has {Z85_KEY_LEN}{end}"
        )));
    }
    if let Some((at, c)) = z85.chars().enumerate().find(|&(_, c)| !is_z85(c)) {
        return Err(bad(format!(
            "character {} of {Z85_KEY_LEN} is {}, which is no Z85 character",
            at + 1,
            describe(c)
        )));
    }
    let mut key = [0u8; 32];
    for (group, (chunk, out)) in z85.as_bytes().chunks(5).zip(key.chunks_mut(4)).enumerate() {
        let mut value: u64 = 0;
        for &c in chunk {
            let digit = Z85_ALPHABET.bytes().position(|a| a == c).unwrap_or(0);
            value = value * 85 + digit as u64;
        }
        let value = u32::try_from(value).map_err(|_| {
            bad(format!(
                "characters {}-{} exceed 32 bits, which no Z85 key does",
                group * 5 + 1,
                group * 5 + 5
            ))
        })?;
        out.copy_from_slice(&value.to_be_bytes());
    }
    Ok(key)
}

fn is_z85(c: char) -> bool {
    c.is_ascii() && Z85_ALPHABET.contains(c)
}

/// Names a character that is no Z85 character. It cannot be part of a key,
/// so naming it shows nothing of one; a Z85 character is never described.
fn describe(c: char) -> String {
    match c {
        _ if is_z85(c) => "a Z85 character".to_owned(),
        ' ' => "a space".to_owned(),
        '\t' => "a tab".to_owned(),
        '\n' => "a newline".to_owned(),
        '\r' => "a carriage return".to_owned(),
        _ if c.is_control() => format!("the control character U+{:04X}", u32::from(c)),
        _ if c.is_ascii() => format!("'{c}'"),
        _ => format!("the non-ASCII character U+{:04X}", u32::from(c)),
    }
}

/// Z85 text of a key (the `zmq` crate's codec leaks its buffer, so zil has
/// its own: 4 bytes become 5 characters, most significant first).
fn encode(key: &[u8; 32]) -> String {
    let alphabet = Z85_ALPHABET.as_bytes();
    let mut text = String::with_capacity(Z85_KEY_LEN);
    for chunk in key.chunks(4) {
        let mut value = u32::from_be_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
        let mut digits = [0u8; 5];
        for d in digits.iter_mut().rev() {
            *d = alphabet[(value % 85) as usize];
            value /= 85;
        }
        text.extend(digits.iter().map(|&d| char::from(d)));
    }
    text
}

impl PublicKey {
    /// Parses a 40-character Z85 key (one trailing `\n` or `\r\n` is
    /// ignored). The error never shows the text.
    pub fn from_z85(z85: &str) -> Result<Self> {
        decode(z85, "public key").map(PublicKey)
    }

    /// The key as 40 characters of Z85.
    pub fn to_z85(&self) -> String {
        encode(&self.0)
    }

    /// The raw 32 bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    pub(crate) fn from_bytes(bytes: [u8; 32]) -> Self {
        PublicKey(bytes)
    }
}

impl fmt::Debug for PublicKey {
    /// Never shows the key: a `Debug` form ends up in panic messages and
    /// logs, where no key material goes.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PublicKey(..)")
    }
}

impl SecretKey {
    /// Parses a 40-character Z85 key (one trailing `\n` or `\r\n` is
    /// ignored). The error never shows the text.
    pub fn from_z85(z85: &str) -> Result<Self> {
        decode(z85, "secret key").map(SecretKey)
    }

    /// The key as 40 characters of Z85.
    pub fn to_z85(&self) -> String {
        encode(&self.0)
    }

    /// The raw 32 bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The public key that belongs to this secret key.
    /// `NotSupported` without CURVE.
    pub fn public_key(&self) -> Result<PublicKey> {
        require()?;
        let secret = std::ffi::CString::new(self.to_z85()).unwrap_or_default();
        let mut public = [0 as std::ffi::c_char; Z85_KEY_LEN + 1];
        // SAFETY: libzmq reads a NUL-terminated 40-character key and writes 41
        // bytes (40 + NUL) into a buffer of exactly that size.
        let rc = unsafe { zmq_curve_public(public.as_mut_ptr(), secret.as_ptr()) };
        if rc != 0 {
            // SAFETY: reads libzmq's thread-local errno.
            let err = zmq::Error::from_raw(unsafe { zmq_sys::zmq_errno() });
            return Err(Error::zmq("cannot derive the CURVE public key", err));
        }
        // SAFETY: libzmq NUL-terminated the buffer.
        let text = unsafe { std::ffi::CStr::from_ptr(public.as_ptr()) };
        PublicKey::from_z85(&text.to_string_lossy())
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey(..)")
    }
}

impl KeyPair {
    /// A new random key pair. `NotSupported` without CURVE.
    pub fn generate() -> Result<Self> {
        require()?;
        let pair = zmq::CurveKeyPair::new()
            .map_err(|e| Error::zmq("cannot generate a CURVE key pair", e))?;
        Ok(KeyPair {
            public: PublicKey(pair.public_key),
            secret: SecretKey(pair.secret_key),
        })
    }

    /// A pair of keys given separately; `InvalidArgument` when `secret` does
    /// not belong to `public`, `NotSupported` without CURVE.
    pub fn new(public: PublicKey, secret: SecretKey) -> Result<Self> {
        if secret.public_key()? != public {
            return Err(Error::invalid(
                "the secret key does not belong to the public key",
            ));
        }
        Ok(KeyPair { public, secret })
    }

    /// The pair of a secret key (its public key derived).
    pub fn from_secret(secret: SecretKey) -> Result<Self> {
        Ok(KeyPair {
            public: secret.public_key()?,
            secret,
        })
    }
}
