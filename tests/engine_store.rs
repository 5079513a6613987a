//! What the glue needs to honour MQTT.js' outgoing store and `messageIdProvider`: packet
//! ids chosen at the call (by the core or by the page), packets of an earlier client
//! restored with their ids and resent, the PUBREC that turns a stored PUBLISH into its
//! PUBREL, and an `end` that keeps the outgoing session for a later `reconnect`.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

mod engine_support;

use bytes::Bytes;
use engine_support::*;
use mpmqtt::codec::{AckKind, Packet, ProtocolVersion, Publish, QoS};
use mpmqtt::engine::{Event, OpError, ASSIGN_NOW};

fn publish_with(h: &mut Harness, payload: &[u8], qos: u8, message_id: u32) -> u32 {
    h.session.publish_with_id(
        h.now,
        "t/s",
        Bytes::copy_from_slice(payload),
        qos,
        false,
        false,
        None,
        message_id,
    )
}

/// Restores a stored PUBLISH (or its PUBREL) as the glue does from the page's store.
fn restore(h: &mut Harness, p: Publish, released: bool) -> u32 {
    h.session.restore(
        &p.topic,
        p.payload.clone(),
        p.qos as u8,
        p.retain,
        None,
        p.pkid,
        released,
    )
}

fn stored(pkid: u16, qos: QoS, payload: &'static [u8]) -> Publish {
    Publish {
        dup: false,
        qos,
        retain: false,
        topic: "t/s".into(),
        pkid,
        payload: Bytes::from_static(payload),
        properties: None,
    }
}

#[test]
fn ids_assigned_at_the_call_hold_while_offline_and_go_out_unchanged() {
    for version in [ProtocolVersion::V3_1_1, ProtocolVersion::V5] {
        let mut h = Harness::new(options(version));
        // Offline: queued, yet each has its id now (as MQTT.js assigns them).
        let a = publish_with(&mut h, b"a", 1, ASSIGN_NOW);
        let first = h.session.last_message_id();
        let b = publish_with(&mut h, b"b", 2, ASSIGN_NOW);
        let second = h.session.last_message_id();
        assert_ne!(first, second);
        let c = publish_with(&mut h, b"c", 1, 4242);
        // Each announced at the call, for the page's store to keep it from then on.
        let announced: Vec<Event> = h
            .take_events()
            .into_iter()
            .filter(|e| matches!(e, Event::InFlight { .. }))
            .collect();
        let at_call = |op, message_id| Event::InFlight {
            op,
            message_id,
            released: false,
            topic: String::new(),
        };
        assert_eq!(
            announced,
            vec![at_call(a, first), at_call(b, second), at_call(c, 4242)]
        );
        let sent = h.establish(false);
        let ids: Vec<u16> = publishes(&sent).iter().map(|p| p.pkid).collect();
        assert_eq!(ids, vec![first, second, 4242], "{version:?}");
        h.receive(ack(AckKind::PubAck, first));
        h.receive(ack(AckKind::PubRec, second));
        h.receive(ack(AckKind::PubComp, second));
        h.receive(ack(AckKind::PubAck, 4242));
        assert_eq!(done_ops(&h.take_events()), vec![a, b, c]);
    }
}

#[test]
fn a_given_id_in_flight_fails_the_call_and_the_sweep_of_ids_is_accepted() {
    let mut h = Harness::connected(options(ProtocolVersion::V3_1_1));
    h.take_events();
    for id in [1u32, 2, 255, 256, 32_768, 65_534, 65_535] {
        publish_with(&mut h, b"x", 1, id);
    }
    let ids: Vec<u16> = publishes(&h.sent()).iter().map(|p| p.pkid).collect();
    assert_eq!(ids, vec![1, 2, 255, 256, 32_768, 65_534, 65_535]);
    let again = publish_with(&mut h, b"x", 2, 256);
    let too_big = publish_with(&mut h, b"x", 1, 65_536 + 7);
    let f = failed_ops(&h.take_events());
    assert_eq!(f.len(), 2);
    assert_eq!((f[0].0, f[0].1), (again, OpError::InvalidArgument));
    assert!(f[0].2.contains("in flight"), "{}", f[0].2);
    assert_eq!((f[1].0, f[1].1), (too_big, OpError::InvalidArgument));
    assert!(h.sent().is_empty());
    // A SUBSCRIBE may not take an id a PUBLISH holds either; a free one is used as given.
    let sub = h
        .session
        .subscribe_with_id(h.now, vec![filter_of("s", 1)], None, 2);
    assert_eq!(failed_ops(&h.take_events())[0].0, sub);
    h.session
        .subscribe_with_id(h.now, vec![filter_of("s", 1)], None, 77);
    h.session
        .unsubscribe_with_id(h.now, vec!["s".into()], Vec::new(), 78);
    let ids: Vec<u16> = h
        .sent()
        .iter()
        .map(|p| match p {
            Packet::Subscribe(s) => s.pkid,
            Packet::Unsubscribe(u) => u.pkid,
            p => panic!("{p:?}"),
        })
        .collect();
    assert_eq!(ids, vec![77, 78]);
}

