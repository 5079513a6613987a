//! Small text encodings the clouds need: base64 (standard alphabet), percent-encoding and
//! decimal formatting. Hand-written because each is a few dozen lines, while a crate (or
//! `format!`) would cost wasm size the mini-program budget cannot spare.

use super::error::{SigningError, SigningErrorKind};

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with `=` padding (RFC 4648 §4), as OneNET expects for its `sign`.
pub fn base64_encode(input: &[u8]) -> String {
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    for chunk in input.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        // One output char per 6 bits actually present; the rest is padding.
        let chars = chunk.len() + 1;
        for i in 0..4 {
            if i < chars {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 0x3f) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn sextet(c: u8) -> Option<u8> {
    match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    }
}

/// Decodes standard base64 as the clouds' consoles print it (Tencent PSK, OneNET keys).
///
/// Surrounding ASCII whitespace is ignored (keys are pasted from consoles); padding may be
/// present or absent. Anything else outside the alphabet, padding before the end, or a
/// length no encoder can produce is an error whose message names `what` — never the input,
/// which is a secret.
pub fn base64_decode(input: &str, what: &'static str) -> Result<Vec<u8>, SigningError> {
    let err = SigningError::new(SigningErrorKind::BadBase64, what);
    let bytes = input.trim_ascii().as_bytes();
    let unpadded = match bytes {
        [rest @ .., b'=', b'='] => rest,
        [rest @ .., b'='] => rest,
        _ => bytes,
    };
    // With padding the total must be a multiple of 4; a lone sextet can never encode a byte.
    if (unpadded.len() != bytes.len() && bytes.len() % 4 != 0) || unpadded.len() % 4 == 1 {
        return Err(err);
    }
    let mut out = Vec::with_capacity(unpadded.len() * 3 / 4);
    for chunk in unpadded.chunks(4) {
        let mut n: u32 = 0;
        for &c in chunk {
            n = (n << 6) | u32::from(sextet(c).ok_or(err)?);
        }
        // Left-align a short final chunk, then keep only the whole bytes it carries; the
        // leftover low bits are dropped as every common decoder (Node, Python) does.
        n <<= 6 * (4 - chunk.len() as u32);
        let produced = chunk.len() - 1;
        for i in 0..produced {
            out.push((n >> (16 - 8 * i)) as u8);
        }
    }
    Ok(out)
}

/// Percent-encodes everything except RFC 3986 unreserved characters (`A-Z a-z 0-9 - . _ ~`),
/// uppercase hex. This is the strictest form, so it is safe for any query value.
pub fn percent_encode(input: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(input.len());
    for &b in input.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(HEX[usize::from(b >> 4)] as char);
            out.push(HEX[usize::from(b & 0xf)] as char);
        }
    }
    out
}

/// Appends `n` in decimal (integer `to_string` would pull in `core::fmt`).
pub(crate) fn push_decimal(out: &mut String, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &d in &digits[i..] {
        out.push(d as char);
    }
}

/// Appends `n` in decimal, left-padded with zeros to `width` digits.
pub(crate) fn push_padded(out: &mut String, n: u64, width: usize) {
    let mut tmp = String::new();
    push_decimal(&mut tmp, n);
    for _ in tmp.len()..width {
        out.push('0');
    }
    out.push_str(&tmp);
}

/// Lowercase hex of a digest.
pub(crate) fn hex_lower(bytes: &[u8]) -> String {
    hex::encode(bytes)
}
