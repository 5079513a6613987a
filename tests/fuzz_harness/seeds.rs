//! Seed inputs built from the codec's own encoder and the engine scripts' opcodes. `fuzz/
//! make_seeds.rs` writes them (plus packets from tests/fixtures/mqtt_packet_vectors.json) into
//! `fuzz/corpus/`; the regression test also replays them straight from here.

use bytes::Bytes;
use mpmqtt::codec::{
    self, Ack, AckKind, AckProperties, Auth, AuthProperties, ConnAck, ConnAckProperties, Connect,
    ConnectProperties, Disconnect, Packet, ProtocolVersion, Publish, PublishProperties, QoS,
    SubAck, Subscribe, SubscribeFilter, SubscribeProperties, UnsubAck, Unsubscribe, Will,
};

use super::codec_target;
use super::engine_target::op;
use super::Script;

/// `(name, input)` seeds for `codec_decode`: several packets per stream, every packet type.
pub fn codec_seeds() -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for version in codec_target::VERSIONS {
        let v5 = version.is_v5();
        let packets = sample_packets(version);
        let mut stream = Vec::new();
        for p in &packets {
            if codec::encode(p, version, &mut stream).is_err() {
                panic!("seed packet does not encode: {p:?}");
            }
        }
        let mut seed = vec![codec_target::config(version, 3)];
        seed.extend_from_slice(&0x9e37_79b9u32.to_le_bytes());
        seed.extend_from_slice(&stream);
        out.push((format!("encoder-all-types-v{}", version as u8), seed));
        // The same stream under a tiny limit: the first big packet is refused.
        let mut small = vec![codec_target::config(version, 0), 40];
        small.extend_from_slice(&7u32.to_le_bytes());
        small.extend_from_slice(&stream);
        out.push((format!("encoder-small-limit-v{}", version as u8), small));
        if v5 {
            // A lone AUTH and a truncated stream.
            let cut = &stream[..stream.len() / 2];
            let mut seed = vec![codec_target::config(version, 2)];
            seed.extend_from_slice(&1u32.to_le_bytes());
            seed.extend_from_slice(cut);
            out.push(("encoder-truncated-v5".into(), seed));
        }
    }
    out
}

fn user_props() -> Vec<(String, String)> {
    vec![("k".into(), "v".into()), ("k".into(), "v2".into())]
}

