//! One test per mqttbytes 0.6 defect (each first shows raw mqttbytes getting it wrong where
//! that can be shown through its API), then streaming, size limits and round trips.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use bytes::{Bytes, BytesMut};
use mpmqtt::codec::*;
use proptest::prelude::*;

const V4: ProtocolVersion = ProtocolVersion::V3_1_1;
const V5: ProtocolVersion = ProtocolVersion::V5;
const MAX: usize = 1 << 20;

fn raw_v4(bytes: &[u8]) -> Result<mqttbytes::v4::Packet, mqttbytes::Error> {
    mqttbytes::v4::read(&mut BytesMut::from(bytes), MAX)
}

fn raw_v5(bytes: &[u8]) -> Result<mqttbytes::v5::Packet, mqttbytes::Error> {
    mqttbytes::v5::read(&mut BytesMut::from(bytes), MAX)
}

fn dec(bytes: &[u8], v: ProtocolVersion) -> Result<Packet, CodecError> {
    decode_one(bytes, v, MAX)
}

fn enc(p: &Packet, v: ProtocolVersion) -> Result<Vec<u8>, CodecError> {
    let mut out = Vec::new();
    let n = encode(p, v, &mut out)?;
    assert_eq!(n, out.len());
    assert_eq!(encoded_len(p, v), Ok(n));
    Ok(out)
}

