//! The decoder as a stream and its limits: partial frames and many packets a push, Maximum Packet
//! Size counted over the whole packet, error reason codes and messages, a version switch
//! mid-stream, and the client entry points that refuse the other direction.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

mod codec_support;

use bytes::Bytes;
use codec_support::*;
use mpmqtt::codec::*;

#[test]
fn partial_frames_and_many_per_push() {
    let mut stream = Vec::new();
    let packets = vec![
        Packet::ConnAck(ConnAck {
            session_present: false,
            code: 0,
            properties: None,
        }),
        Packet::Publish(Box::new(Publish {
            payload: Bytes::from(vec![9; 300]),
            ..publish("a/b", QoS::ExactlyOnce, 7)
        })),
        Packet::PingResp,
        // Large enough for the wasm build's native copy of payloads into the output.
        Packet::Publish(Box::new(Publish {
            payload: Bytes::from((0..5000u32).map(|i| i as u8).collect::<Vec<u8>>()),
            ..publish("big", QoS::AtLeastOnce, 8)
        })),
        Packet::Ack(Ack {
            kind: AckKind::PubRel,
            pkid: 7,
            reason: 0,
            properties: None,
        }),
    ];
    for p in &packets {
        encode(p, V4, &mut stream).unwrap();
    }
    // All at once.
    let mut d = Decoder::new(V4, MAX);
    d.push(&stream);
    for p in &packets {
        assert_eq!(d.next_packet().as_ref(), Ok(&Some(p.clone())));
    }
    assert_eq!(d.next_packet(), Ok(None));
    assert_eq!(d.buffered(), 0);
    // One byte at a time, and in uneven chunks spanning packet boundaries.
    for chunk in [1, 2, 3, 5, 301] {
        let mut d = Decoder::new(V4, MAX);
        let mut got = Vec::new();
        for piece in stream.chunks(chunk) {
            d.push(piece);
            while let Some(p) = d.next_packet().unwrap() {
                got.push(p);
            }
        }
        assert_eq!(got, packets, "chunk size {chunk}");
        assert_eq!(d.buffered(), 0);
    }
    // The same with buffers handed over: adopted when nothing is buffered, appended to what
    // is when a packet spans two of them.
    for chunk in [1, 3, 301, 4999, stream.len()] {
        let mut d = Decoder::new(V4, MAX);
        let mut got = Vec::new();
        for piece in stream.chunks(chunk) {
            d.push_owned(piece.to_vec());
            while let Some(p) = d.next_packet().unwrap() {
                got.push(p);
            }
        }
        assert_eq!(got, packets, "owned chunk size {chunk}");
        assert_eq!(d.buffered(), 0);
    }
}

#[test]
fn max_packet_size_is_the_whole_packet() {
    let p = Packet::Publish(publish("t", QoS::AtMostOnce, 0).into());
    let bytes = enc(&p, V4).unwrap(); // 2 header + 3 topic + 2 payload
    assert_eq!(bytes.len(), 7);
    assert_eq!(decode_one(&bytes, V4, 7), Ok(p.clone()));
    assert_eq!(decode_one(&bytes, V4, 6), Err(CodecError::PacketTooLarge));

    let mut d = Decoder::new(V4, 6);
    d.push(&bytes[..2]); // the header alone is enough to refuse
    assert_eq!(d.next_packet(), Err(CodecError::PacketTooLarge));
    assert_eq!(CodecError::PacketTooLarge.reason_code(), 0x95);
    // Unusable until clear(): later bytes are not parsed.
    d.push(&bytes[2..]);
    assert_eq!(d.next_packet(), Err(CodecError::PacketTooLarge));
    d.push_owned(bytes.clone());
    assert_eq!(d.next_packet(), Err(CodecError::PacketTooLarge));
    d.clear();
    d.set_max_packet_size(7);
    d.push(&bytes);
    assert_eq!(d.next_packet(), Ok(Some(p)));
}

#[test]
fn errors_have_reason_codes_and_messages() {
    assert_eq!(CodecError::TrailingBytes.reason_code(), 0x81);
    assert_eq!(CodecError::PacketIdZero.reason_code(), 0x82);
    assert_eq!(CodecError::Malformed("x").message(), "x");
    assert!(!CodecError::InvalidFlags.message().is_empty());
}

#[test]
fn version_switch_in_decoder() {
    let mut d = Decoder::new(V4, MAX);
    d.push(&h("e000"));
    assert!(d.next_packet().unwrap().is_some());
    d.set_version(V5);
    d.push(&h("e001 8e"));
    assert_eq!(
        d.next_packet(),
        Ok(Some(Packet::Disconnect(Disconnect {
            reason: 0x8e,
            properties: None
        })))
    );
}

/// The client's entry points handle one direction only: what a broker sends in, what a
/// client sends out. The full ones keep handling every packet (test brokers rely on them).
#[test]
fn client_entry_points_refuse_the_other_direction() {
    let sub = Packet::Subscribe(Subscribe {
        pkid: 3,
        filters: vec![filter("a/+")],
        properties: None,
    });
    let mut bytes = enc(&sub, V5).unwrap();
    let ack = enc(&Packet::PingResp, V5).unwrap();
    bytes.extend_from_slice(&ack);

    let mut full = Decoder::new(V5, usize::MAX);
    full.push(&bytes);
    assert_eq!(full.next_packet(), Ok(Some(sub.clone())));
    assert_eq!(full.next_packet(), Ok(Some(Packet::PingResp)));

    let mut client = Decoder::new(V5, usize::MAX);
    client.push(&ack);
    assert_eq!(client.next_from_broker(), Ok(Some(Packet::PingResp)));
    client.push(&bytes);
    assert_eq!(client.next_from_broker(), Err(CodecError::NotFromBroker(8)));
    // The stream cannot be resynchronised after it, as after any error.
    assert_eq!(client.next_from_broker(), Err(CodecError::NotFromBroker(8)));

    let connack = Packet::ConnAck(ConnAck {
        session_present: false,
        code: 0,
        properties: None,
    });
    let mut out = Vec::new();
    assert!(encode(&connack, V5, &mut out).is_ok());
    let mut out = Vec::new();
    assert!(encode_from_client(&connack, V5, &mut out).is_err());
    assert!(out.is_empty());
    assert!(encoded_len_from_client(&connack, V5).is_err());
    assert_eq!(
        encoded_len_from_client(&sub, V5),
        Ok(bytes.len() - ack.len())
    );
}
