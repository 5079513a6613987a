//! The binary form options and v5 properties take across the JS/wasm boundary
//! (docs/core-interface.md, "Records"): a tagged tree the glue writes from a plain JS object
//! (js-glue/core/record.js) and reads back into one. Reading walks bytes in place, so a lookup
//! allocates nothing, and no JS object is touched from wasm (no js-sys, no shims).
//!
//! ```text
//! value  = tag:u8 body
//!   0 absent (undefined/null)   1 false   2 true   3 number: f64 LE
//!   4 string: len:u32 LE + UTF-8   5 bytes: len:u32 + bytes
//!   6 object: len:u32 + (key:string-body value)*   7 array: len:u32 + value*
//!   8 any other JS value (function, symbol, bigint, nesting too deep)
//! ```

use alloc::vec::Vec;

use crate::codec::wire::str_of;

const ABSENT: u8 = 0;
const FALSE: u8 = 1;
const TRUE: u8 = 2;
const NUMBER: u8 = 3;
const STRING: u8 = 4;
const BYTES: u8 = 5;
const OBJECT: u8 = 6;
const ARRAY: u8 = 7;

/// One value of a record; containers keep their encoded entries.
#[derive(Clone, Copy)]
pub enum Value<'a> {
    Absent,
    Bool(bool),
    Num(f64),
    Str(&'a str),
    Bytes(&'a [u8]),
    Object(&'a [u8]),
    Array(&'a [u8]),
    /// A JS value of a type nothing accepts, or bytes that do not parse.
    Other,
}

fn take<'a>(buf: &mut &'a [u8], n: usize) -> Option<&'a [u8]> {
    if buf.len() < n {
        return None;
    }
    let (head, rest) = buf.split_at(n);
    *buf = rest;
    Some(head)
}

fn sized<'a>(buf: &mut &'a [u8]) -> Option<&'a [u8]> {
    let len = take(buf, 4)?;
    let len = u32::from_le_bytes([len[0], len[1], len[2], len[3]]) as usize;
    take(buf, len)
}

/// Reads one value off the front of `buf`; `None` when the bytes end early.
fn next<'a>(buf: &mut &'a [u8]) -> Option<Value<'a>> {
    let tag = *take(buf, 1)?.first()?;
    Some(match tag {
        ABSENT => Value::Absent,
        FALSE => Value::Bool(false),
        TRUE => Value::Bool(true),
        NUMBER => {
            let b = take(buf, 8)?;
            let mut n = [0u8; 8];
            n.copy_from_slice(b);
            Value::Num(f64::from_le_bytes(n))
        }
        STRING => str_of(sized(buf)?).map_or(Value::Other, Value::Str),
        BYTES => Value::Bytes(sized(buf)?),
        OBJECT => Value::Object(sized(buf)?),
        ARRAY => Value::Array(sized(buf)?),
        _ => Value::Other,
    })
}

impl<'a> Value<'a> {
    /// The whole record (one value).
    pub fn parse(buf: &'a [u8]) -> Value<'a> {
        let mut b = buf;
        next(&mut b).unwrap_or(Value::Other)
    }

    pub fn is_absent(&self) -> bool {
        matches!(self, Value::Absent)
    }

    /// JavaScript truthiness, which MQTT.js applies to its boolean options.
    pub fn truthy(&self) -> bool {
        match *self {
            Value::Absent => false,
            Value::Bool(b) => b,
            Value::Num(n) => n != 0.0 && !n.is_nan(),
            Value::Str(s) => !s.is_empty(),
            _ => true,
        }
    }

    /// An object's field; `Absent` when missing or when `self` is not an object.
    pub fn get(&self, key: &str) -> Value<'a> {
        let mut found = Value::Absent;
        self.each_entry(|k, v| {
            if k == key {
                found = v;
            }
        });
        found
    }

    /// Calls `f` with each field of an object in order; false when `self` is not an object or
    /// its bytes do not parse.
    pub fn each_entry(&self, mut f: impl FnMut(&'a str, Value<'a>)) -> bool {
        let Value::Object(mut b) = *self else {
            return false;
        };
        while !b.is_empty() {
            let Some(key) = sized(&mut b).and_then(str_of) else {
                return false;
            };
            let Some(v) = next(&mut b) else {
                return false;
            };
            f(key, v);
        }
        true
    }

    /// An array's items, or `None` when `self` is not a well-formed array.
    pub fn items(&self) -> Option<Vec<Value<'a>>> {
        let Value::Array(mut b) = *self else {
            return None;
        };
        let mut out = Vec::new();
        while !b.is_empty() {
            out.push(next(&mut b)?);
        }
        Some(out)
    }
}

/// Writes a record object, for v5 properties going to the page.
pub struct ObjectWriter {
    buf: Vec<u8>,
}

impl ObjectWriter {
    pub fn new() -> ObjectWriter {
        ObjectWriter {
            buf: alloc::vec![OBJECT, 0, 0, 0, 0],
        }
    }

