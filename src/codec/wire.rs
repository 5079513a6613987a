//! MQTT primitive data types (§1.5): a bounds-checked reader over one packet and a byte sink
//! that either writes or only counts, so `encode` and `encoded_len` share one code path.

use super::validate;
use super::CodecError;
use alloc::string::String;
use alloc::vec::Vec;
use bytes::Bytes;

/// Largest value a Variable Byte Integer can hold (four bytes).
pub const VARINT_MAX: u32 = 268_435_455;

/// Decodes a Variable Byte Integer from the start of `buf`.
///
/// `Ok(None)`: `buf` ends inside the integer. Rejects a fifth byte and non-minimal forms
/// (a trailing 0x00 continuation byte), which v5 forbids [MQTT-1.5.5-1] and 3.1.1 never
/// produces; accepting them would let two byte strings mean one packet.
pub fn varint(buf: &[u8]) -> Result<Option<(u32, usize)>, CodecError> {
    let mut value: u32 = 0;
    for (i, &byte) in buf.iter().enumerate() {
        if i == 4 {
            return Err(CodecError::MalformedRemainingLength);
        }
        value |= u32::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            if i > 0 && byte == 0 {
                return Err(CodecError::NonMinimalRemainingLength);
            }
            return Ok(Some((value, i + 1)));
        }
    }
    if buf.len() >= 4 {
        return Err(CodecError::MalformedRemainingLength);
    }
    Ok(None)
}

/// Bytes a Variable Byte Integer of `value` takes.
pub fn varint_len(value: u32) -> usize {
    match value {
        0..=127 => 1,
        128..=16_383 => 2,
        16_384..=2_097_151 => 3,
        _ => 4,
    }
}

/// Whether `b` is well-formed UTF-8: shortest forms only, no surrogates, nothing above
/// U+10FFFF. The same answer as `core::str::from_utf8`, whose word-at-a-time ASCII path is
/// about 650 bytes of wasm to speed up strings that here are topics a few dozen bytes long.
/// `core::str::from_utf8(b).ok()` through `is_utf8`, for the wasm boundary's strings too.
pub(crate) fn str_of(b: &[u8]) -> Option<&str> {
    // SAFETY: `is_utf8` accepts exactly what `core::str::from_utf8` accepts (tests below).
    is_utf8(b).then(|| unsafe { core::str::from_utf8_unchecked(b) })
}

fn is_utf8(b: &[u8]) -> bool {
    let mut i = 0;
    while i < b.len() {
        let lead = b[i];
        let (extra, min) = match lead {
            0x00..=0x7f => {
                i += 1;
                continue;
            }
            0xc0..=0xdf => (1, 0x80),
            0xe0..=0xef => (2, 0x800),
            0xf0..=0xf7 => (3, 0x1_0000),
            _ => return false,
        };
        let mut cp = u32::from(lead) & (0x3f >> extra);
        for k in 1..=extra {
            match b.get(i + k) {
                Some(&c) if c & 0xc0 == 0x80 => cp = (cp << 6) | u32::from(c & 0x3f),
                _ => return false,
            }
        }
        if cp < min || cp > 0x10_ffff || (0xd800..=0xdfff).contains(&cp) {
            return false;
        }
        i += 1 + extra;
    }
    true
}

/// Reads one packet's body; every read fails cleanly past the end.
pub struct Reader {
    buf: Bytes,
    pos: usize,
}

const SHORT: CodecError = CodecError::Malformed("packet shorter than its fields");

impl Reader {
    pub fn new(buf: Bytes) -> Reader {
        Reader { buf, pos: 0 }
    }

    pub fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    pub fn is_empty(&self) -> bool {
        self.remaining() == 0
    }