fn sample_packets(version: ProtocolVersion) -> Vec<Packet> {
    let v5 = version.is_v5();
    let ack_props = v5.then(|| AckProperties {
        reason_string: Some("why".into()),
        user_properties: user_props(),
    });
    let mut connack_props = ConnAckProperties::new();
    connack_props.receive_max = Some(10);
    connack_props.max_packet_size = Some(1 << 20);
    connack_props.topic_alias_max = Some(5);
    connack_props.max_qos = Some(1);
    connack_props.retain_available = Some(0);
    connack_props.server_keep_alive = Some(30);
    connack_props.assigned_client_identifier = Some("assigned".into());
    connack_props.user_properties = user_props();
    vec![
        Packet::Connect(Box::new(Connect {
            protocol: version,
            client_id: "seed".into(),
            clean_start: false,
            keep_alive: 30,
            username: Some("u".into()),
            password: Some(Bytes::from_static(b"p")),
            will: Some(Will {
                topic: "will".into(),
                payload: Bytes::from_static(b"bye"),
                qos: QoS::AtLeastOnce,
                retain: true,
                properties: None,
            }),
            properties: v5.then(|| ConnectProperties {
                session_expiry_interval: Some(60),
                receive_maximum: Some(20),
                max_packet_size: Some(4096),
                topic_alias_max: Some(3),
                request_response_info: Some(1),
                request_problem_info: Some(0),
                user_properties: user_props(),
                authentication_method: Some("SCRAM".into()),
                authentication_data: Some(Bytes::from_static(b"\x00\x01")),
            }),
        })),
        Packet::ConnAck(ConnAck {
            session_present: true,
            code: 0,
            properties: v5.then_some(Box::new(connack_props)),
        }),
        Packet::Publish(Box::new(Publish {
            dup: true,
            qos: QoS::ExactlyOnce,
            retain: true,
            topic: "a/b".into(),
            pkid: 7,
            payload: Bytes::from_static(b"hello"),
            properties: v5.then(|| {
                Box::new(PublishProperties {
                    payload_format_indicator: Some(1),
                    message_expiry_interval: Some(9),
                    topic_alias: Some(2),
                    response_topic: Some("r".into()),
                    correlation_data: Some(Bytes::from_static(b"c")),
                    user_properties: user_props(),
                    subscription_identifiers: vec![1, 300],
                    content_type: Some("text/plain".into()),
                })
            }),
        })),
        Packet::Ack(Ack {
            kind: AckKind::PubAck,
            pkid: 7,
            reason: if v5 { 0x10 } else { 0 },
            properties: ack_props.clone(),
        }),
        Packet::Ack(Ack {
            kind: AckKind::PubRel,
            pkid: 8,
            reason: 0,
            properties: None,
        }),
        Packet::Subscribe(Subscribe {
            pkid: 9,
            filters: vec![SubscribeFilter {
                filter: "a/+/#".into(),
                qos: QoS::ExactlyOnce,
                no_local: v5,
                retain_as_published: v5,
                retain_handling: if v5 { 2 } else { 0 },
            }],
            properties: v5.then(|| SubscribeProperties {
                id: Some(5),
                user_properties: user_props(),
            }),
        }),
        Packet::SubAck(SubAck {
            pkid: 9,
            codes: vec![0, 1, 2, 0x80],
            properties: ack_props.clone(),
        }),
        Packet::Unsubscribe(Unsubscribe {
            pkid: 10,
            filters: vec!["a/+/#".into(), "b".into()],
            user_properties: if v5 { user_props() } else { Vec::new() },
        }),
        Packet::UnsubAck(UnsubAck {
            pkid: 10,
            codes: if v5 { vec![0, 0x11] } else { Vec::new() },
            properties: ack_props,
        }),
        Packet::PingReq,
        Packet::PingResp,
        Packet::Disconnect(Disconnect {
            reason: 0,
            properties: None,
        }),
    ]
    .into_iter()
    .chain(v5.then(|| {
        Packet::Auth(Auth {
            reason: 0x18,
            properties: Some(Box::new(AuthProperties {
                authentication_method: Some("SCRAM".into()),
                authentication_data: Some(Bytes::from_static(b"xyz")),
                reason_string: None,
                user_properties: Vec::new(),
            })),
        })
    }))
    .collect()
}

// Option flag bits, as `engine_target::options` reads them.
const V3_1: u32 = 0;
const V4: u32 = 1;
const V5: u32 = 2;
const NO_CLEAN: u32 = 1 << 3;
const BACKOFF: u32 = 1 << 6;
const QUEUE_LIMIT: u32 = 1 << 10;
const CREDENTIALS: u32 = 1 << 15;
const WILL: u32 = 1 << 17;
const CONNECT_PROPS: u32 = 1 << 19;
const RECEIVE_MAX: u32 = 1 << 21;
const ALIAS_MAX: u32 = 1 << 23;
const AUTO_ALIAS: u32 = (1 << 13) | (1 << 14);

/// The options prefix and seed for `flags`, with 60 s keepalive and a 1 s reconnect period.
fn options(flags: u32) -> Script {
    let mut s = Script::default().u32(flags).u8(2);
    if flags & (1 << 4) != 0 {
        s = s.u32(5_000);
    }
    if flags & (1 << 5) == 0 {
        s = s.u16(1_000);
    }
    if flags & BACKOFF != 0 {
        s = s.u64(500).u64(8_000).u8(16).u8(128);
    }
    s = s.u8(3); // max reconnect attempts
    if flags & QUEUE_LIMIT != 0 {
        s = s.u8(2);
    }
    if flags & (1 << 11) != 0 {
        s = s.u16(1_000);
    }
    s = s.u16(2_000).u8(3);
    if flags & WILL != 0 {
        s = s.u8(1);
    }
    if flags & 3 == V5 && flags & CONNECT_PROPS != 0 {
        if flags & (1 << 20) != 0 {
            s = s.u32(60);
        }
        if flags & RECEIVE_MAX != 0 {
            s = s.u8(1); // receive maximum 2
        }
        if flags & (1 << 22) != 0 {
            s = s.u16(4_000);
        }
        if flags & ALIAS_MAX != 0 {
            s = s.u8(3);
        }
    }
    s.u64(42)
}