    fn key(&mut self, key: &str, tag: u8) {
        self.sized(key.as_bytes());
        self.buf.push(tag);
    }

    fn sized(&mut self, bytes: &[u8]) {
        self.buf
            .extend_from_slice(&(bytes.len() as u32).to_le_bytes());
        self.buf.extend_from_slice(bytes);
    }

    pub fn num(&mut self, key: &str, v: f64) {
        self.key(key, NUMBER);
        self.buf.extend_from_slice(&v.to_le_bytes());
    }

    pub fn flag(&mut self, key: &str, v: bool) {
        self.key(key, if v { TRUE } else { FALSE });
    }

    pub fn text(&mut self, key: &str, v: &str) {
        self.key(key, STRING);
        self.sized(v.as_bytes());
    }

    pub fn bytes(&mut self, key: &str, v: &[u8]) {
        self.key(key, BYTES);
        self.sized(v);
    }

    /// An array of numbers or strings: `items` writes each with `item_num`/`item_text`.
    pub fn array(&mut self, key: &str, items: impl FnOnce(&mut ArrayWriter)) {
        self.key(key, ARRAY);
        let start = self.buf.len();
        self.buf.extend_from_slice(&[0; 4]);
        items(&mut ArrayWriter(&mut self.buf));
        patch_len(&mut self.buf, start);
    }

    /// A nested object under `key`: `fields` writes its entries.
    pub fn object(&mut self, key: &str, fields: impl FnOnce(&mut ObjectWriter)) {
        self.key(key, OBJECT);
        let start = self.buf.len();
        self.buf.extend_from_slice(&[0; 4]);
        fields(self);
        patch_len(&mut self.buf, start);
    }

    pub fn finish(mut self) -> Vec<u8> {
        patch_len(&mut self.buf, 1);
        self.buf
    }
}

/// Items of an array being written.
pub struct ArrayWriter<'w>(&'w mut Vec<u8>);

impl ArrayWriter<'_> {
    pub fn num(&mut self, v: f64) {
        self.0.push(NUMBER);
        self.0.extend_from_slice(&v.to_le_bytes());
    }

    pub fn text(&mut self, v: &str) {
        self.0.push(STRING);
        self.0.extend_from_slice(&(v.len() as u32).to_le_bytes());
        self.0.extend_from_slice(v.as_bytes());
    }
}

/// Fills the u32 length at `at` with the number of bytes after it.
fn patch_len(buf: &mut [u8], at: usize) {
    let len = (buf.len() - at - 4) as u32;
    buf[at..at + 4].copy_from_slice(&len.to_le_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn string_body(s: &str) -> Vec<u8> {
        let mut v = (s.len() as u32).to_le_bytes().to_vec();
        v.extend_from_slice(s.as_bytes());
        v
    }

    #[test]
    fn reads_what_the_writer_wrote() {
        let mut w = ObjectWriter::new();
        w.num("a", 1.5);
        w.flag("b", true);
        w.text("c", "ü");
        w.bytes("d", &[0, 255]);
        w.array("e", |a| {
            a.num(7.0);
            a.text("x");
        });
        w.object("f", |o| o.text("g", "h"));
        let buf = w.finish();
        let v = Value::parse(&buf);
        assert!(matches!(v.get("a"), Value::Num(n) if n == 1.5));
        assert!(v.get("b").truthy());
        assert!(matches!(v.get("c"), Value::Str("ü")));
        assert!(matches!(v.get("d"), Value::Bytes(&[0, 255])));
        let items = v.get("e").items().expect("array");
        assert!(matches!(items[..], [Value::Num(n), Value::Str("x")] if n == 7.0));
        assert!(matches!(v.get("f").get("g"), Value::Str("h")));
        assert!(v.get("missing").is_absent());
    }

    #[test]
    fn truncated_or_unknown_bytes_are_never_trusted() {
        let mut obj = alloc::vec![OBJECT, 9, 0, 0, 0];
        obj.extend_from_slice(&string_body("k"));
        obj.push(NUMBER); // the number's 8 bytes are missing
        assert!(Value::parse(&obj).get("k").is_absent());
        assert!(!Value::parse(&obj).each_entry(|_, _| {}));
        assert!(matches!(Value::parse(&[42]), Value::Other));
        assert!(matches!(Value::parse(&[]), Value::Other));
        let mut bad_utf8 = alloc::vec![STRING, 1, 0, 0, 0, 0xff];
        assert!(matches!(Value::parse(&bad_utf8), Value::Other));
        bad_utf8[0] = BYTES;
        assert!(matches!(Value::parse(&bad_utf8), Value::Bytes(&[0xff])));
    }

    #[test]
    fn truthiness_follows_javascript() {
        assert!(!Value::Num(0.0).truthy());
        assert!(!Value::Num(f64::NAN).truthy());
        assert!(Value::Num(-1.0).truthy());
        assert!(!Value::Str("").truthy());
        assert!(Value::Str("0").truthy());
        assert!(Value::Bytes(&[]).truthy());
        assert!(!Value::Absent.truthy());
    }
}
