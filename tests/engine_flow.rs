//! Limits on what goes out and what waits: the broker's Receive Maximum (also for resends on
//! resume), Maximum Packet Size, Maximum QoS and Retain Available, MQTT 5 topic aliases both ways,
//! and the offline queue.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

mod engine_support;

use bytes::Bytes;
use engine_support::*;
use mpmqtt::codec::{
    AckKind, ConnAckProperties, Disconnect, Packet, ProtocolVersion, Publish, PublishProperties,
    QoS,
};
use mpmqtt::engine::{ErrorKind, Event, OpError};

// ----- v5 flow control --------------------------------------------------------------------------

#[test]
fn receive_maximum_limits_publishes_in_flight() {
    let mut h = Harness::v5();
    h.establish_with(
        false,
        Some(ConnAckProperties {
            receive_max: Some(2),
            ..connack_props()
        }),
    );
    h.take_events();
    for i in 0..5u8 {
        h.publish("t", &[i], 1);
    }
    let first = publishes(&h.sent())
        .iter()
        .map(|p| (p.pkid, p.payload[0]))
        .collect::<Vec<_>>();
    assert_eq!(first.len(), 2);
    h.receive(ack(AckKind::PubAck, first[0].0));
    let next = publishes(&h.sent())
        .iter()
        .map(|p| p.payload[0])
        .collect::<Vec<_>>();
    assert_eq!(
        next,
        vec![2],
        "one slot freed, the next queued message (in order) goes"
    );
}

#[test]
fn resume_under_a_lowered_receive_maximum_resends_only_what_fits_then_the_rest_in_order() {
    let mut o = options(ProtocolVersion::V5);
    o.clean = false;
    let mut h = Harness::connected(o);
    let r = h.publish("q/r", b"r", 2);
    let a = h.publish("q/a", b"a", 1);
    let b = h.publish("q/b", b"b", 1);
    let c = h.publish("q/c", b"c", 1);
    let first = h.sent();
    let ids: Vec<u16> = publishes(&first).iter().map(|p| p.pkid).collect();
    let redelivery = |i: usize| {
        let mut p = publishes(&first)[i].clone();
        p.dup = true;
        Packet::Publish(p.into())
    };
    h.receive(ack(AckKind::PubRec, ids[0]));
    h.sent();
    h.take_events();
    h.drop_link();
    h.run_for(1_000);
    let resent = h.open_and_ack(
        true,
        Some(ConnAckProperties {
            receive_max: Some(2),
            ..connack_props()
        }),
    );
    // The QoS 2 message awaiting PUBCOMP still takes a slot: one PUBLISH fits beside it.
    assert_eq!(resent[1..], [ack(AckKind::PubRel, ids[0]), redelivery(1)]);
    let e = h.publish("q/e", b"e", 1);
    assert!(
        h.sent().is_empty(),
        "new work waits behind the held resends"
    );
    h.receive(ack(AckKind::PubComp, ids[0]));
    assert_eq!(h.sent(), [redelivery(2)]);
    h.receive(ack(AckKind::PubAck, ids[1]));
    assert_eq!(h.sent(), [redelivery(3)]);
    h.receive(ack(AckKind::PubAck, ids[2]));
    let new = h.sent();
    assert_eq!(
        publishes(&new)
            .iter()
            .map(|p| (p.topic.as_str(), p.dup))
            .collect::<Vec<_>>(),
        [("q/e", false)]
    );
    h.receive(ack(AckKind::PubAck, ids[3]));
    h.receive(ack(AckKind::PubAck, publishes(&new)[0].pkid));
    assert_eq!(done_ops(&h.take_events()), vec![r, a, b, c, e]);
}

