//! Acknowledgements the page controls (MQTT.js `handleMessage` back-pressure and
//! `customHandleAcks`): with page acks on, a message's PUBACK/PUBREC waits for
//! `message_handled`, nothing behind it is decoded before, and what is pending when the
//! connection drops is forgotten. Also the v5 DISCONNECT properties of `end`.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

mod engine_support;

use engine_support::*;
use mpmqtt::codec::{self, AckKind, Disconnect, DisconnectProperties, Packet, ProtocolVersion};
use mpmqtt::engine::Event;

/// One socket message carrying every packet of `packets`, as brokers send bursts.
fn burst(h: &mut Harness, packets: &[Packet]) {
    let mut bytes = Vec::new();
    for p in packets {
        codec::encode(p, h.version, &mut bytes).expect("broker packet encodes");
    }
    h.receive_bytes(&bytes);
}

fn page_acked(version: ProtocolVersion) -> Harness {
    let mut o = options(version);
    o.clean = false;
    let mut h = Harness::connected(o);
    h.session.set_page_acks(true);
    h.take_events();
    h
}

fn payloads(events: &[Event]) -> Vec<String> {
    messages(events)
        .into_iter()
        .map(|(_, p)| String::from_utf8(p).expect("utf-8 payload"))
        .collect()
}

#[test]
fn each_qos_waits_for_the_page_and_holds_what_follows() {
    for version in [ProtocolVersion::V3_1_1, ProtocolVersion::V5] {
        for qos in 0..=2u8 {
            let mut h = page_acked(version);
            let ids: Vec<u16> = if qos == 0 {
                vec![0, 0, 0]
            } else {
                vec![5, 6, 7]
            };
            let packets: Vec<Packet> = ids
                .iter()
                .enumerate()
                .map(|(i, id)| incoming("t", &format!("m{i}"), qos, *id))
                .collect();
            burst(&mut h, &packets);
            for (i, id) in ids.iter().enumerate() {
                assert_eq!(
                    payloads(&h.take_events()),
                    vec![format!("m{i}")],
                    "{version:?} QoS {qos}"
                );
                assert_eq!(
                    h.sent(),
                    vec![],
                    "nothing acknowledged before the page is done"
                );
                h.session.message_handled(h.now, *id, Some(0));
                let expected = match qos {
                    0 => vec![],
                    1 => vec![ack(AckKind::PubAck, *id)],
                    _ => vec![ack(AckKind::PubRec, *id)],
                };
                assert_eq!(h.sent(), expected, "{version:?} QoS {qos} message {i}");
            }
            assert!(messages(&h.take_events()).is_empty());
        }
    }
}

#[test]
fn off_by_default_acknowledges_on_receipt() {
    let mut h = Harness::connected(options(ProtocolVersion::V5));
    h.take_events();
    burst(
        &mut h,
        &[incoming("t", "a", 1, 1), incoming("t", "b", 2, 2)],
    );
    assert_eq!(payloads(&h.take_events()), vec!["a", "b"]);
    assert_eq!(
        h.sent(),
        vec![ack(AckKind::PubAck, 1), ack(AckKind::PubRec, 2)]
    );
    // No message is held: an id the page names acknowledges nothing.
    h.session.message_handled(h.now, 1, Some(0));
    assert_eq!(h.sent(), vec![]);
}

#[test]
fn the_page_chooses_the_v5_reason_code() {
    for reason in [0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99] {
        let mut h = page_acked(ProtocolVersion::V5);
        h.receive(incoming("t", "one", 1, 3));
        h.session.message_handled(h.now, 3, Some(reason));
        assert_eq!(h.sent(), vec![ack_with(AckKind::PubAck, 3, reason)]);
        h.receive(incoming("t", "two", 2, 4));
        h.session.message_handled(h.now, 4, Some(reason));
        assert_eq!(h.sent(), vec![ack_with(AckKind::PubRec, 4, reason)]);
        h.take_events();
        // A refusing PUBREC ends the exchange: the id carries a new message at once. A
        // success keeps it until PUBREL: the same id again is a duplicate, not delivered.
        h.receive(incoming("t", "again", 2, 4));
        let delivered = payloads(&h.take_events());
        if reason >= 0x80 {
            assert_eq!(delivered, vec!["again"], "reason {reason:#x}");
            h.session.message_handled(h.now, 4, Some(0));
        } else {
            assert!(delivered.is_empty(), "reason {reason:#x}");
        }
        assert_eq!(h.sent(), vec![ack(AckKind::PubRec, 4)]);
    }
}