fn connect_and_ack(s: Script, session_present: bool) -> Script {
    s.u8(op::CONNECT)
        .u8(op::OPENED)
        .u8(op::CONNACK)
        .u16(session_present as u16)
}

/// Page publish: topic index, payload, flags (qos | retain 4 | dup 8).
fn publish(s: Script, topic: u8, qos: u8) -> Script {
    s.u8(op::PUBLISH).u8(topic).short_bytes(b"payload").u8(qos)
}

/// Ack of the client's most recent packet id; kind 0 PUBACK, 1 PUBREC, 2 PUBCOMP.
fn ack_recent(s: Script, kind: u8) -> Script {
    s.u8(op::ACK).u8(kind).u8(0).u8(1).u8(0)
}

fn subscribe_one(s: Script, topic: u8, qos: u8) -> Script {
    s.u8(op::SUBSCRIBE).u8(1).u8(qos).u8(topic).u8(0)
}

fn incoming(s: Script, qos: u8, pkid: u16) -> Script {
    s.u8(op::PUBLISH_IN)
        .u8(qos)
        .u16(pkid)
        .u8(1)
        .short_bytes(b"in")
}

/// `(name, input)` seeds for `engine`: each walks one area of the session deep.
pub fn engine_seeds() -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();

    // 3.1.1: every QoS out and in, subscribe, unsubscribe, keepalive, graceful end.
    let mut s = connect_and_ack(options(V4), false);
    s = publish(s, 1, 0);
    s = ack_recent(publish(s, 1, 1), 0);
    s = publish(s, 1, 2);
    s = ack_recent(s, 1);
    s = ack_recent(s, 2);
    s = subscribe_one(s, 2, 1)
        .u8(op::SUBACK)
        .u8(0)
        .u8(0)
        .u8(1)
        .u8(0);
    s = incoming(s, 1, 5);
    s = incoming(s, 2, 6);
    s = incoming(s, 2, 6); // a duplicate, before PUBREL
    s = s.u8(op::PUBREL).u8(0).u8(1).u8(0);
    s = s
        .u8(op::UNSUBSCRIBE)
        .u8(1)
        .u8(2)
        .u8(0)
        .u8(op::UNSUBACK)
        .u8(0)
        .u8(0);
    s = s.u8(op::TIME_TO_DEADLINE).u8(0).u8(op::PINGRESP);
    s = publish(s, 0, 1).u8(op::END).u8(0).u8(1);
    out.push(("v4-all-flows".into(), s.bytes));

    // 5.0 with limits: receive maximum, topic aliases both ways, AUTH, session taken over.
    let mut s = options(V5 | CONNECT_PROPS | RECEIVE_MAX | ALIAS_MAX | AUTO_ALIAS)
        .u8(op::CONNECT)
        .u8(op::OPENED)
        .u8(op::AUTH_IN)
        .u8(1)
        .u8(0)
        // CONNACK: props, receive max 1, topic alias max 3, max QoS 1
        .u8(op::CONNACK)
        .u16(0b11_0110)
        .u16(1)
        .u8(3)
        .u8(1)
        .u8(0);
    for _ in 0..3 {
        s = publish(s, 1, 1);
    }
    s = publish(s, 1, 2); // above Maximum QoS
    s = ack_recent(s, 0);
    s = s
        .u8(op::PUBLISH_IN)
        .u8(0x60)
        .u8(1)
        .short_bytes(b"aliased")
        .u8(2)
        .u8(0);
    s = s.u8(op::SEND_AUTH).u8(1).u8(1).short_bytes(b"data");
    s = s.u8(op::DISCONNECT).u8(0).u8(0x8e).u8(0);
    out.push(("v5-limits-aliases-takeover".into(), s.bytes));

    // Persistent session: QoS 1/2 in flight across a drop, resent with DUP on session present.
    let mut s = connect_and_ack(options(V4 | NO_CLEAN), false);
    s = publish(s, 1, 1);
    s = publish(s, 1, 2);
    s = ack_recent(s, 1);
    s = publish(s, 0, 2);
    s = s.u8(op::CLOSED).u8(op::TIME_TO_DEADLINE).u8(0);
    s = s.u8(op::OPENED).u8(op::CONNACK).u16(1);
    s = ack_recent(s, 2);
    s = s.u8(op::CLOSED).u8(op::TIME_TO_DEADLINE).u8(0);
    s = s.u8(op::OPENED).u8(op::CONNACK).u16(0);
    out.push(("v4-session-resume".into(), s.bytes));

    // App lifecycle: hidden/shown, offline/online, forced reconnect, removal, clock jumps.
    let mut s = connect_and_ack(options(V4 | QUEUE_LIMIT), false);
    s = publish(s, 1, 1);
    s = s.u8(op::SUSPEND).u8(1).u8(op::CLOSED);
    s = publish(s, 1, 1);
    s = publish(s, 1, 0);
    s = publish(s, 1, 0); // queue limit 3
    s = s
        .u8(op::SUSPEND)
        .u8(0)
        .u8(op::NETWORK)
        .u8(0)
        .u8(op::NETWORK)
        .u8(1);
    s = s.u8(op::OPENED).u8(op::CONNACK).u16(0);
    s = s.u8(op::REMOVE_OUTGOING).u8(0);
    s = s.u8(op::RECONNECT).u8(op::TIME_HUGE).u64(u64::MAX);
    s = s.u8(op::TIME_BACK).u32(u32::MAX).u8(op::TIMER_FIRES);
    s = s
        .u8(op::OPENED)
        .u8(op::CONNACK)
        .u16(0)
        .u8(op::END)
        .u8(1)
        .u8(1);
    out.push(("v4-lifecycle".into(), s.bytes));

    // Credentials provider: refused once with bad credentials, refreshed, accepted.
    let mut s = options(V5 | CREDENTIALS | WILL)
        .u8(op::CONNECT)
        .u8(op::CREDENTIALS)
        .u8(1)
        .u8(0)
        .u8(op::OPENED)
        .u8(op::CONNACK)
        .u16(1 << 11)
        .u8(0x86);
    s = s.u8(op::CREDENTIALS).u8(1).u8(1).u8(0).u8(op::OPENED);
    s = publish(s.u8(op::CONNACK).u16(0), 1, 1).u8(op::CLOSED);
    s = s.u8(op::TIME_TO_DEADLINE).u8(0).u8(op::CREDENTIALS).u8(0);
    out.push(("v5-credentials".into(), s.bytes));

    // Backoff: connect timeouts until the attempts run out, then a manual reconnect.
    let mut s = options(V4 | BACKOFF | (1 << 4)).u8(op::CONNECT);
    for _ in 0..5 {
        s = s.u8(op::TIME_TO_DEADLINE).u8(1).u8(op::OPENED);
    }
    s = publish(s, 1, 1).u8(op::RECONNECT).u8(op::OPENED);
    s = s
        .u8(op::CONNACK)
        .u16(1 << 11)
        .u8(5)
        .u8(op::RECONNECT)
        .u8(op::OPENED);
    s = ack_recent(s.u8(op::CONNACK).u16(0), 0);
    out.push(("v4-backoff-exhausted".into(), s.bytes));

    // Broker garbage: a split packet, then bytes that break the protocol.
    let mut s = publish(connect_and_ack(options(V5), false), 1, 1);
    s = s.u8(op::SPLIT_PACKET).u8(1).u8(2).u16(9).u8(1);
    s = s.short_bytes(b"x").u8(3);
    s = s
        .u8(op::RAW_BYTES)
        .short_bytes(&[0x30, 0x03, 0x00, 0x01, 0x00]);
    s = s.u8(op::TIME_TO_DEADLINE).u8(0).u8(op::OPENED);
    s = s
        .u8(op::CONNACK)
        .u16(0)
        .u8(op::RAW_BYTES)
        .short_bytes(&[0xf0, 0x00]);
    out.push(("v5-protocol-violations".into(), s.bytes));

    // MQTT 3.1 with a subscription replayed after the broker lost the session.
    let mut s = connect_and_ack(options(V3_1), false);
    s = subscribe_one(s, 4, 2)
        .u8(op::SUBACK)
        .u8(0)
        .u8(0)
        .u8(2)
        .u8(0);
    s = s
        .u8(op::CLOSED)
        .u8(op::TIME_TO_DEADLINE)
        .u8(0)
        .u8(op::OPENED);
    s = s
        .u8(op::CONNACK)
        .u16(0)
        .u8(op::SUBACK)
        .u8(0)
        .u8(0)
        .u8(0)
        .u8(0);
    out.push(("v3-resubscribe".into(), s.bytes));

    out
}