#[test]
fn held_resends_can_be_removed_or_acknowledged_before_they_go_out() {
    let mut o = options(ProtocolVersion::V5);
    o.clean = false;
    let mut h = Harness::connected(o);
    let ops: Vec<_> = ["q/a", "q/b", "q/c", "q/d"]
        .iter()
        .map(|t| h.publish(t, b"x", 1))
        .collect();
    let ids: Vec<u16> = publishes(&h.sent()).iter().map(|p| p.pkid).collect();
    h.take_events();
    h.drop_link();
    h.run_for(1_000);
    let resent = h.open_and_ack(
        true,
        Some(ConnAckProperties {
            receive_max: Some(1),
            ..connack_props()
        }),
    );
    let topics = |sent: &[Packet]| -> Vec<String> {
        publishes(sent).iter().map(|p| p.topic.clone()).collect()
    };
    assert_eq!(topics(&resent), ["q/a"]);
    assert!(h.session.remove_outgoing(h.now, ids[2]));
    // A broker may acknowledge what it already had before we resend it: nothing left to send.
    h.receive(ack(AckKind::PubAck, ids[3]));
    h.receive(ack(AckKind::PubAck, ids[0]));
    assert_eq!(topics(&h.sent()), ["q/b"]);
    h.receive(ack(AckKind::PubAck, ids[1]));
    assert!(h.sent().is_empty());
    let e = h.publish("q/e", b"x", 1);
    assert_eq!(topics(&h.sent()), ["q/e"], "nothing held any more");
    let ev = h.take_events();
    assert_eq!(done_ops(&ev), vec![ops[3], ops[0], ops[1]]);
    assert_eq!(failed_ops(&ev)[0].1, OpError::Removed);
    assert_eq!(failed_ops(&ev)[0].0, ops[2]);
    assert_eq!(h.session.pending_operations(), 1, "only {e} is in flight");
}

#[test]
fn maximum_packet_size_maximum_qos_and_retain_available_are_enforced() {
    let mut h = Harness::v5();
    h.establish_with(
        false,
        Some(ConnAckProperties {
            max_packet_size: Some(64),
            max_qos: Some(1),
            retain_available: Some(0),
            ..connack_props()
        }),
    );
    h.take_events();
    let big = h.publish("t", &[0u8; 100], 0);
    let q2 = h.publish("t", b"x", 2);
    let retained = h.session.publish(h.now, "t", b"x", 0, true, false, None);
    let ok = h.publish("t", b"x", 1);
    let f = failed_ops(&h.take_events());
    let kinds: Vec<(u32, OpError)> = f.iter().map(|f| (f.0, f.1)).collect();
    assert_eq!(
        kinds,
        vec![
            (big, OpError::PacketTooLarge),
            (q2, OpError::NotSupportedByServer),
            (retained, OpError::NotSupportedByServer)
        ]
    );
    assert_eq!(publishes(&h.sent()).len(), 1);
    let _ = ok;
}

// ----- topic aliases ----------------------------------------------------------------------------

#[test]
fn auto_topic_alias_assigns_then_uses_aliases() {
    let mut o = options(ProtocolVersion::V5);
    o.auto_assign_topic_alias = true;
    o.auto_use_topic_alias = true;
    let mut h = Harness::new(o);
    h.establish_with(
        false,
        Some(ConnAckProperties {
            topic_alias_max: Some(10),
            ..connack_props()
        }),
    );
    h.publish("long/topic/name", b"1", 0);
    h.publish("long/topic/name", b"2", 0);
    let sent = h.sent();
    let p = publishes(&sent);
    assert_eq!(p[0].topic, "long/topic/name");
    assert_eq!(
        p[0].properties.as_ref().and_then(|x| x.topic_alias),
        Some(1)
    );
    assert_eq!(p[1].topic, "");
    assert_eq!(
        p[1].properties.as_ref().and_then(|x| x.topic_alias),
        Some(1)
    );
}

#[test]
fn auto_assign_alone_reuses_aliases_and_rebinds_the_least_recently_used() {
    let mut o = options(ProtocolVersion::V5);
    o.auto_assign_topic_alias = true;
    let mut h = Harness::new(o);
    h.establish_with(
        false,
        Some(ConnAckProperties {
            topic_alias_max: Some(2),
            ..connack_props()
        }),
    );
    for t in [
        "a/one", "a/one", "a/two", "a/two", "a/three", "a/one", "a/three", "a/two",
    ] {
        h.publish(t, b"x", 0);
    }
    let sent = h.sent();
    let wire: Vec<(String, Option<u16>)> = publishes(&sent)
        .iter()
        .map(|p| {
            (
                p.topic.clone(),
                p.properties.as_ref().and_then(|x| x.topic_alias),
            )
        })
        .collect();
    let expect: Vec<(String, Option<u16>)> = vec![
        ("a/one".into(), Some(1)),
        ("".into(), Some(1)),
        ("a/two".into(), Some(2)),
        ("".into(), Some(2)),
        // The broker's two aliases are taken: the least recently used one is rebound each
        // time (MQTT.js' topic-alias-send): a/one's, then a/two's, then a/one's again (a/three
        // was used after it).
        ("a/three".into(), Some(1)),
        ("a/one".into(), Some(2)),
        ("".into(), Some(1)),
        ("a/two".into(), Some(2)),
    ];
    assert_eq!(wire, expect);
}