#[test]
fn a_withheld_acknowledgement_sends_nothing_and_decoding_goes_on() {
    let mut h = page_acked(ProtocolVersion::V3_1_1);
    burst(
        &mut h,
        &[
            incoming("t", "a", 1, 1),
            incoming("t", "b", 2, 2),
            incoming("t", "c", 1, 3),
        ],
    );
    assert_eq!(payloads(&h.take_events()), vec!["a"]);
    h.session.message_handled(h.now, 1, None);
    assert_eq!(payloads(&h.take_events()), vec!["b"]);
    h.session.message_handled(h.now, 2, None);
    assert_eq!(payloads(&h.take_events()), vec!["c"]);
    h.session.message_handled(h.now, 3, Some(0));
    assert_eq!(h.sent(), vec![ack(AckKind::PubAck, 3)]);
    // The QoS 2 message the page failed to handle is delivered again when the broker resends it.
    let Packet::Publish(mut resent) = incoming("t", "b", 2, 2) else {
        unreachable!()
    };
    resent.dup = true;
    h.receive(Packet::Publish(resent));
    assert_eq!(payloads(&h.take_events()), vec!["b"]);
}

#[test]
fn a_call_for_another_message_than_the_held_one_changes_nothing() {
    let mut h = page_acked(ProtocolVersion::V3_1_1);
    burst(
        &mut h,
        &[incoming("t", "a", 1, 9), incoming("t", "b", 1, 10)],
    );
    h.take_events();
    for wrong in [0, 8, 10, 65_535] {
        h.session.message_handled(h.now, wrong, Some(0));
    }
    assert_eq!(h.sent(), vec![]);
    assert!(messages(&h.take_events()).is_empty());
    h.session.message_handled(h.now, 9, Some(0));
    assert_eq!(h.sent(), vec![ack(AckKind::PubAck, 9)]);
    assert_eq!(payloads(&h.take_events()), vec!["b"]);
}

#[test]
fn pending_acknowledgements_are_forgotten_with_the_connection() {
    for qos in 1..=2u8 {
        let mut h = page_acked(ProtocolVersion::V3_1_1);
        burst(
            &mut h,
            &[incoming("t", "a", qos, 21), incoming("t", "b", qos, 22)],
        );
        assert_eq!(payloads(&h.take_events()), vec!["a"]);
        h.drop_link();
        h.run_for(1_000);
        h.open_and_ack(true, None);
        h.take_events();
        // The page finishing with the message of the lost connection acknowledges nothing.
        h.session.message_handled(h.now, 21, Some(0));
        assert_eq!(h.sent(), vec![], "QoS {qos}");
        // The broker resends both: the one whose acknowledgement never left is delivered again.
        let Packet::Publish(mut resent) = incoming("t", "a", qos, 21) else {
            unreachable!()
        };
        resent.dup = true;
        h.receive(Packet::Publish(resent));
        assert_eq!(payloads(&h.take_events()), vec!["a"], "QoS {qos}");
        h.session.message_handled(h.now, 21, Some(0));
        let kind = if qos == 1 {
            AckKind::PubAck
        } else {
            AckKind::PubRec
        };
        assert_eq!(h.sent(), vec![ack(kind, 21)]);
    }
}

#[test]
fn bytes_arriving_behind_a_held_message_keep_the_connection_alive() {
    let mut o = options(ProtocolVersion::V3_1_1);
    o.keepalive_s = 5;
    let mut h = Harness::connected(o);
    h.session.set_page_acks(true);
    h.receive(incoming("t", "slow", 1, 1));
    h.take_events();
    // The page takes 30 s (six keepalives); the broker answers every PINGREQ meanwhile.
    for _ in 0..30 {
        h.run_for(1_000);
        for p in h.sent() {
            if p == Packet::PingReq {
                h.receive(Packet::PingResp);
            }
        }
    }
    assert!(
        h.session.is_connected(),
        "closed as dead: {:?}",
        errors(&h.take_events())
    );
    h.session.message_handled(h.now, 1, Some(0));
    assert!(h.sent().contains(&ack(AckKind::PubAck, 1)));
}

#[test]
fn end_sends_the_disconnect_properties() {
    let mut h = Harness::connected(options(ProtocolVersion::V5));
    let properties = DisconnectProperties {
        session_expiry_interval: Some(300),
        reason_string: Some("bye".into()),
        user_properties: vec![("k".into(), "v".into())],
        server_reference: None,
    };
    h.session
        .end_with(h.now, false, 0x04, Some(properties.clone()), false);
    assert_eq!(
        h.sent(),
        vec![Packet::Disconnect(Disconnect {
            reason: 0x04,
            properties: Some(Box::new(properties)),
        })]
    );
    assert!(h.take_events().contains(&Event::Ended));
}
