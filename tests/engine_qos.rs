//! Publish flows both ways: QoS 0, 1 and 2 out and in with their acknowledgements, packet ids,
//! MQTT 5 failure reasons, repeated and unknown acks, and removing one outgoing publish.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

mod engine_support;

use engine_support::*;
use mpmqtt::codec::{AckKind, Packet, ProtocolVersion, QoS};
use mpmqtt::engine::{Event, OpError};

// ----- outbound ---------------------------------------------------------------------------------

#[test]
fn qos1_completes_on_puback() {
    let mut h = Harness::connected(options(ProtocolVersion::V3_1_1));
    h.take_events();
    let op = h.publish("a/b", b"hello", 1);
    let sent = h.sent();
    let p = publishes(&sent)[0].clone();
    assert_eq!(
        (p.qos, p.dup, &p.payload[..]),
        (QoS::AtLeastOnce, false, &b"hello"[..])
    );
    assert!(done_ops(&h.take_events()).is_empty());
    h.receive(ack(AckKind::PubAck, p.pkid));
    assert_eq!(done_ops(&h.take_events()), vec![op]);
}

#[test]
fn qos2_runs_pubrec_pubrel_pubcomp() {
    let mut h = Harness::connected(options(ProtocolVersion::V3_1_1));
    h.take_events();
    let op = h.publish("a/b", b"x", 2);
    let pkid = publishes(&h.sent())[0].pkid;
    h.receive(ack(AckKind::PubRec, pkid));
    assert_eq!(h.sent(), vec![ack(AckKind::PubRel, pkid)]);
    assert!(done_ops(&h.take_events()).is_empty());
    h.receive(ack(AckKind::PubComp, pkid));
    let ev = h.take_events();
    assert_eq!(done_ops(&ev), vec![op]);
    assert!(ev.contains(&Event::OutgoingEmpty));
}

#[test]
fn qos0_completes_when_written() {
    let mut h = Harness::connected(options(ProtocolVersion::V3_1_1));
    h.take_events();
    let op = h.publish("a/b", b"x", 0);
    assert_eq!(done_ops(&h.take_events()), vec![op]);
    assert_eq!(publishes(&h.sent())[0].pkid, 0);
}

#[test]
fn v5_failure_reason_fails_the_publish_with_the_reason() {
    let mut h = Harness::connected(options(ProtocolVersion::V5));
    h.take_events();
    let op = h.publish("a/b", b"x", 1);
    let pkid = publishes(&h.sent())[0].pkid;
    h.receive(ack_with(AckKind::PubAck, pkid, 0x87));
    let ev = h.take_events();
    assert_eq!(
        failed_ops(&ev),
        vec![(op, OpError::Refused, "Publish error".to_string())]
    );
    assert_eq!(failed_codes(&ev), vec![(op, OpError::Refused, 0x87)]);
    // the id is free again
    assert!(!h.session.pending_operations() > 0);
}

#[test]
fn packet_ids_are_unique_across_publish_subscribe_and_unsubscribe() {
    let mut h = Harness::connected(options(ProtocolVersion::V3_1_1));
    h.take_events();
    h.publish("a", b"1", 1);
    h.subscribe("b/#", 1);
    h.session.unsubscribe(h.now, vec!["c".into()], vec![]);
    h.publish("d", b"2", 2);
    let ids: Vec<u16> = h
        .sent()
        .iter()
        .map(|p| match p {
            Packet::Publish(p) => p.pkid,
            Packet::Subscribe(s) => s.pkid,
            Packet::Unsubscribe(u) => u.pkid,
            other => panic!("{other:?}"),
        })
        .collect();
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 4, "{ids:?}");
    assert!(!ids.contains(&0));
}

#[test]
fn remove_outgoing_fails_that_publish_only() {
    let mut h = Harness::connected(options(ProtocolVersion::V3_1_1));
    h.take_events();
    let a = h.publish("t", b"a", 1);
    let b = h.publish("t", b"b", 1);
    let ids: Vec<u16> = publishes(&h.sent()).iter().map(|p| p.pkid).collect();
    assert!(h.session.remove_outgoing(h.now, ids[0]));
    assert!(!h.session.remove_outgoing(h.now, 999));
    assert_eq!(
        failed_ops(&h.take_events()),
        vec![(a, OpError::Removed, "Message removed".to_string())]
    );
    h.receive(ack(AckKind::PubAck, ids[1]));
    assert_eq!(done_ops(&h.take_events()), vec![b]);
}

// ----- inbound ----------------------------------------------------------------------------------