#[test]
fn inbound_topic_alias_resolves_to_the_topic() {
    let mut o = options(ProtocolVersion::V5);
    o.properties = Some(mpmqtt::codec::ConnectProperties {
        session_expiry_interval: None,
        receive_maximum: None,
        max_packet_size: None,
        topic_alias_max: Some(5),
        request_response_info: None,
        request_problem_info: None,
        user_properties: vec![],
        authentication_method: None,
        authentication_data: None,
    });
    let mut h = Harness::connected(o);
    h.take_events();
    let props = |alias| PublishProperties {
        payload_format_indicator: None,
        message_expiry_interval: None,
        topic_alias: Some(alias),
        response_topic: None,
        correlation_data: None,
        user_properties: vec![],
        subscription_identifiers: vec![],
        content_type: None,
    };
    let mk = |topic: &str, alias| {
        Packet::Publish(Box::new(Publish {
            dup: false,
            qos: QoS::AtMostOnce,
            retain: false,
            topic: topic.into(),
            pkid: 0,
            payload: Bytes::from_static(b"v"),
            properties: Some(Box::new(props(alias))),
        }))
    };
    h.receive(mk("sensors/t", 2));
    h.receive(mk("", 2));
    // The second named its topic by the alias alone, which the glue tells the page (MQTT.js
    // leaves that packet's `topic` empty).
    let got: Vec<(String, bool)> = h
        .take_events()
        .into_iter()
        .filter_map(|e| match e {
            Event::Message(m, from_alias) => Some((m.topic, from_alias)),
            _ => None,
        })
        .collect();
    assert_eq!(
        got,
        vec![("sensors/t".into(), false), ("sensors/t".into(), true)]
    );
    h.receive(mk("", 6));
    let ev = h.take_events();
    assert_eq!(errors(&ev)[0].0, ErrorKind::ProtocolError);
    assert!(h
        .sent()
        .iter()
        .any(|p| matches!(p, Packet::Disconnect(Disconnect { reason: 0x94, .. }))));
}

// ----- offline queue ----------------------------------------------------------------------------

#[test]
fn work_before_connect_is_queued_and_flushed_in_order() {
    let mut h = Harness::v4();
    let a = h.publish("t/1", b"a", 0);
    let s = h.subscribe("t/#", 1);
    let b = h.publish("t/2", b"b", 1);
    assert!(
        h.take_events().is_empty(),
        "nothing completes before a connection"
    );
    let sent = h.establish(false);
    let kinds: Vec<&str> = sent
        .iter()
        .map(|p| match p {
            Packet::Connect(_) => "connect",
            Packet::Publish(p) if p.topic == "t/1" => "a",
            Packet::Publish(p) if p.topic == "t/2" => "b",
            Packet::Subscribe(_) => "sub",
            _ => "other",
        })
        .collect();
    assert_eq!(kinds, vec!["connect", "a", "sub", "b"]);
    assert_eq!(done_ops(&h.take_events()), vec![a]);
    let _ = (s, b);
}

#[test]
fn full_queue_fails_clearly_and_keeps_what_it_holds() {
    let mut o = options(ProtocolVersion::V3_1_1);
    o.queue_limit = 3;
    let mut h = Harness::new(o);
    let ops: Vec<u32> = (0..5u8).map(|i| h.publish("t", &[i], 1)).collect();
    let f = failed_ops(&h.take_events());
    assert_eq!(f.iter().map(|f| f.0).collect::<Vec<_>>(), ops[3..].to_vec());
    assert_eq!(f[0].1, OpError::QueueFull);
    assert_eq!(
        f[0].2,
        "Offline queue full (queueLimit 3): operation not queued"
    );
    let sent = h.establish(false);
    let payloads: Vec<u8> = publishes(&sent).iter().map(|p| p.payload[0]).collect();
    assert_eq!(payloads, vec![0, 1, 2]);
}

#[test]
fn queue_qos_zero_false_refuses_offline_qos0() {
    let mut o = options(ProtocolVersion::V3_1_1);
    o.queue_qos_zero = false;
    let mut h = Harness::new(o);
    let op = h.publish("t", b"x", 0);
    assert_eq!(
        failed_ops(&h.take_events()),
        vec![(
            op,
            OpError::NoConnection,
            "No connection to broker".to_string()
        )]
    );
}
