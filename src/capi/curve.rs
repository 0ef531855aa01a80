//! CURVE keys from C: support detection, key-pair generation, public-key
//! derivation. The CURVE settings of ports are in `zil_options_t`.

use super::convert::{out_arg, str_arg};
use super::result::zil_result;
use crate::curve::{self, KeyPair, SecretKey};
use std::ffi::c_char;

/// Bytes of a buffer that receives a key: 40 characters of Z85 text and
/// the terminating NUL.
pub const ZIL_CURVE_KEY_SIZE: usize = 41;
const _: () = assert!(ZIL_CURVE_KEY_SIZE == curve::Z85_KEY_LEN + 1);

/// True when this build's libzmq can encrypt and authenticate with CURVE.
/// When false, every CURVE function and option returns `ZIL_NOT_SUPPORTED`.
/// Thread-safe.
#[no_mangle]
pub extern "C" fn zil_curve_supported() -> bool {
    ffi! { Ok(curve::supported()) }
}

/// Generates a new CURVE key pair and writes both keys as NUL-terminated
/// 40-character Z85 text to `public_key` and `secret_key`, caller buffers
/// of at least `ZIL_CURVE_KEY_SIZE` bytes each (written only on success).
/// `ZIL_NOT_SUPPORTED` without CURVE. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn zil_curve_keypair(
    public_key: *mut c_char,
    secret_key: *mut c_char,
) -> zil_result {
    ffi! {
        out_arg(public_key, "public_key")?;
        out_arg(secret_key, "secret_key")?;
        let pair = KeyPair::generate()?;
        write_key(public_key, &pair.public.to_z85());
        write_key(secret_key, &pair.secret.to_z85());
        Ok(zil_result::ZIL_OK)
    }
}

/// Writes the public key that belongs to `secret_key` (40 characters of
/// Z85) to `public_key`, a caller buffer of at least `ZIL_CURVE_KEY_SIZE`
/// bytes (written only on success). Like every zil function that takes a
/// key, it ignores one trailing newline (`"\n"` or `"\r\n"`, as `fgets`
/// reads a line of a key file), and its error text says what is wrong
/// without ever showing the key. `ZIL_INVALID_ARGUMENT` when `secret_key`
/// is no Z85 key, `ZIL_NOT_SUPPORTED` without CURVE.
#[no_mangle]
pub unsafe extern "C" fn zil_curve_public_key(
    secret_key: *const c_char,
    public_key: *mut c_char,
) -> zil_result {
    ffi! {
        let secret = SecretKey::from_z85(str_arg(secret_key, "secret_key")?)?;
        out_arg(public_key, "public_key")?;
        write_key(public_key, &secret.public_key()?.to_z85());
        Ok(zil_result::ZIL_OK)
    }
}

/// Copies a 40-character key and a NUL to `out`.
///
/// # Safety
/// `out` is valid for writes of `ZIL_CURVE_KEY_SIZE` bytes.
unsafe fn write_key(out: *mut c_char, z85: &str) {
    let bytes = &z85.as_bytes()[..z85.len().min(curve::Z85_KEY_LEN)];
    std::ptr::copy_nonoverlapping(bytes.as_ptr().cast::<c_char>(), out, bytes.len());
    *out.add(bytes.len()) = 0;
}