#[test]
fn the_pubrec_of_a_qos2_publish_is_announced_before_its_pubrel() {
    let mut h = Harness::connected(options(ProtocolVersion::V3_1_1));
    h.take_events();
    let op = h.publish("t", b"x", 2);
    let pkid = publishes(&h.sent())[0].pkid;
    h.take_events();
    h.receive(ack(AckKind::PubRec, pkid));
    assert_eq!(h.sent(), vec![ack(AckKind::PubRel, pkid)]);
    let ev = h.take_events();
    let in_flight = |ev: &[Event]| -> Vec<Event> {
        ev.iter()
            .filter(|e| matches!(e, Event::InFlight { .. }))
            .cloned()
            .collect()
    };
    assert_eq!(
        in_flight(&ev),
        vec![Event::InFlight {
            op,
            message_id: pkid,
            released: true,
            topic: String::new(),
        }]
    );
    // A repeated PUBREC announces nothing new.
    h.receive(ack(AckKind::PubRec, pkid));
    assert!(in_flight(&h.take_events()).is_empty());
}

#[test]
fn restored_packets_are_resent_in_store_order_with_their_ids_and_dup() {
    for session_present in [true, false] {
        let mut o = options(ProtocolVersion::V3_1_1);
        o.clean = false;
        let mut h = Harness::new(o);
        let a = restore(&mut h, stored(900, QoS::AtLeastOnce, b"a"), false);
        let b = restore(&mut h, stored(17, QoS::ExactlyOnce, b""), true);
        let c = restore(&mut h, stored(65_535, QoS::ExactlyOnce, b"c"), false);
        assert!(a != 0 && b != 0 && c != 0);
        // Its id is in flight now: a second copy is not restored, and nothing else takes it.
        assert_eq!(
            restore(&mut h, stored(900, QoS::AtLeastOnce, b"a"), false),
            0
        );
        assert_eq!(restore(&mut h, stored(5, QoS::AtMostOnce, b"q"), false), 0);
        let fresh = h.publish("t/s", b"new", 1);
        let sent = h.establish(session_present);
        let tail: Vec<Packet> = sent.into_iter().skip(1).collect();
        let mut pa = stored(900, QoS::AtLeastOnce, b"a");
        let mut pc = stored(65_535, QoS::ExactlyOnce, b"c");
        pa.dup = session_present;
        pc.dup = session_present;
        if session_present {
            assert_eq!(
                tail[..3],
                [
                    Packet::Publish(pa.into()),
                    ack(AckKind::PubRel, 17),
                    Packet::Publish(pc.into())
                ]
            );
        } else {
            // The broker lost the session: the PUBREL'd one is done, the rest published anew.
            assert_eq!(
                tail[..2],
                [Packet::Publish(pa.into()), Packet::Publish(pc.into())]
            );
        }
        let new_id = publishes(&tail).last().map(|p| p.pkid).unwrap_or(0);
        assert!(![900, 17, 65_535].contains(&new_id), "{new_id}");
        h.receive(ack(AckKind::PubAck, 900));
        if session_present {
            h.receive(ack(AckKind::PubComp, 17));
        }
        h.receive(ack(AckKind::PubRec, 65_535));
        h.receive(ack(AckKind::PubComp, 65_535));
        h.receive(ack(AckKind::PubAck, new_id));
        let mut done = done_ops(&h.take_events());
        done.sort();
        assert_eq!(
            done,
            vec![a, b, c, fresh],
            "session present {session_present}"
        );
    }
}

