//! One test per mqttbytes 0.6 defect (each first shows raw mqttbytes getting it wrong where that
//! can be shown through its API). Streaming and limits are in codec_stream.rs, round trips in
//! codec_round_trip.rs.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

mod codec_support;

use bytes::{Bytes, BytesMut};
use codec_support::*;
use mpmqtt::codec::*;

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
        properties: Some(Box::new(AuthProperties {
            authentication_method: Some("SCRAM-SHA-1".into()),
            authentication_data: Some(Bytes::from_static(&[1, 2, 0, 3])),
            reason_string: None,
            user_properties: vec![("k".into(), "v".into())],
        })),
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
    let p = Packet::Publish(publish(&long, QoS::AtMostOnce, 0).into());
    assert_eq!(encode(&p, V4, &mut out), Err(CodecError::FieldTooLong));
    assert_eq!(out, vec![7], "nothing appended on error");
    assert_eq!(encoded_len(&p, V4), Err(CodecError::FieldTooLong));

    let mut c = connect(ProtocolVersion::V5);
    c.password = Some(Bytes::from(vec![0; 65_536]));
    assert_eq!(
        enc(&Packet::Connect(c.into()), V5),
        Err(CodecError::FieldTooLong)
    );
    let mut p = publish("t", QoS::AtMostOnce, 0);
    p.properties = Some(Box::new(PublishProperties {
        payload_format_indicator: None,
        message_expiry_interval: None,
        topic_alias: None,
        response_topic: None,
        correlation_data: None,
        user_properties: vec![("k".into(), long)],
        subscription_identifiers: vec![],
        content_type: None,
    }));
    assert_eq!(
        enc(&Packet::Publish(p.into()), V5),
        Err(CodecError::FieldTooLong)
    );
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
        let p = Packet::Publish(publish(topic, QoS::AtMostOnce, 0).into());
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
    assert_eq!(
        enc(&Packet::Publish(p.into()), V4),
        Err(CodecError::InvalidFlags)
    );
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
    let p = Packet::Publish(publish("t", QoS::AtLeastOnce, 0).into());
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
        let bytes = enc(&Packet::Connect(c.clone().into()), protocol).unwrap();
        assert!(bytes.ends_with(&[0, 0, 0, 3, 0xff, 0x00, 0xc3]));
        assert_eq!(dec(&bytes, V4), Ok(Packet::Connect(c.clone().into())));

        c.password = Some(Bytes::new());
        let bytes = enc(&Packet::Connect(c.clone().into()), protocol).unwrap();
        assert!(
            bytes.ends_with(b"cid\x00\x00\x00\x00"),
            "empty user name and password"
        );
        assert_eq!(dec(&bytes, V5), Ok(Packet::Connect(c.into())));
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
    let bytes = enc(&Packet::Connect(c.clone().into()), ProtocolVersion::V3_1).unwrap();
    assert_eq!(&bytes[2..11], b"\x00\x06MQIsdp\x03");
    assert!(raw_v4(&bytes).is_err(), "mqttbytes rejects 3.1");
    assert_eq!(dec(&bytes, V4), Ok(Packet::Connect(c.into())));
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
