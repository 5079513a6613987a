//! Picking a session up again after a reconnect: unfinished publishes and PUBRELs resent in order
//! with their ids, or republished when the broker lost the session; resubscription (what is
//! resubscribed, MQTT 5 properties and grouping, 64 filters a SUBSCRIBE, the broker's Maximum
//! Packet Size); an unanswered SUBSCRIBE sent again.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

mod engine_support;

use engine_support::*;
use mpmqtt::codec::{AckKind, ConnAckProperties, Packet, ProtocolVersion};
use mpmqtt::engine::{Event, OpError};

#[test]
fn session_present_resends_publish_with_dup_and_pubrel_in_order_with_original_ids() {
    let mut o = options(ProtocolVersion::V3_1_1);
    o.clean = false;
    let mut h = Harness::connected(o);
    h.take_events();
    let a = h.publish("q/1", b"a", 1);
    let b = h.publish("q/2", b"b", 2);
    let c = h.publish("q/3", b"c", 2);
    let sent = h.sent();
    let ids: Vec<u16> = publishes(&sent).iter().map(|p| p.pkid).collect();
    h.receive(ack(AckKind::PubRec, ids[1]));
    h.sent();
    h.drop_link();
    h.take_events();
    h.run_for(1_000);
    let resent = h.open_and_ack(true, None);
    let tail: Vec<Packet> = resent.into_iter().skip(1).collect();
    let mut expect_a = publishes(&sent)[0].clone();
    expect_a.dup = true;
    let mut expect_c = publishes(&sent)[2].clone();
    expect_c.dup = true;
    assert_eq!(
        tail,
        vec![
            Packet::Publish(expect_a.into()),
            ack(AckKind::PubRel, ids[1]),
            Packet::Publish(expect_c.into())
        ]
    );
    h.receive(ack(AckKind::PubAck, ids[0]));
    h.receive(ack(AckKind::PubComp, ids[1]));
    h.receive(ack(AckKind::PubRec, ids[2]));
    h.receive(ack(AckKind::PubComp, ids[2]));
    assert_eq!(done_ops(&h.take_events()), vec![a, b, c]);
}

#[test]
fn session_lost_republishes_unconfirmed_and_completes_confirmed_qos2() {
    let mut o = options(ProtocolVersion::V3_1_1);
    o.clean = false;
    let mut h = Harness::connected(o);
    h.subscribe("s/#", 1);
    let sub_id = match &h.sent()[0] {
        Packet::Subscribe(s) => s.pkid,
        p => panic!("{p:?}"),
    };
    h.receive(suback(sub_id, vec![1]));
    h.take_events();
    let q1 = h.publish("q/1", b"a", 1);
    let q2 = h.publish("q/2", b"b", 2);
    let ids: Vec<u16> = publishes(&h.sent()).iter().map(|p| p.pkid).collect();
    h.receive(ack(AckKind::PubRec, ids[1]));
    h.sent();
    h.drop_link();
    h.run_for(1_000);
    let sent = h.open_and_ack(false, None);
    let ev = h.take_events();
    assert_eq!(
        done_ops(&ev),
        vec![q2],
        "PUBREC means the broker has it: done"
    );
    let again: Vec<(u16, bool)> = publishes(&sent).iter().map(|p| (p.pkid, p.dup)).collect();
    assert_eq!(
        again,
        vec![(ids[0], false)],
        "only the unconfirmed QoS 1 goes out again, as new to the broker (DUP 0)"
    );
    h.receive(ack(AckKind::PubAck, ids[0]));
    assert_eq!(done_ops(&h.take_events()), vec![q1]);
}

// ----- resubscription ---------------------------------------------------------------------------

#[test]
fn resubscribes_when_the_broker_lost_the_session() {
    let mut h = Harness::connected(options(ProtocolVersion::V3_1_1));
    h.subscribe("a/+", 1);
    h.subscribe("b/#", 0);
    let ids: Vec<u16> = h
        .sent()
        .iter()
        .map(|p| {
            if let Packet::Subscribe(s) = p {
                s.pkid
            } else {
                0
            }
        })
        .collect();
    h.receive(suback(ids[0], vec![1]));
    h.receive(suback(ids[1], vec![0]));
    h.take_events();
    h.drop_link();
    h.run_for(1_000);
    let sent = h.open_and_ack(false, None);
    let Some(Packet::Subscribe(s)) = sent.get(1) else {
        panic!("{sent:?}")
    };
    let filters: Vec<&str> = s.filters.iter().map(|f| f.filter.as_str()).collect();
    assert_eq!(filters, vec!["a/+", "b/#"]);
    // Resubscription is internal: no operation completes for it.
    h.receive(suback(s.pkid, vec![1, 0]));
    assert!(done_ops(&h.take_events()).is_empty());
}

