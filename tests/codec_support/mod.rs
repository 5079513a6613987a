//! Shared by the codec test files: mqttbytes 0.6 as the reference, our decoder and encoder
//! (the encoder checked against its own length), and small packet builders.

#![allow(dead_code)]

use bytes::{Bytes, BytesMut};
use mpmqtt::codec::*;

pub const V4: ProtocolVersion = ProtocolVersion::V3_1_1;
pub const V5: ProtocolVersion = ProtocolVersion::V5;
pub const MAX: usize = 1 << 20;

pub fn raw_v4(bytes: &[u8]) -> Result<mqttbytes::v4::Packet, mqttbytes::Error> {
    mqttbytes::v4::read(&mut BytesMut::from(bytes), MAX)
}

pub fn raw_v5(bytes: &[u8]) -> Result<mqttbytes::v5::Packet, mqttbytes::Error> {
    mqttbytes::v5::read(&mut BytesMut::from(bytes), MAX)
}

pub fn dec(bytes: &[u8], v: ProtocolVersion) -> Result<Packet, CodecError> {
    decode_one(bytes, v, MAX)
}

pub fn enc(p: &Packet, v: ProtocolVersion) -> Result<Vec<u8>, CodecError> {
    let mut out = Vec::new();
    let n = encode(p, v, &mut out)?;
    assert_eq!(n, out.len());
    assert_eq!(encoded_len(p, v), Ok(n));
    Ok(out)
}

pub fn publish(topic: &str, qos: QoS, pkid: u16) -> Publish {
    Publish {
        dup: false,
        qos,
        retain: false,
        topic: topic.into(),
        pkid,
        payload: Bytes::from_static(b"hi"),
        properties: None,
    }
}

pub fn filter(f: &str) -> SubscribeFilter {
    SubscribeFilter {
        filter: f.into(),
        qos: QoS::AtLeastOnce,
        no_local: false,
        retain_as_published: false,
        retain_handling: 0,
    }
}

/// Hex with optional spaces.
pub fn h(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}