#[test]
fn a_restore_while_connected_goes_out_after_the_next_connack() {
    // The glue restores a store given to reconnect(opts) before it reconnects.
    let mut o = options(ProtocolVersion::V5);
    o.clean = false;
    let mut h = Harness::connected(o);
    h.take_events();
    restore(&mut h, stored(3, QoS::AtLeastOnce, b"a"), false);
    restore(&mut h, stored(4, QoS::ExactlyOnce, b""), true);
    assert!(h.sent().is_empty());
    h.session.reconnect(h.now);
    let resent = h.open_and_ack(true, None);
    let mut pa = stored(3, QoS::AtLeastOnce, b"a");
    pa.dup = true;
    assert_eq!(
        resent[1..],
        [Packet::Publish(pa.into()), ack(AckKind::PubRel, 4)]
    );
}

#[test]
fn end_keeping_the_session_leaves_qos12_for_reconnect_and_fails_the_rest() {
    for force in [true, false] {
        let mut o = options(ProtocolVersion::V3_1_1);
        o.clean = false;
        let mut h = Harness::connected(o);
        h.take_events();
        let q1 = h.publish("t", b"1", 1);
        let q2 = h.publish("t", b"2", 2);
        let sent = h.sent();
        let ids: Vec<u16> = publishes(&sent).iter().map(|p| p.pkid).collect();
        h.receive(ack(AckKind::PubRec, ids[1]));
        h.sent();
        let sub = h.subscribe("s", 1);
        h.sent();
        h.drop_link();
        // Offline: a queued QoS 1 stays, a queued QoS 0 fails.
        let queued = h.publish("t", b"3", 1);
        let q0 = h.publish("t", b"0", 0);
        h.take_events();
        h.session.end_keeping_session(h.now, force, 0, true);
        let ev = h.take_events();
        let failed: Vec<u32> = failed_ops(&ev).iter().map(|f| f.0).collect();
        assert_eq!(failed, vec![sub, q0], "force {force}");
        assert!(done_ops(&ev).is_empty());
        assert_eq!(ev.last(), Some(&Event::Ended));
        assert_eq!(h.session.pending_operations(), 3);
        h.session.reconnect(h.now);
        let resent = h.open_and_ack(true, None);
        let mut p1 = publishes(&sent)[0].clone();
        p1.dup = true;
        assert_eq!(
            resent[1..3],
            [Packet::Publish(p1.into()), ack(AckKind::PubRel, ids[1])]
        );
        let third = publishes(&resent)[1].pkid;
        assert!(!ids.contains(&third));
        h.receive(ack(AckKind::PubAck, ids[0]));
        h.receive(ack(AckKind::PubComp, ids[1]));
        h.receive(ack(AckKind::PubAck, third));
        assert_eq!(done_ops(&h.take_events()), vec![q1, q2, queued]);
    }
}

#[test]
fn end_without_keeping_still_fails_everything_once() {
    let mut h = Harness::connected(options(ProtocolVersion::V3_1_1));
    h.take_events();
    let a = publish_with(&mut h, b"x", 1, ASSIGN_NOW);
    let b = publish_with(&mut h, b"y", 1, 9);
    h.sent();
    h.session.end(h.now, true, 0);
    let f: Vec<u32> = failed_ops(&h.take_events()).iter().map(|f| f.0).collect();
    assert_eq!(f, vec![a, b]);
    // Their ids were given back: the same id can be given again after a reconnect.
    h.session.reconnect(h.now);
    h.open_and_ack(false, None);
    publish_with(&mut h, b"z", 1, 9);
    assert_eq!(publishes(&h.sent())[0].pkid, 9);
}