    /// The packet must end here: a field that "ends early" is how a corrupt length shows up.
    pub fn finish(&self) -> Result<(), CodecError> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(CodecError::TrailingBytes)
        }
    }

    /// The next `n` bytes, borrowed: fields read as numbers or copied into a `String` need
    /// no `Bytes` of their own (each one a reference count taken and given back).
    fn next_bytes(&mut self, n: usize) -> Result<&[u8], CodecError> {
        let end = self.pos.checked_add(n).ok_or(SHORT)?;
        if end > self.buf.len() {
            return Err(SHORT);
        }
        let start = core::mem::replace(&mut self.pos, end);
        Ok(&self.buf[start..end])
    }

    pub fn take(&mut self, n: usize) -> Result<Bytes, CodecError> {
        let start = self.pos;
        self.next_bytes(n)?;
        Ok(self.buf.slice(start..self.pos))
    }

    /// Everything left (PUBLISH payload).
    pub fn rest(&mut self) -> Bytes {
        let out = self.buf.slice(self.pos..);
        self.pos = self.buf.len();
        out
    }

    pub fn u8(&mut self) -> Result<u8, CodecError> {
        let b = *self.buf.get(self.pos).ok_or(SHORT)?;
        self.pos += 1;
        Ok(b)
    }

    pub fn u16(&mut self) -> Result<u16, CodecError> {
        let b = self.next_bytes(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    pub fn u32(&mut self) -> Result<u32, CodecError> {
        let b = self.next_bytes(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    pub fn varint(&mut self) -> Result<u32, CodecError> {
        match varint(&self.buf[self.pos..])? {
            Some((value, len)) => {
                self.pos += len;
                Ok(value)
            }
            None => Err(SHORT),
        }
    }

    /// Binary Data: two-byte length, then the bytes.
    pub fn binary(&mut self) -> Result<Bytes, CodecError> {
        let len = self.u16()?;
        self.take(usize::from(len))
    }

    /// UTF-8 Encoded String: well-formed (no surrogates, by `from_utf8`) and without U+0000.
    pub fn string(&mut self) -> Result<String, CodecError> {
        let len = self.u16()?;
        let raw = self.next_bytes(usize::from(len))?;
        if !is_utf8(raw) {
            return Err(CodecError::InvalidUtf8);
        }
        // SAFETY: `is_utf8` accepts exactly what `core::str::from_utf8` accepts (the tests
        // below compare the two on every sequence of up to three bytes and on four-byte ones).
        let s = unsafe { core::str::from_utf8_unchecked(raw) };
        validate::utf8_field(s)?;
        Ok(String::from(s))
    }

    /// A packet identifier, which is never 0 [MQTT-2.3.1-1].
    pub fn pkid(&mut self) -> Result<u16, CodecError> {
        match self.u16()? {
            0 => Err(CodecError::PacketIdZero),
            id => Ok(id),
        }
    }
}

/// Where encoded bytes go: appended to a `Vec<u8>`, or only counted (for lengths that
/// precede what they measure). One concrete type rather than a trait with a `Vec` and a
/// counter implementation: the generic encoder was compiled once per sink, about 4 KB of
/// wasm for the second copy, while the branch in `put` costs nothing measurable.
pub struct Sink<'a> {
    out: Option<&'a mut Vec<u8>>,
    /// Bytes put so far. Saturates: anything near `usize::MAX` is far above the
    /// 268,435,455-byte limit and rejected anyway.
    pub len: usize,
    /// A PUBLISH payload is counted but not written: the caller sends it from where it is.
    pub leave_out_payload: bool,
}

impl<'a> Sink<'a> {
    /// Appends to `out`.
    pub fn to(out: &'a mut Vec<u8>) -> Sink<'a> {
        Sink {
            out: Some(out),
            len: 0,
            leave_out_payload: false,
        }
    }

    /// Counts what would be written.
    pub fn counter() -> Sink<'static> {
        Sink {
            out: None,
            len: 0,
            leave_out_payload: false,
        }
    }

    pub fn put(&mut self, bytes: &[u8]) {
        if let Some(out) = self.out.as_deref_mut() {
            out.extend_from_slice(bytes);
        }
        self.len = self.len.saturating_add(bytes.len());
    }

    /// The payload of a PUBLISH, the last thing in the packet.
    pub fn payload(&mut self, bytes: &[u8]) {
        if self.leave_out_payload {
            self.len = self.len.saturating_add(bytes.len());
        } else {
            self.put(bytes);
        }
    }

    pub fn u8(&mut self, b: u8) {
        self.put(&[b]);
    }

    pub fn u16(&mut self, v: u16) {
        self.put(&v.to_be_bytes());
    }

    pub fn u32(&mut self, v: u32) {
        self.put(&v.to_be_bytes());
    }

    pub fn varint(&mut self, v: u32) -> Result<(), CodecError> {
        if v > VARINT_MAX {
            return Err(CodecError::MalformedRemainingLength);
        }
        let mut x = v;
        loop {
            let mut byte = (x & 0x7f) as u8;
            x >>= 7;
            if x > 0 {
                byte |= 0x80;
            }
            self.u8(byte);
            if x == 0 {
                return Ok(());
            }
        }
    }

    /// Binary Data; longer than 65,535 bytes is an error, never a truncated length.
    pub fn binary(&mut self, b: &[u8]) -> Result<(), CodecError> {
        let len = u16::try_from(b.len()).map_err(|_| CodecError::FieldTooLong)?;
        self.u16(len);
        self.put(b);
        Ok(())
    }

    pub fn string(&mut self, s: &str) -> Result<(), CodecError> {
        validate::utf8_field(s)?;
        self.binary(s.as_bytes())
    }
}

/// Length of a section (properties, packet body) as a Variable Byte Integer.
pub fn section_len(len: usize) -> Result<u32, CodecError> {
    u32::try_from(len)
        .ok()
        .filter(|&l| l <= VARINT_MAX)
        .ok_or(CodecError::PacketTooLarge)
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::is_utf8;

    fn same(b: &[u8]) {
        assert_eq!(is_utf8(b), core::str::from_utf8(b).is_ok(), "{b:02x?}");
    }

    #[test]
    fn utf8_check_agrees_with_core_on_short_sequences() {
        same(&[]);
        for a in 0..=255u8 {
            same(&[a]);
            for b in 0..=255u8 {
                same(&[a, b]);
                // Every three-byte sequence that starts a multi-byte character.
                if a >= 0x80 {
                    for c in 0..=255u8 {
                        same(&[a, b, c]);
                    }
                }
            }
        }
    }

    #[test]
    fn utf8_check_agrees_with_core_on_four_byte_sequences() {
        // Continuation bytes at both ends of their range, and bytes just outside it.
        let edges = [
            0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xff,
        ];
        for a in 0xc0..=0xffu8 {
            for b in 0..=255u8 {
                for &c in &edges {
                    for &d in &edges {
                        same(&[a, b, c, d]);
                        same(&[b'x', a, b, c, d, b'y']);
                    }
                }
            }
        }
    }
}