#[test]
fn a_filter_unsubscribed_while_offline_is_not_resubscribed() {
    // Found by the differential test against MQTT.js: the resubscription went out before the
    // queued UNSUBSCRIBE, so the broker could deliver to a page that had unsubscribed.
    let mut h = Harness::connected(options(ProtocolVersion::V3_1_1));
    h.subscribe("a/+", 1);
    h.subscribe("b/#", 0);
    let ids: Vec<u16> = h
        .sent()
        .iter()
        .filter_map(|p| match p {
            Packet::Subscribe(s) => Some(s.pkid),
            _ => None,
        })
        .collect();
    h.receive(suback(ids[0], vec![1]));
    h.receive(suback(ids[1], vec![0]));
    h.take_events();
    h.drop_link();
    let op = h.session.unsubscribe(h.now, vec!["a/+".into()], vec![]);
    h.run_for(1_000);
    let sent = h.open_and_ack(false, None);
    let subscribed: Vec<&str> = sent
        .iter()
        .filter_map(|p| match p {
            Packet::Subscribe(s) => Some(s.filters.iter().map(|f| f.filter.as_str())),
            _ => None,
        })
        .flatten()
        .collect();
    assert_eq!(subscribed, vec!["b/#"], "{sent:?}");
    let unsubscribed: Vec<&Packet> = sent
        .iter()
        .filter(|p| matches!(p, Packet::Unsubscribe(_)))
        .collect();
    let [Packet::Unsubscribe(u)] = unsubscribed[..] else {
        panic!("one UNSUBSCRIBE: {sent:?}")
    };
    assert_eq!(u.filters, vec!["a/+".to_string()]);
    h.receive(unsuback(u.pkid, vec![]));
    assert_eq!(done_ops(&h.take_events()), vec![op]);
}

#[test]
fn v5_resubscription_keeps_each_filters_properties_and_groups_equal_ones() {
    use mpmqtt::codec::{Subscribe, SubscribeProperties};
    let mut h = Harness::connected(options(ProtocolVersion::V5));
    let tagged = SubscribeProperties {
        id: Some(7),
        user_properties: vec![("app".into(), "page-1".into())],
    };
    h.session
        .subscribe(h.now, vec![filter_of("a/+", 1)], Some(tagged.clone()));
    h.subscribe("b/#", 0);
    h.session
        .subscribe(h.now, vec![filter_of("c", 2)], Some(tagged.clone()));
    for p in h.sent() {
        let Packet::Subscribe(s) = p else {
            panic!("{p:?}")
        };
        h.receive(suback(s.pkid, vec![s.filters[0].qos as u8]));
    }
    h.take_events();
    // Twice: the second replay proves the SUBACK of a resubscription keeps the properties too.
    for round in 0..2 {
        h.drop_link();
        h.run_for(1_000);
        let sent = h.open_and_ack(false, None);
        let subs: Vec<&Subscribe> = sent
            .iter()
            .filter_map(|p| match p {
                Packet::Subscribe(s) => Some(s),
                _ => None,
            })
            .collect();
        let shape: Vec<(Vec<&str>, Option<&SubscribeProperties>)> = subs
            .iter()
            .map(|s| {
                (
                    s.filters.iter().map(|f| f.filter.as_str()).collect(),
                    s.properties.as_ref(),
                )
            })
            .collect();
        assert_eq!(
            shape,
            vec![(vec!["a/+", "c"], Some(&tagged)), (vec!["b/#"], None)],
            "round {round}: one SUBSCRIBE per distinct set of properties, in subscription order"
        );
        let acks: Vec<(u16, Vec<u8>)> = subs
            .iter()
            .map(|s| (s.pkid, s.filters.iter().map(|f| f.qos as u8).collect()))
            .collect();
        for (pkid, codes) in acks {
            h.receive(suback(pkid, codes));
        }
        assert!(done_ops(&h.take_events()).is_empty());
    }
}

#[test]
fn v5_resubscription_treats_empty_properties_as_none() {
    use mpmqtt::codec::SubscribeProperties;
    let mut h = Harness::connected(options(ProtocolVersion::V5));
    h.subscribe("a", 1);
    let empty = SubscribeProperties {
        id: None,
        user_properties: Vec::new(),
    };
    h.session
        .subscribe(h.now, vec![filter_of("b", 1)], Some(empty));
    for p in h.sent() {
        let Packet::Subscribe(s) = p else {
            panic!("{p:?}")
        };
        h.receive(suback(s.pkid, vec![1]));
    }
    h.take_events();
    h.drop_link();
    h.run_for(1_000);
    let subs: Vec<Vec<String>> = h
        .open_and_ack(false, None)
        .into_iter()
        .filter_map(|p| match p {
            Packet::Subscribe(s) => Some(s.filters.into_iter().map(|f| f.filter).collect()),
            _ => None,
        })
        .collect();
    // Both are written without properties, so one SUBSCRIBE carries both.
    assert_eq!(subs, vec![vec![String::from("a"), String::from("b")]]);
}