#[test]
fn inbound_qos1_is_delivered_and_acked() {
    let mut h = Harness::connected(options(ProtocolVersion::V3_1_1));
    h.take_events();
    h.receive(incoming("x/y", "hi", 1, 7));
    assert_eq!(
        messages(&h.take_events()),
        vec![("x/y".to_string(), b"hi".to_vec())]
    );
    assert_eq!(h.sent(), vec![ack(AckKind::PubAck, 7)]);
}

#[test]
fn inbound_qos2_is_delivered_exactly_once() {
    let mut h = Harness::connected(options(ProtocolVersion::V3_1_1));
    h.take_events();
    h.receive(incoming("x", "once", 2, 9));
    let Packet::Publish(mut dup) = incoming("x", "once", 2, 9) else {
        unreachable!()
    };
    dup.dup = true;
    h.receive(Packet::Publish(dup));
    assert_eq!(messages(&h.take_events()).len(), 1);
    assert_eq!(
        h.sent(),
        vec![ack(AckKind::PubRec, 9), ack(AckKind::PubRec, 9)]
    );
    h.receive(ack(AckKind::PubRel, 9));
    assert_eq!(h.sent(), vec![ack(AckKind::PubComp, 9)]);
    // After release the id may be reused for a new message.
    h.receive(incoming("x", "second", 2, 9));
    assert_eq!(
        messages(&h.take_events()),
        vec![("x".to_string(), b"second".to_vec())]
    );
}

#[test]
fn unknown_pubrel_is_answered_with_pubcomp() {
    let mut h = Harness::connected(options(ProtocolVersion::V3_1_1));
    h.receive(ack(AckKind::PubRel, 77));
    assert_eq!(h.sent(), vec![ack(AckKind::PubComp, 77)]);
    let mut h5 = Harness::connected(options(ProtocolVersion::V5));
    h5.receive(ack(AckKind::PubRel, 77));
    assert_eq!(h5.sent(), vec![ack_with(AckKind::PubComp, 77, 0x92)]);
    assert!(h5.session.is_connected());
}

#[test]
fn repeated_acks_complete_each_publish_once_and_keep_the_connection() {
    for version in [ProtocolVersion::V3_1_1, ProtocolVersion::V5] {
        let mut h = Harness::connected(options(version));
        h.take_events();
        let op1 = h.publish("a/b", b"one", 1);
        let op2 = h.publish("a/b", b"two", 2);
        let sent = h.sent();
        let (id1, id2) = (publishes(&sent)[0].pkid, publishes(&sent)[1].pkid);
        h.receive(ack(AckKind::PubAck, id1));
        h.receive(ack(AckKind::PubAck, id1));
        h.receive(ack(AckKind::PubRec, id2));
        h.receive(ack(AckKind::PubRec, id2));
        // Both PUBRECs get a PUBREL: the first PUBREL may be the one that was lost.
        assert_eq!(
            h.sent(),
            vec![ack(AckKind::PubRel, id2), ack(AckKind::PubRel, id2)]
        );
        h.receive(ack(AckKind::PubComp, id2));
        h.receive(ack(AckKind::PubComp, id2));
        // An ack of a kind the id's flow is not waiting for changes nothing either.
        let op3 = h.publish("a/b", b"three", 1);
        let id3 = publishes(&h.sent())[0].pkid;
        h.receive(ack(AckKind::PubComp, id3));
        assert!(h.sent().is_empty(), "nothing answers a stray PUBCOMP");
        h.receive(ack(AckKind::PubAck, id3));
        let ev = h.take_events();
        assert_eq!(done_ops(&ev), vec![op1, op2, op3], "{version:?}");
        assert!(error_codes(&ev).is_empty(), "{version:?}: {ev:?}");
        let ignored = ev
            .iter()
            .filter(|e| matches!(e, Event::Debug { text } if text.contains("not in flight")))
            .count();
        assert_eq!(ignored, 3, "each repeat is said in the debug log");
        assert!(h.session.is_connected());
        assert!(h.sent().is_empty(), "no DISCONNECT");
    }
}

#[test]
fn pubrec_for_an_id_not_in_flight_is_released() {
    let mut h = Harness::connected(options(ProtocolVersion::V3_1_1));
    h.receive(ack(AckKind::PubRec, 77));
    assert_eq!(h.sent(), vec![ack(AckKind::PubRel, 77)]);
    assert!(h.session.is_connected());
    let mut h5 = Harness::connected(options(ProtocolVersion::V5));
    h5.receive(ack(AckKind::PubRec, 77));
    assert_eq!(h5.sent(), vec![ack_with(AckKind::PubRel, 77, 0x92)]);
    // A failed PUBREC ends the broker's flow: nothing to release.
    h5.receive(ack_with(AckKind::PubRec, 78, 0x80));
    assert!(h5.sent().is_empty());
    assert!(h5.session.is_connected());
}