/// MQTT.js' "should keep message order": publishes written in the turn of `end(true)` never
/// leave (its stream is destroyed before the corked writes go), so the kept ones reach the
/// broker once, on the next connection, ahead of the one published after `reconnect`.
/// Swept over 1, 2 and 5 kept messages, QoS 1 and 2, and a graceful end for contrast.
#[test]
fn forced_end_leaves_unsent_bytes_unsent_and_the_kept_messages_lead_the_next_connection() {
    for qos in [1u8, 2] {
        for kept in [1usize, 2, 5] {
            let mut o = options(ProtocolVersion::V3_1_1);
            o.clean = false;
            let mut h = Harness::connected(o);
            h.take_events();
            let payloads: Vec<Vec<u8>> = (1..=kept).map(|i| vec![b'0' + i as u8]).collect();
            for p in &payloads {
                h.publish("t", p, qos);
            }
            // Not taken by the driver before end(true).
            h.session.end_keeping_session(h.now, true, 0, true);
            assert!(h.sent().is_empty(), "qos {qos}, {kept} kept");
            h.session.reconnect(h.now);
            let resent = h.open_and_ack(false, None);
            h.publish("t", b"new", qos);
            let mut got: Vec<Vec<u8>> = publishes(&resent)
                .iter()
                .map(|p| p.payload.to_vec())
                .collect();
            got.extend(publishes(&h.sent()).iter().map(|p| p.payload.to_vec()));
            let mut want = payloads.clone();
            want.push(b"new".to_vec());
            assert_eq!(got, want, "qos {qos}, {kept} kept");
        }
    }
    // A graceful end still sends what was written, then its DISCONNECT.
    let mut h = Harness::connected(options(ProtocolVersion::V3_1_1));
    h.take_events();
    h.publish("t", b"q0", 0);
    h.session.end(h.now, false, 0);
    let sent = h.sent();
    assert_eq!(publishes(&sent).len(), 1);
    assert!(matches!(sent.last(), Some(Packet::Disconnect(_))));
}

/// Stores written by older versions hold an alias-only PUBLISH as the page gave it: with a
/// topic, it is restored without the alias (the topic in full, on the next connection); with
/// no topic (the alias alone), it fails as an operation of its own, with its id, instead of
/// being dropped without a word. An invalid topic is not restored (0); a PUBREL needs no
/// topic.
#[test]
fn a_stored_publish_without_a_topic_fails_with_its_id_and_one_with_a_topic_loses_its_alias() {
    use mpmqtt::codec::PublishProperties;
    for qos in [1u8, 2] {
        for (topic, alias) in [
            ("", Some(3u16)),
            ("", None),
            ("a/+", Some(3)),
            ("t/s", Some(3)),
            ("t/s", None),
        ] {
            let case = format!("topic {topic:?}, alias {alias:?}, QoS {qos}");
            let mut h = Harness::new(options(ProtocolVersion::V5));
            let props = PublishProperties {
                topic_alias: alias,
                content_type: Some("text/plain".into()),
                ..mpmqtt::codec::empty_publish_properties()
            };
            let id = 4321;
            let op = h.session.restore(
                topic,
                Bytes::from_static(b"kept"),
                qos,
                false,
                Some(Box::new(props)),
                id,
                false,
            );
            if topic == "a/+" {
                assert_eq!(op, 0, "{case}");
                continue;
            }
            assert_ne!(op, 0, "{case}");
            let failed = failed_ops(&h.take_events());
            if topic.is_empty() {
                assert_eq!(failed.len(), 1, "{case}");
                assert_eq!(
                    (failed[0].0, failed[0].1),
                    (op, OpError::InvalidTopic),
                    "{case}"
                );
                let first = "Unregistered Topic Alias\n";
                assert!(failed[0].2.starts_with(first), "{case}: {}", failed[0].2);
                assert!(
                    failed[0].2.ends_with("stored message 4321 not restored"),
                    "{case}: {}",
                    failed[0].2
                );
                // Its id is not taken: the next message may use it.
                assert_ne!(publish_with(&mut h, b"n", 1, id as u32), 0);
                assert!(failed_ops(&h.take_events()).is_empty(), "{case}: id free");
                continue;
            }
            assert!(failed.is_empty(), "{case}");
            let sent = h.establish(false);
            let p = publishes(&sent)[0].clone();
            assert_eq!(
                (p.topic.as_str(), p.pkid, p.payload.as_ref()),
                ("t/s", id, b"kept".as_slice()),
                "{case}"
            );
            let pp = p.properties.expect("properties kept");
            assert_eq!(
                (pp.topic_alias, pp.content_type.as_deref()),
                (None, Some("text/plain")),
                "{case}"
            );
        }
    }
    // A stored PUBREL is restored whatever its (absent) topic.
    let mut h = Harness::new(options(ProtocolVersion::V5));
    assert_ne!(
        h.session.restore("", Bytes::new(), 2, false, None, 9, true),
        0
    );
    assert!(failed_ops(&h.take_events()).is_empty());
}