#[test]
fn resubscription_packs_at_most_64_filters_a_subscribe_in_order() {
    let mut h = Harness::connected(options(ProtocolVersion::V3_1_1));
    let names: Vec<String> = (0..70).map(|i| format!("f/{i}")).collect();
    let filters = names.iter().map(|n| filter_of(n, 1)).collect();
    h.session.subscribe(h.now, filters, None);
    let Some(Packet::Subscribe(s)) = h.sent().pop() else {
        panic!("no SUBSCRIBE")
    };
    h.receive(suback(s.pkid, vec![1; 70]));
    h.drop_link();
    h.run_for(1_000);
    let sent = h.open_and_ack(false, None);
    let sizes: Vec<usize> = sent
        .iter()
        .filter_map(|p| match p {
            Packet::Subscribe(s) => Some(s.filters.len()),
            _ => None,
        })
        .collect();
    assert_eq!(sizes, vec![64, 6]);
    let replayed: Vec<String> = sent
        .iter()
        .filter_map(|p| match p {
            Packet::Subscribe(s) => Some(s.filters.iter().map(|f| f.filter.clone())),
            _ => None,
        })
        .flatten()
        .collect();
    assert_eq!(replayed, names);
}

#[test]
fn resubscription_fits_the_brokers_maximum_packet_size_and_reports_a_filter_that_cannot() {
    // Each SUBSCRIBE fitted on its own; packed together (or under a smaller limit on the next
    // connection) they would not. A broker closes the connection on an oversized packet, so
    // sending it would loop: reconnect, resubscribe, closed, reconnect...
    let limit = |max: u32| {
        Some(ConnAckProperties {
            max_packet_size: Some(max),
            ..connack_props()
        })
    };
    let mut h = Harness::v5();
    h.establish_with(false, limit(64));
    let long = "l".repeat(40);
    let mut names: Vec<String> = (0..10).map(|i| format!("t/{i}")).collect();
    names.insert(7, long.clone());
    for n in &names {
        h.subscribe(n, 1);
    }
    for p in h.sent() {
        let Packet::Subscribe(s) = p else {
            panic!("{p:?}")
        };
        h.receive(suback(s.pkid, vec![1]));
    }
    h.take_events();
    for (round, max) in [(0, 64u32), (1, 40)] {
        h.drop_link();
        h.run_for(1_000);
        let sent = h.open_and_ack(false, limit(max));
        let mut replayed = Vec::new();
        for p in &sent[1..] {
            let Packet::Subscribe(s) = p else {
                panic!("round {round}: {p:?}")
            };
            let mut bytes = Vec::new();
            mpmqtt::codec::encode(p, ProtocolVersion::V5, &mut bytes).unwrap();
            assert!(
                bytes.len() <= max as usize,
                "round {round}: a {}-byte SUBSCRIBE for a broker that takes at most {max}",
                bytes.len()
            );
            replayed.extend(s.filters.iter().map(|f| f.filter.clone()));
        }
        let events = h.take_events();
        let too_large: Vec<&Event> = events
            .iter()
            .filter(|e| {
                matches!(
                    e,
                    Event::OpFailed {
                        error: OpError::PacketTooLarge,
                        ..
                    }
                )
            })
            .collect();
        if max == 64 {
            assert_eq!(replayed, names, "round {round}: every filter, in order");
            assert!(too_large.is_empty(), "{events:?}");
        } else {
            let fitting: Vec<String> = names.iter().filter(|n| **n != long).cloned().collect();
            assert_eq!(
                replayed, fitting,
                "round {round}: every filter that fits, in order"
            );
            let [Event::OpFailed { op: 0, text, .. }] = too_large.as_slice() else {
                panic!("round {round}: one failure of the internal resubscription: {events:?}")
            };
            assert!(
                text.contains("Maximum Packet Size") && text.contains(&long),
                "{text}"
            );
        }
        assert!(h.session.is_connected(), "round {round}");
    }
}

#[test]
fn unanswered_subscribe_is_sent_again_after_reconnect() {
    let mut h = Harness::connected(options(ProtocolVersion::V3_1_1));
    h.take_events();
    let op = h.subscribe("a", 1);
    h.sent();
    h.drop_link();
    h.run_for(1_000);
    let sent = h.open_and_ack(false, None);
    let Some(Packet::Subscribe(s)) = sent.get(1) else {
        panic!("{sent:?}")
    };
    h.receive(suback(s.pkid, vec![1]));
    assert_eq!(done_ops(&h.take_events()), vec![op]);
}