fn publish(topic: &str, qos: QoS, pkid: u16) -> Publish {
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

fn filter(f: &str) -> SubscribeFilter {
    SubscribeFilter {
        filter: f.into(),
        qos: QoS::AtLeastOnce,
        no_local: false,
        retain_as_published: false,
        retain_handling: 0,
    }
}

#[test]
fn v5_disconnect_short_forms() {
    assert!(raw_v5(&[0xe0, 0x00]).is_err());
    assert!(raw_v5(&[0xe0, 0x01, 0x8e]).is_err());
    let d = |reason| {
        Packet::Disconnect(Disconnect {
            reason,
            properties: None,
        })
    };
    assert_eq!(dec(&[0xe0, 0x00], V5), Ok(d(0)));
    assert_eq!(dec(&[0xe0, 0x01, 0x8e], V5), Ok(d(0x8e)));
    assert_eq!(dec(&[0xe0, 0x02, 0x8e, 0x00], V5), Ok(d(0x8e)));
}

#[test]
fn auth_packets() {
    let auth = Packet::Auth(Auth {
        reason: 0x18,
        properties: Some(AuthProperties {
            authentication_method: Some("SCRAM-SHA-1".into()),
            authentication_data: Some(Bytes::from_static(&[1, 2, 0, 3])),
            reason_string: None,
            user_properties: vec![("k".into(), "v".into())],
        }),
    });
    let bytes = enc(&auth, V5).unwrap();
    assert!(raw_v5(&bytes).is_err(), "mqttbytes cannot read AUTH");
    assert_eq!(dec(&bytes, V5), Ok(auth.clone()));
    assert_eq!(
        dec(&[0xf0, 0x00], V5),
        Ok(Packet::Auth(Auth {
            reason: 0,
            properties: None
        }))
    );
    // AUTH does not exist before v5.
    assert!(matches!(dec(&bytes, V4), Err(CodecError::ProtocolError(_))));
    assert!(enc(&auth, V4).is_err());
}

#[test]
fn overlong_fields_are_rejected_not_truncated() {
    let long = "a".repeat(65_536);
    let raw = mqttbytes::v4::Publish::new(long.clone(), mqttbytes::QoS::AtMostOnce, "x");
    let mut buf = BytesMut::new();
    raw.write(&mut buf).unwrap();
    // 0x30, three remaining-length bytes, then the topic length: 65,536 written as 0.
    assert_eq!(&buf[4..6], &[0, 0], "mqttbytes truncates the length");

    let mut out = vec![7];
    let p = Packet::Publish(publish(&long, QoS::AtMostOnce, 0));
    assert_eq!(encode(&p, V4, &mut out), Err(CodecError::FieldTooLong));
    assert_eq!(out, vec![7], "nothing appended on error");
    assert_eq!(encoded_len(&p, V4), Err(CodecError::FieldTooLong));

    let mut c = connect(ProtocolVersion::V5);
    c.password = Some(Bytes::from(vec![0; 65_536]));
    assert_eq!(enc(&Packet::Connect(c), V5), Err(CodecError::FieldTooLong));
    let mut p = publish("t", QoS::AtMostOnce, 0);
    p.properties = Some(PublishProperties {
        payload_format_indicator: None,
        message_expiry_interval: None,
        topic_alias: None,
        response_topic: None,
        correlation_data: None,
        user_properties: vec![("k".into(), long)],
        subscription_identifiers: vec![],
        content_type: None,
    });
    assert_eq!(enc(&Packet::Publish(p), V5), Err(CodecError::FieldTooLong));
}

#[test]
fn publish_topic_names() {
    for (topic, hex) in [("a/+", "3005 0003 612f2b"), ("#", "3003 0001 23")] {
        let bytes = h(hex);
        assert!(raw_v4(&bytes).is_ok(), "mqttbytes accepts {topic}");
        assert!(matches!(
            dec(&bytes, V4),
            Err(CodecError::InvalidTopicName(_))
        ));
        let p = Packet::Publish(publish(topic, QoS::AtMostOnce, 0));
        assert!(matches!(enc(&p, V4), Err(CodecError::InvalidTopicName(_))));
    }
    let nul = h("3005 0003 610062");
    assert!(raw_v4(&nul).is_ok());
    assert_eq!(dec(&nul, V4), Err(CodecError::NullCharacter));
    let empty = h("3002 0000");
    assert!(raw_v4(&empty).is_ok());
    assert!(dec(&empty, V4).is_err());
    assert!(
        dec(&h("3003 0000 00"), V5).is_err(),
        "v5 empty topic without alias"
    );

    // v5: empty name with a Topic Alias is how an aliased PUBLISH looks.
    let aliased = h("3006 0000 03 230005");
    let Ok(Packet::Publish(p)) = dec(&aliased, V5) else {
        panic!("aliased publish rejected")
    };
    assert_eq!(p.topic, "");
    assert_eq!(p.properties.as_ref().and_then(|p| p.topic_alias), Some(5));
    assert_eq!(enc(&Packet::Publish(p), V5).unwrap(), aliased);
    assert!(dec(&h("3006 0000 03 230000"), V5).is_err(), "Topic Alias 0");
}

#[test]
fn empty_subscribe_and_unsubscribe() {
    let sub = h("8202 0001");
    let unsub = h("a202 0001");
    assert!(raw_v4(&sub).is_ok());
    assert_eq!(dec(&sub, V4), Err(CodecError::NoTopicFilters));
    assert_eq!(dec(&unsub, V4), Err(CodecError::NoTopicFilters));
    assert_eq!(dec(&h("8203 0001 00"), V5), Err(CodecError::NoTopicFilters));
    let s = Packet::Subscribe(Subscribe {
        pkid: 1,
        filters: vec![],
        properties: None,
    });
    assert_eq!(enc(&s, V4), Err(CodecError::NoTopicFilters));
    let u = Packet::Unsubscribe(Unsubscribe {
        pkid: 1,
        filters: vec![],
        user_properties: vec![],
    });
    assert_eq!(enc(&u, V5), Err(CodecError::NoTopicFilters));
    // Invalid filters too, both ways.
    assert!(dec(&h("8207 0001 0002 612b 00"), V4).is_err());
    let s = Packet::Subscribe(Subscribe {
        pkid: 1,
        filters: vec![filter("a/#"), filter("a#")],
        properties: None,
    });
    assert!(matches!(
        enc(&s, V4),
        Err(CodecError::InvalidTopicFilter(_))
    ));
}

#[test]
fn non_minimal_varints() {
    // PINGRESP with remaining length 0 written in two bytes.
    let bytes = h("d08000");
    assert!(raw_v4(&bytes).is_ok());
    assert_eq!(dec(&bytes, V4), Err(CodecError::NonMinimalRemainingLength));
    // v5 PUBACK whose property length is 0 written in two bytes.
    assert_eq!(
        dec(&h("4005 0001 10 8000"), V5),
        Err(CodecError::NonMinimalRemainingLength)
    );
    assert_eq!(
        dec(&h("30ffffffff01"), V4),
        Err(CodecError::MalformedRemainingLength)
    );
}

#[test]
fn reserved_flags() {
    for bytes in ["6002 0001", "4102 0001", "d100"] {
        assert!(raw_v4(&h(bytes)).is_ok(), "mqttbytes accepts {bytes}");
    }
    for bytes in [
        "6002 0001",
        "8007 0001 0001 61 00",
        "a005 0001 0001 61",
        "4102 0001",
        "d100",
    ] {
        assert_eq!(dec(&h(bytes), V4), Err(CodecError::InvalidFlags), "{bytes}");
    }
    assert_eq!(dec(&h("3603 0001 61"), V4), Err(CodecError::InvalidQoS));
    assert_eq!(dec(&h("3803 0001 61"), V4), Err(CodecError::InvalidFlags));
    let mut p = publish("t", QoS::AtMostOnce, 0);
    p.dup = true;
    assert_eq!(enc(&Packet::Publish(p), V4), Err(CodecError::InvalidFlags));
    assert_eq!(dec(&h("0000"), V4), Err(CodecError::InvalidPacketType));
}

#[test]
fn trailing_bytes() {
    for bytes in ["4003 0001 00", "d001 00", "2003 0000 00"] {
        assert!(raw_v4(&h(bytes)).is_ok(), "mqttbytes accepts {bytes}");
    }
    for bytes in [
        "4003 0001 00",
        "d001 00",
        "2003 0000 00",
        "b003 0001 00",
        "e001 00",
    ] {
        assert_eq!(
            dec(&h(bytes), V4),
            Err(CodecError::TrailingBytes),
            "{bytes}"
        );
    }
    // v5 PUBACK: properties end (length 0) but the packet goes on.
    let b = h("4005 0001 10 00 ff");
    assert!(raw_v5(&b).is_ok());
    assert_eq!(dec(&b, V5), Err(CodecError::TrailingBytes));
    // Property section longer than the packet.
    assert!(dec(&h("4004 0001 10 05"), V5).is_err());
    // decode_one wants exactly one packet.
    assert_eq!(dec(&h("d000 d000"), V4), Err(CodecError::TrailingBytes));
}

#[test]
fn connack_flags() {
    let reserved = h("2002 0200");
    assert!(raw_v4(&reserved).is_ok());
    assert!(matches!(dec(&reserved, V4), Err(CodecError::Malformed(_))));
    let refused = h("2002 0105");
    assert!(raw_v4(&refused).is_ok());
    assert!(matches!(
        dec(&refused, V4),
        Err(CodecError::ProtocolError(_))
    ));
    assert!(matches!(
        dec(&h("2003 0187 00"), V5),
        Err(CodecError::ProtocolError(_))
    ));
    // A 3.1.1 broker's refusal of a v5 CONNECT still reads as a refusal.
    assert_eq!(
        dec(&h("2002 0001"), V5),
        Ok(Packet::ConnAck(ConnAck {
            session_present: false,
            code: 1,
            properties: None
        }))
    );
}

#[test]
fn packet_id_zero() {
    for bytes in [
        "3205 0001 61 0000",
        "4002 0000",
        "8206 0000 0001 61 00",
        "b002 0000",
    ] {
        assert_eq!(dec(&h(bytes), V4), Err(CodecError::PacketIdZero), "{bytes}");
    }
    assert!(raw_v4(&h("4002 0000")).is_ok());
    let p = Packet::Publish(publish("t", QoS::AtLeastOnce, 0));
    assert_eq!(enc(&p, V4), Err(CodecError::PacketIdZero));
    let a = Packet::Ack(Ack {
        kind: AckKind::PubRel,
        pkid: 0,
        reason: 0,
        properties: None,
    });
    assert_eq!(enc(&a, V5), Err(CodecError::PacketIdZero));
}

fn connect(protocol: ProtocolVersion) -> Connect {
    Connect {
        protocol,
        client_id: "cid".into(),
        clean_start: true,
        keep_alive: 60,
        username: None,
        password: None,
        will: None,
        properties: None,
    }
}

#[test]
fn binary_password_and_empty_credentials() {
    for protocol in [ProtocolVersion::V3_1, V4, V5] {
        let mut c = connect(protocol);
        c.username = Some(String::new());
        c.password = Some(Bytes::from_static(&[0xff, 0x00, 0xc3]));
        let bytes = enc(&Packet::Connect(c.clone()), protocol).unwrap();
        assert!(bytes.ends_with(&[0, 0, 0, 3, 0xff, 0x00, 0xc3]));
        assert_eq!(dec(&bytes, V4), Ok(Packet::Connect(c.clone())));

        c.password = Some(Bytes::new());
        let bytes = enc(&Packet::Connect(c.clone()), protocol).unwrap();
        assert!(
            bytes.ends_with(b"cid\x00\x00\x00\x00"),
            "empty user name and password"
        );
        assert_eq!(dec(&bytes, V5), Ok(Packet::Connect(c)));
    }
    // mqttbytes' Login drops an empty user name: the CONNECT flags lose the bit.
    let mut raw = mqttbytes::v4::Connect::new("cid");
    raw.set_login("", "");
    let mut buf = BytesMut::new();
    raw.write(&mut buf).unwrap();
    assert_eq!(
        buf[9] & 0xc0,
        0,
        "mqttbytes sends no user name/password flags"
    );
}

#[test]
fn mqtt_3_1_connect() {
    let mut c = connect(ProtocolVersion::V3_1);
    c.will = Some(Will {
        topic: "w".into(),
        payload: Bytes::from_static(b"bye"),
        qos: QoS::AtLeastOnce,
        retain: true,
        properties: None,
    });
    let bytes = enc(&Packet::Connect(c.clone()), ProtocolVersion::V3_1).unwrap();
    assert_eq!(&bytes[2..11], b"\x00\x06MQIsdp\x03");
    assert!(raw_v4(&bytes).is_err(), "mqttbytes rejects 3.1");
    assert_eq!(dec(&bytes, V4), Ok(Packet::Connect(c)));
    assert!(dec(&h("100c 0004 4d515454 03 02 003c 0000"), V4).is_err());
}

#[test]
fn unknown_reason_codes_are_reported() {
    assert!(raw_v5(&h("4004 0001 77 00")).is_err());
    assert_eq!(
        dec(&h("4004 0001 77 00"), V5),
        Ok(Packet::Ack(Ack {
            kind: AckKind::PubAck,
            pkid: 1,
            reason: 0x77,
            properties: None
        }))
    );
    let Ok(Packet::SubAck(s)) = dec(&h("9005 0001 00 03 9f"), V5) else {
        panic!("suback rejected")
    };
    assert_eq!(s.codes, vec![3, 0x9f]);
}

#[test]
fn properties_are_checked() {
    // Unknown property 0x7e; property not allowed in PUBACK (Topic Alias); repeated Reason String.
    assert!(matches!(
        dec(&h("4006 0001 00 02 7e00"), V5),
        Err(CodecError::Malformed(_))
    ));
    assert!(matches!(
        dec(&h("4007 0001 00 03 230001"), V5),
        Err(CodecError::ProtocolError(_))
    ));
    assert!(matches!(
        dec(&h("400c 0001 00 08 1f000161 1f000162"), V5),
        Err(CodecError::ProtocolError(_))
    ));
}

/// Which rule a bad property breaks, and which check sees it first.
#[test]
fn property_errors_name_the_rule() {
    let cases = [
        ("2006 0000 03 210000", "Receive Maximum 0"),
        ("2008 0000 05 2700000000", "Maximum Packet Size 0"),
        ("8209 0001 02 0b00 000161 00", "Subscription Identifier 0"),
        // Only PUBLISH may repeat a Subscription Identifier; the repeat is seen first.
        ("820b 0001 04 0b05 0b00 000161 00", "property repeated"),
        ("3008 000161 04 0b01 0b00", "Subscription Identifier 0"),
        ("300a 000161 06 230001 230000", "property repeated"),
        (
            "4007 0001 00 03 230000",
            "property not allowed in this packet",
        ),
        ("3008 000161 04 0800012b", "wildcard in topic name"),
    ];
    for (hex, message) in cases {
        assert_eq!(
            dec(&h(hex), V5).map_err(|e| e.message()),
            Err(message),
            "{hex}"
        );
    }
}

#[test]
fn partial_frames_and_many_per_push() {
    let mut stream = Vec::new();
    let packets = vec![
        Packet::ConnAck(ConnAck {
            session_present: false,
            code: 0,
            properties: None,
        }),
        Packet::Publish(Publish {
            payload: Bytes::from(vec![9; 300]),
            ..publish("a/b", QoS::ExactlyOnce, 7)
        }),
        Packet::PingResp,
        // Large enough for the wasm build's native copy of payloads into the output.
        Packet::Publish(Publish {
            payload: Bytes::from((0..5000u32).map(|i| i as u8).collect::<Vec<u8>>()),
            ..publish("big", QoS::AtLeastOnce, 8)
        }),
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
    let p = Packet::Publish(publish("t", QoS::AtMostOnce, 0));
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

/// Hex with optional spaces.
fn h(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

// ---- round trips ----

fn qos_strategy() -> impl Strategy<Value = QoS> {
    prop_oneof![
        Just(QoS::AtMostOnce),
        Just(QoS::AtLeastOnce),
        Just(QoS::ExactlyOnce)
    ]
}

fn text() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9 é中/_-]{0,12}"
}

fn level() -> impl Strategy<Value = String> {
    "[a-z0-9é中]{1,6}"
}

fn topic() -> impl Strategy<Value = String> {
    prop::collection::vec(level(), 1..4).prop_map(|l| l.join("/"))
}

fn users() -> impl Strategy<Value = Vec<(String, String)>> {
    prop::collection::vec((text(), text()), 0..3)
}

fn ack_props() -> impl Strategy<Value = Option<AckProperties>> {
    (prop::option::of(text()), users()).prop_map(|(reason_string, user_properties)| {
        let p = AckProperties {
            reason_string,
            user_properties,
        };
        // An empty property set decodes as None.
        (p != AckProperties::default()).then_some(p)
    })
}

fn publish_strategy(v5: bool) -> impl Strategy<Value = Packet> {
    (
        qos_strategy(),
        any::<bool>(),
        any::<bool>(),
        topic(),
        1u16..,
        prop::collection::vec(any::<u8>(), 0..64),
        prop::option::of((
            prop::option::of(0u8..=1),
            prop::option::of(any::<u32>()),
            prop::option::of(1u16..),
            prop::option::of(topic()),
            prop::option::of(prop::collection::vec(any::<u8>(), 0..8)),
            users(),
            prop::collection::vec(1usize..=268_435_455, 0..3),
            prop::option::of(text()),
        )),
    )
        .prop_map(move |(qos, dup, retain, topic, pkid, payload, props)| {
            let zero = qos == QoS::AtMostOnce;
            Packet::Publish(Publish {
                dup: dup && !zero,
                qos,
                retain,
                topic,
                pkid: if zero { 0 } else { pkid },
                payload: Bytes::from(payload),
                properties: props.filter(|_| v5).map(|p| PublishProperties {
                    payload_format_indicator: p.0,
                    message_expiry_interval: p.1,
                    topic_alias: p.2,
                    response_topic: p.3,
                    correlation_data: p.4.map(Bytes::from),
                    user_properties: p.5,
                    subscription_identifiers: p.6,
                    content_type: p.7,
                }),
            })
        })
        .prop_filter("empty v5 properties decode as None", |p| match p {
            Packet::Publish(p) => p.properties.as_ref().is_none_or(|pp| {
                pp.payload_format_indicator.is_some()
                    || pp.message_expiry_interval.is_some()
                    || pp.topic_alias.is_some()
                    || pp.response_topic.is_some()
                    || pp.correlation_data.is_some()
                    || !pp.user_properties.is_empty()
                    || !pp.subscription_identifiers.is_empty()
                    || pp.content_type.is_some()
            }),
            _ => true,
        })
}

fn filter_strategy(v5: bool) -> impl Strategy<Value = SubscribeFilter> {
    (
        prop::collection::vec(prop_oneof![level(), Just("+".to_string())], 1..4),
        any::<bool>(),
        qos_strategy(),
        any::<bool>(),
        any::<bool>(),
        0u8..=2,
    )
        .prop_map(move |(levels, hash, qos, nl, rap, rh)| {
            let mut filter = levels.join("/");
            if hash {
                filter.push_str("/#");
            }
            SubscribeFilter {
                filter,
                qos,
                no_local: v5 && nl,
                retain_as_published: v5 && rap,
                retain_handling: if v5 { rh } else { 0 },
            }
        })
}

fn subscribe_strategy(v5: bool) -> impl Strategy<Value = Packet> {
    (
        1u16..,
        prop::collection::vec(filter_strategy(v5), 1..4),
        prop::option::of(1usize..=268_435_455),
        users(),
    )
        .prop_map(move |(pkid, filters, id, user_properties)| {
            let props = SubscribeProperties {
                id,
                user_properties,
            };
            let some = v5 && (props.id.is_some() || !props.user_properties.is_empty());
            Packet::Subscribe(Subscribe {
                pkid,
                filters,
                properties: some.then_some(props),
            })
        })
}

fn ack_strategy(v5: bool) -> impl Strategy<Value = Packet> {
    let kind = prop_oneof![
        Just(AckKind::PubAck),
        Just(AckKind::PubRec),
        Just(AckKind::PubRel),
        Just(AckKind::PubComp)
    ];
    let codes = prop::collection::vec(any::<u8>(), 1..5);
    prop_oneof![
        (kind, 1u16.., any::<u8>(), ack_props()).prop_map(move |(kind, pkid, reason, props)| {
            Packet::Ack(Ack {
                kind,
                pkid,
                reason: if v5 { reason } else { 0 },
                properties: props.filter(|_| v5),
            })
        }),
        (1u16.., codes.clone(), ack_props()).prop_map(move |(pkid, codes, props)| {
            Packet::SubAck(SubAck {
                pkid,
                codes,
                properties: props.filter(|_| v5),
            })
        }),
        (1u16.., codes, ack_props()).prop_map(move |(pkid, codes, props)| {
            Packet::UnsubAck(UnsubAck {
                pkid,
                codes: if v5 { codes } else { vec![] },
                properties: props.filter(|_| v5),
            })
        }),
        (1u16.., prop::collection::vec(topic(), 1..3), users()).prop_map(
            move |(pkid, filters, users)| {
                Packet::Unsubscribe(Unsubscribe {
                    pkid,
                    filters,
                    user_properties: if v5 { users } else { vec![] },
                })
            }
        ),
    ]
}

fn round_trip(p: &Packet, v: ProtocolVersion) -> Result<(), TestCaseError> {
    let bytes = enc(p, v).map_err(|e| TestCaseError::fail(e.message()))?;
    prop_assert_eq!(&dec(&bytes, v), &Ok(p.clone()));
    let mut d = Decoder::new(v, MAX);
    let (a, b) = bytes.split_at(bytes.len() / 2);
    d.push(a);
    d.push(b);
    prop_assert_eq!(d.next_packet(), Ok(Some(p.clone())));
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn publish_round_trip_v4(p in publish_strategy(false)) { round_trip(&p, V4)?; }

    #[test]
    fn publish_round_trip_v5(p in publish_strategy(true)) { round_trip(&p, V5)?; }

    #[test]
    fn subscribe_round_trip_v4(p in subscribe_strategy(false)) { round_trip(&p, V4)?; }

    #[test]
    fn subscribe_round_trip_v5(p in subscribe_strategy(true)) { round_trip(&p, V5)?; }

    #[test]
    fn acks_round_trip_v4(p in ack_strategy(false)) { round_trip(&p, V4)?; }

    #[test]
    fn acks_round_trip_v5(p in ack_strategy(true)) { round_trip(&p, V5)?; }

    /// Arbitrary bytes never panic the decoder, in either version, whole or streamed.
    #[test]
    fn garbage_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        for v in [V4, V5] {
            let _ = decode_one(&bytes, v, MAX);
            let mut d = Decoder::new(v, 300);
            for piece in bytes.chunks(7) {
                d.push(piece);
                while let Ok(Some(_)) = d.next_packet() {}
            }
        }
    }
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
