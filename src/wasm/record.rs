//! The binary form options and the page's v5 properties take from the glue into the core
//! (docs/core-interface.md, "Records"): a tagged tree the glue writes from a plain JS object
//! (js-glue/core/record.js). Reading walks bytes in place, so a lookup allocates nothing, and
//! no JS object is touched from wasm (no js-sys, no shims). Properties going the other way
//! travel as their MQTT section bytes (js-glue/core/properties.js names them).
//!
//! ```text
//! value  = tag:u8 body
//!   0 absent (undefined/null)   1 false   2 true   3 number: f64 LE
//!   4 string: len:u32 LE + UTF-8   5 bytes: len:u32 + bytes
//!   6 object: len:u32 + (key:string-body value)*   7 array: len:u32 + value*
//!   8 any other JS value (function, symbol, bigint, nesting too deep)
//!   9 (core to glue only) v5 properties: len:u32 + property section body
//! ```
//!
//! The core writes records too, for the packets `packetsend`/`packetreceive` show
//! (packet_record.rs); absent then reads as `null`.

use alloc::vec::Vec;

use crate::codec::wire::str_of;

pub(super) const ABSENT: u8 = 0;
pub(super) const FALSE: u8 = 1;
pub(super) const TRUE: u8 = 2;
pub(super) const NUMBER: u8 = 3;
pub(super) const STRING: u8 = 4;
pub(super) const BYTES: u8 = 5;
pub(super) const OBJECT: u8 = 6;
pub(super) const ARRAY: u8 = 7;
/// Only in records the core writes (packet_record.rs): a v5 property section body, which the
/// glue reads as it reads an event's properties.
pub(super) const PROPERTIES: u8 = 9;

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

    /// `key` then `value` as an object entry.
    fn entry(key: &str, value: &[u8]) -> Vec<u8> {
        let mut v = string_body(key);
        v.extend_from_slice(value);
        v
    }

    fn container(tag: u8, entries: &[Vec<u8>]) -> Vec<u8> {
        let body: Vec<u8> = entries.concat();
        let mut v = alloc::vec![tag];
        v.extend_from_slice(&(body.len() as u32).to_le_bytes());
        v.extend_from_slice(&body);
        v
    }

    fn num(n: f64) -> Vec<u8> {
        let mut v = alloc::vec![NUMBER];
        v.extend_from_slice(&n.to_le_bytes());
        v
    }

    fn tagged(tag: u8, body: &[u8]) -> Vec<u8> {
        let mut v = alloc::vec![tag];
        v.extend_from_slice(&(body.len() as u32).to_le_bytes());
        v.extend_from_slice(body);
        v
    }

    #[test]
    fn reads_every_kind_of_value() {
        let buf = container(
            OBJECT,
            &[
                entry("a", &num(1.5)),
                entry("b", &[TRUE]),
                entry("c", &tagged(STRING, "ü".as_bytes())),
                entry("d", &tagged(BYTES, &[0, 255])),
                entry("e", &container(ARRAY, &[num(7.0), tagged(STRING, b"x")])),
                entry(
                    "f",
                    &container(OBJECT, &[entry("g", &tagged(STRING, b"h"))]),
                ),
            ],
        );
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
