//! The session engine, driven byte by byte and millisecond by millisecond.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

mod engine_support;

use bytes::Bytes;
use engine_support::*;
use mpmqtt::codec::{
    AckKind, ConnAck, ConnAckProperties, Disconnect, Packet, ProtocolVersion, Publish,
    PublishProperties, QoS,
};
use mpmqtt::engine::{Backoff, ErrorKind, Event, OpError};

// ----- CONNECT / CONNACK -------------------------------------------------------------------

#[test]
fn connect_carries_every_option() {
    let mut o = options(ProtocolVersion::V3_1_1);
    o.clean = false;
    o.keepalive_s = 30;
    o.username = Some("dev&pk".into());
    o.password = Some(Bytes::from_static(b"s3cret"));
    o.will = Some(mpmqtt::engine::WillOptions {
        topic: "status/dev".into(),
        payload: Bytes::from_static(b"offline"),
        qos: QoS::AtLeastOnce,
        retain: true,
        properties: None,
    });
    let mut h = Harness::new(o);
    h.session.connect(h.now);
    assert_eq!(h.take_events(), vec![Event::OpenTransport]);
    h.session.transport_opened(h.now);
    let sent = h.sent();
    let Packet::Connect(c) = &sent[0] else {
        panic!("{sent:?}")
    };
    assert_eq!(c.client_id, "test-client");
    assert!(!c.clean_start);
    assert_eq!(c.keep_alive, 30);
    assert_eq!(c.username.as_deref(), Some("dev&pk"));
    assert_eq!(c.password.as_deref(), Some(&b"s3cret"[..]));
    let will = c.will.as_ref().unwrap();
    assert_eq!(
        (
            will.topic.as_str(),
            &will.payload[..],
            will.qos,
            will.retain
        ),
        ("status/dev", &b"offline"[..], QoS::AtLeastOnce, true)
    );
    h.receive(Packet::ConnAck(ConnAck {
        session_present: false,
        code: 0,
        properties: None,
    }));
    let ev = h.take_events();
    assert!(ev.iter().any(|e| matches!(
        e,
        Event::Connected {
            session_present: false,
            code: 0,
            ..
        }
    )));
}

#[test]
fn refused_connack_reports_a_readable_reason_and_stops_reconnecting() {
    let mut h = Harness::v4();
    h.session.connect(h.now);
    h.take_events();
    h.session.transport_opened(h.now);
    h.sent();
    let op = h.publish("a/b", b"queued", 1);
    h.receive(Packet::ConnAck(ConnAck {
        session_present: false,
        code: 5,
        properties: None,
    }));
    let ev = h.take_events();
    assert_eq!(
        errors(&ev),
        vec![(
            ErrorKind::ConnectionRefused,
            "Connection refused".to_string()
        )]
    );
    assert_eq!(error_codes(&ev), vec![(ErrorKind::ConnectionRefused, 5)]);
    assert!(ev.contains(&Event::CloseTransport));
    assert_eq!(
        failed_ops(&ev).iter().map(|f| f.0).collect::<Vec<_>>(),
        vec![op],
        "queued callback still fires"
    );
    h.run_for(60_000);
    assert!(
        !h.take_events().contains(&Event::OpenTransport),
        "no reconnect after refusal by default"
    );
}

#[test]
fn refused_connack_reconnects_when_asked_to() {
    let mut o = options(ProtocolVersion::V5);
    o.reconnect_on_connack_error = true;
    let mut h = Harness::new(o);
    h.session.connect(h.now);
    h.take_events();
    h.session.transport_opened(h.now);
    h.sent();
    h.receive(Packet::ConnAck(ConnAck {
        session_present: false,
        code: 0x88,
        properties: None,
    }));
    let ev = h.take_events();
    assert_eq!(error_codes(&ev), vec![(ErrorKind::ConnectionRefused, 0x88)]);
    h.run_for(1_000);
    assert_eq!(
        h.take_events(),
        vec![Event::Reconnecting, Event::OpenTransport]
    );
}

#[test]
fn connect_timeout_closes_and_retries() {
    let mut h = Harness::v4();
    h.session.connect(h.now);
    h.take_events();
    h.session.transport_opened(h.now);
    h.run_for(29_999);
    assert!(h.take_events().is_empty());
    h.run_for(1);
    let ev = h.take_events();
    assert!(ev.contains(&Event::CloseTransport));
    assert_eq!(errors(&ev)[0].0, ErrorKind::ConnectTimeout);
    h.run_for(1_000);
    assert_eq!(
        h.take_events(),
        vec![Event::Reconnecting, Event::OpenTransport]
    );
}

// ----- keepalive -----------------------------------------------------------------------------

#[test]
fn pingreq_goes_out_when_either_direction_was_quiet_for_a_keepalive() {
    let mut o = options(ProtocolVersion::V3_1_1);
    o.keepalive_s = 10;
    let mut h = Harness::connected(o);
    h.take_events();
    // Publishing all the time does not put the ping off: nothing came back.
    for _ in 0..9 {
        h.run_for(1_000);
        h.publish("t", b"x", 0);
        assert_eq!(publishes(&h.sent()).len(), 1);
    }
    h.run_for(999);
    assert!(h.sent().is_empty());
    h.run_for(1);
    assert_eq!(h.sent(), vec![Packet::PingReq]);
    h.receive(Packet::PingResp);
    // Receiving all the time does not either: the broker needs a packet from us.
    for _ in 0..9 {
        h.run_for(1_000);
        h.receive(incoming("t", "y", 0, 0));
    }
    h.run_for(999);
    assert!(h.sent().is_empty());
    h.run_for(1);
    assert_eq!(h.sent(), vec![Packet::PingReq]);
    h.receive(Packet::PingResp);
    h.run_for(9_999);
    assert!(h.sent().is_empty());
    h.run_for(1);
    assert_eq!(h.sent(), vec![Packet::PingReq]);
}

#[test]
fn overdue_pingresp_means_a_dead_link() {
    let mut o = options(ProtocolVersion::V3_1_1);
    o.keepalive_s = 5;
    let mut h = Harness::connected(o);
    h.take_events();
    h.run_for(5_000);
    assert_eq!(h.sent(), vec![Packet::PingReq]);
    // Half a keepalive for the answer: 1.5 keepalives after the broker was last heard.
    h.run_for(2_499);
    assert!(!h.take_events().contains(&Event::CloseTransport));
    h.run_for(1);
    let ev = h.take_events();
    assert!(ev.contains(&Event::CloseTransport));
    assert!(ev.contains(&Event::Closed {
        was_connected: true
    }));
    assert_eq!(errors(&ev)[0].0, ErrorKind::KeepaliveTimeout);
    h.run_for(1_000);
    assert!(h.take_events().contains(&Event::OpenTransport));
}

#[test]
fn server_keep_alive_overrides_ours() {
    let mut o = options(ProtocolVersion::V5);
    o.keepalive_s = 60;
    let mut h = Harness::new(o);
    h.establish_with(
        false,
        Some(ConnAckProperties {
            server_keep_alive: Some(3),
            ..connack_props()
        }),
    );
    h.run_for(3_000);
    assert_eq!(h.sent(), vec![Packet::PingReq]);
}

// ----- publish flows -------------------------------------------------------------------------

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

// ----- inbound -------------------------------------------------------------------------------

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

#[test]
fn session_present_in_answer_to_a_clean_session_closes_the_connection() {
    for version in [ProtocolVersion::V3_1_1, ProtocolVersion::V5] {
        let mut h = Harness::new(options(version));
        h.session.connect(h.now);
        assert!(h.take_events().contains(&Event::OpenTransport));
        h.session.transport_opened(h.now);
        h.sent();
        h.receive(Packet::ConnAck(ConnAck {
            session_present: true,
            code: 0,
            properties: None,
        }));
        let ev = h.take_events();
        assert!(!h.session.is_connected(), "{version:?}");
        assert!(ev.contains(&Event::CloseTransport));
        assert!(!ev.iter().any(|e| matches!(e, Event::Connected { .. })));
        assert_eq!(error_codes(&ev), vec![(ErrorKind::ProtocolError, 0x82)]);
        let disconnects: Vec<_> = h
            .sent()
            .into_iter()
            .filter(|p| matches!(p, Packet::Disconnect(_)))
            .collect();
        if version == ProtocolVersion::V5 {
            assert!(matches!(
                disconnects[..],
                [Packet::Disconnect(Disconnect { reason: 0x82, .. })]
            ));
        } else {
            assert!(disconnects.is_empty());
        }
        // With clean: false the same CONNACK resumes the broker's session, as it should.
        let mut o = options(version);
        o.clean = false;
        let mut resumed = Harness::new(o);
        resumed.establish(true);
        assert!(resumed.session.is_connected());
    }
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
        Packet::Publish(Publish {
            dup: false,
            qos: QoS::AtMostOnce,
            retain: false,
            topic: topic.into(),
            pkid: 0,
            payload: Bytes::from_static(b"v"),
            properties: Some(props(alias)),
        })
    };
    h.receive(mk("sensors/t", 2));
    h.receive(mk("", 2));
    let got: Vec<String> = messages(&h.take_events())
        .into_iter()
        .map(|m| m.0)
        .collect();
    assert_eq!(got, vec!["sensors/t", "sensors/t"]);
    h.receive(mk("", 6));
    let ev = h.take_events();
    assert_eq!(errors(&ev)[0].0, ErrorKind::ProtocolError);
    assert!(h
        .sent()
        .iter()
        .any(|p| matches!(p, Packet::Disconnect(Disconnect { reason: 0x94, .. }))));
}

// ----- session resume ------------------------------------------------------------------------

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
            Packet::Publish(expect_a),
            ack(AckKind::PubRel, ids[1]),
            Packet::Publish(expect_c)
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

// ----- v5 flow control -------------------------------------------------------------------------

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
        Packet::Publish(p)
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
fn server_disconnect_is_reported_with_its_reason_then_reconnects() {
    let mut h = Harness::connected(options(ProtocolVersion::V5));
    h.take_events();
    h.receive(Packet::Disconnect(Disconnect {
        reason: 0x89,
        properties: None,
    }));
    let ev = h.take_events();
    assert!(ev.contains(&Event::ServerDisconnect {
        reason: 0x89,
        properties: None
    }));
    assert!(ev.contains(&Event::CloseTransport));
    h.run_for(1_000);
    assert!(h.take_events().contains(&Event::OpenTransport));
}

#[test]
fn disconnect_from_a_3_1_1_broker_is_a_protocol_error_then_reconnects() {
    // Before MQTT 5 only clients send DISCONNECT: from a broker it is a violation, not a
    // graceful close, and the page hears an error rather than a `disconnect` event.
    for version in [ProtocolVersion::V3_1, ProtocolVersion::V3_1_1] {
        let mut h = Harness::connected(options(version));
        h.take_events();
        h.receive_bytes(&[0xE0, 0x00]);
        let ev = h.take_events();
        assert_eq!(
            errors(&ev),
            vec![(
                ErrorKind::ProtocolError,
                "Protocol error from the broker: DISCONNECT, which before MQTT 5 only a client sends"
                    .into()
            )],
            "{version:?}"
        );
        assert!(
            !ev.iter()
                .any(|e| matches!(e, Event::ServerDisconnect { .. })),
            "{ev:?}"
        );
        assert!(ev.contains(&Event::CloseTransport));
        assert!(!h.session.is_connected());
        assert!(
            h.sent().is_empty(),
            "no DISCONNECT of our own before MQTT 5"
        );
        h.run_for(1_000);
        assert!(h.take_events().contains(&Event::OpenTransport));
    }
}

#[test]
fn session_taken_over_stops_reconnecting_with_a_distinct_error() {
    let mut h = Harness::connected(options(ProtocolVersion::V5));
    h.take_events();
    h.receive(Packet::Disconnect(Disconnect {
        reason: 0x8E,
        properties: None,
    }));
    let ev = h.take_events();
    assert_eq!(errors(&ev)[0].0, ErrorKind::ClientIdTaken);
    h.run_for(60_000);
    assert!(!h.take_events().contains(&Event::OpenTransport));
}

// ----- offline queue ---------------------------------------------------------------------------

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

// ----- reconnect decisions -----------------------------------------------------------------------

#[test]
fn backoff_doubles_the_delay_up_to_its_cap() {
    let mut o = options(ProtocolVersion::V3_1_1);
    o.backoff = Some(Backoff {
        initial_ms: 100,
        max_ms: 1_000,
        multiplier: 2.0,
        jitter: 0.0,
    });
    let mut h = Harness::new(o);
    h.session.connect(h.now);
    let mut opened_at = vec![];
    for _ in 0..7 {
        assert!(h.take_events().contains(&Event::OpenTransport));
        opened_at.push(h.now);
        h.session.transport_closed(h.now);
        let next = h.session.poll_timeout().expect("a reconnect is scheduled");
        h.now = next;
        h.session.handle_timeout(h.now);
    }
    let gaps: Vec<u64> = opened_at.windows(2).map(|w| w[1] - w[0]).collect();
    assert_eq!(gaps, vec![100, 200, 400, 800, 1_000, 1_000]);
}

#[test]
fn max_attempts_reports_exhaustion_and_fails_queued_work_once() {
    let mut o = options(ProtocolVersion::V3_1_1);
    o.max_reconnect_attempts = 2;
    let mut h = Harness::new(o);
    let op = h.publish("t", b"x", 1);
    h.session.connect(h.now);
    let mut ev = Vec::new();
    for _ in 0..5 {
        let now = h.take_events();
        if now.contains(&Event::OpenTransport) {
            h.session.transport_closed(h.now);
        }
        ev.extend(now);
        h.run_for(1_000);
    }
    ev.extend(h.take_events());
    assert_eq!(ev.iter().filter(|e| **e == Event::OpenTransport).count(), 3);
    assert_eq!(
        errors(&ev),
        vec![(
            ErrorKind::ReconnectExhausted,
            "Gave up reconnecting after 2 failed attempts".to_string()
        )]
    );
    assert_eq!(
        failed_ops(&ev).iter().map(|f| f.0).collect::<Vec<_>>(),
        vec![op]
    );
}

#[test]
fn same_client_id_loop_is_detected_not_flapped_forever() {
    let mut o = options(ProtocolVersion::V3_1_1);
    o.stop_on_client_id_taken = true;
    let mut h = Harness::new(o);
    h.establish(false);
    for _ in 0..2 {
        h.advance(100);
        h.drop_link();
        h.run_for(1_000);
        h.open_and_ack(false, None);
    }
    h.advance(100);
    h.drop_link();
    let ev = h.take_events();
    let e = errors(&ev);
    assert_eq!(e[0].0, ErrorKind::ClientIdTaken);
    assert!(
        e[0].1
            .contains("\"test-client\" is in use by another connection"),
        "{}",
        e[0].1
    );
    h.run_for(60_000);
    assert!(!h.take_events().contains(&Event::OpenTransport));
}

#[test]
fn a_long_lived_connection_dropping_is_not_a_takeover() {
    let mut h = Harness::v4();
    h.establish(false);
    for _ in 0..5 {
        h.run_for(10_000);
        h.sent();
        h.receive(Packet::PingResp);
        h.drop_link();
        h.run_for(1_000);
        h.open_and_ack(false, None);
    }
    assert!(errors(&h.take_events()).is_empty());
}

#[test]
fn no_attempts_while_hidden_and_one_at_once_when_shown() {
    let mut h = Harness::v4();
    h.establish(false);
    h.take_events();
    h.session.set_suspended(h.now, true);
    h.run_for(100);
    h.drop_link();
    h.run_for(60_000);
    let ev = h.take_events();
    assert!(!ev.contains(&Event::OpenTransport), "{ev:?}");
    h.session.set_suspended(h.now, false);
    assert_eq!(
        h.take_events(),
        vec![Event::Reconnecting, Event::OpenTransport]
    );
}

#[test]
fn network_back_online_reconnects_at_once() {
    let mut h = Harness::v4();
    h.establish(false);
    h.session.network_changed(h.now, false);
    h.drop_link();
    h.run_for(10_000);
    assert!(!h.take_events().contains(&Event::OpenTransport));
    h.session.network_changed(h.now, true);
    assert_eq!(
        h.take_events(),
        vec![Event::Reconnecting, Event::OpenTransport]
    );
}

// ----- credentials provider ----------------------------------------------------------------------

#[test]
fn provider_is_asked_before_every_attempt_and_its_answer_is_used() {
    let mut o = options(ProtocolVersion::V3_1_1);
    o.credentials_provider = true;
    let mut h = Harness::new(o);
    h.session.connect(h.now);
    assert_eq!(h.take_events(), vec![Event::NeedCredentials { attempt: 1 }]);
    h.session.provide_credentials(
        h.now,
        Some("u".into()),
        Some(Bytes::from_static(b"token-1")),
        None,
    );
    assert_eq!(h.take_events(), vec![Event::OpenTransport]);
    h.session.transport_opened(h.now);
    let Packet::Connect(c) = &h.sent()[0] else {
        panic!()
    };
    assert_eq!(c.password.as_deref(), Some(&b"token-1"[..]));
    h.receive(Packet::ConnAck(ConnAck {
        session_present: false,
        code: 0,
        properties: None,
    }));
    h.drop_link();
    h.run_for(1_000);
    assert!(
        h.take_events()
            .iter()
            .any(|e| matches!(e, Event::NeedCredentials { .. })),
        "asked again on reconnect"
    );
    h.session.provide_credentials(
        h.now,
        Some("u".into()),
        Some(Bytes::from_static(b"token-2")),
        Some("new-id".into()),
    );
    h.take_events();
    h.session.transport_opened(h.now);
    let Packet::Connect(c) = &h.sent()[0] else {
        panic!()
    };
    assert_eq!(
        (c.password.as_deref(), c.client_id.as_str()),
        (Some(&b"token-2"[..]), "new-id")
    );
}

#[test]
fn bad_credentials_refresh_exactly_once_before_the_error() {
    let mut o = options(ProtocolVersion::V3_1_1);
    o.credentials_provider = true;
    let mut h = Harness::new(o);
    h.session.connect(h.now);
    let mut asked = 0;
    let mut ev_all = Vec::new();
    for _ in 0..4 {
        let ev = h.take_events();
        if ev
            .iter()
            .any(|e| matches!(e, Event::NeedCredentials { .. }))
        {
            asked += 1;
            h.session.provide_credentials(
                h.now,
                Some("u".into()),
                Some(Bytes::from_static(b"stale")),
                None,
            );
            h.take_events();
            h.session.transport_opened(h.now);
            h.sent();
            h.receive(Packet::ConnAck(ConnAck {
                session_present: false,
                code: 4,
                properties: None,
            }));
        }
        ev_all.extend(ev);
        h.run_for(5_000);
    }
    ev_all.extend(h.take_events());
    assert_eq!(asked, 2, "one refresh, then give up");
    assert_eq!(errors(&ev_all).len(), 1);
    assert_eq!(
        error_codes(&ev_all),
        vec![(ErrorKind::ConnectionRefused, 4)]
    );
}

// ----- validation and end ----------------------------------------------------------------------------

#[test]
fn invalid_input_fails_the_operation_and_leaves_the_session_intact() {
    let mut h = Harness::connected(options(ProtocolVersion::V3_1_1));
    h.take_events();
    let bad = [
        h.publish("a/+/b", b"x", 0),
        h.publish("", b"x", 0),
        h.publish("a\u{0}b", b"x", 0),
        h.publish("ok", b"x", 3),
        h.subscribe("a/#/b", 0),
        h.subscribe("a+", 0),
        h.session.subscribe(h.now, vec![], None),
        h.session.unsubscribe(h.now, vec!["#/x".into()], vec![]),
    ];
    let f = failed_ops(&h.take_events());
    assert_eq!(f.iter().map(|f| f.0).collect::<Vec<_>>(), bad.to_vec());
    assert_eq!(f[0].2, "Invalid topic a/+/b");
    assert_eq!(f[3].1, OpError::InvalidQoS);
    assert!(h.sent().is_empty(), "nothing invalid reached the wire");
    let good = h.publish("ok", b"x", 1);
    let pkid = publishes(&h.sent())[0].pkid;
    h.receive(ack(AckKind::PubAck, pkid));
    assert_eq!(done_ops(&h.take_events()), vec![good]);
}

#[test]
fn graceful_end_waits_for_in_flight_then_disconnects() {
    let mut h = Harness::connected(options(ProtocolVersion::V3_1_1));
    h.take_events();
    let op = h.publish("t", b"x", 1);
    let pkid = publishes(&h.sent())[0].pkid;
    h.session.end(h.now, false, 0);
    assert!(h.sent().is_empty());
    let late = h.publish("t", b"late", 0);
    assert_eq!(
        failed_ops(&h.take_events()),
        vec![(
            late,
            OpError::Disconnecting,
            "client disconnecting".to_string()
        )]
    );
    h.receive(ack(AckKind::PubAck, pkid));
    assert!(matches!(h.sent()[..], [Packet::Disconnect(_)]));
    let ev = h.take_events();
    assert_eq!(done_ops(&ev), vec![op]);
    assert!(ev.contains(&Event::CloseTransport));
    assert_eq!(ev.last(), Some(&Event::Ended));
    h.run_for(120_000);
    assert!(h.take_events().is_empty(), "no timers after end");
    assert_eq!(h.session.poll_timeout(), None);
}

#[test]
fn forced_end_fails_everything_pending_exactly_once() {
    let mut h = Harness::connected(options(ProtocolVersion::V3_1_1));
    h.take_events();
    let a = h.publish("t", b"x", 1);
    let b = h.subscribe("s", 1);
    h.sent();
    h.session.end(h.now, true, 0);
    let ev = h.take_events();
    let f: Vec<u32> = failed_ops(&ev).iter().map(|f| f.0).collect();
    assert_eq!(f, vec![a, b]);
    assert_eq!(ev.last(), Some(&Event::Ended));
    assert_eq!(h.session.pending_operations(), 0);
}

#[test]
fn graceful_end_says_disconnect_and_a_forced_one_only_closes() {
    // MQTT.js: end() sends DISCONNECT (the broker drops the Will), end(true) destroys the
    // stream (the broker publishes the Will).
    for (force, expect_disconnect) in [(false, true), (true, false)] {
        for version in [ProtocolVersion::V3_1_1, ProtocolVersion::V5] {
            let mut h = Harness::connected(options(version));
            h.take_events();
            h.session.end(h.now, force, 0);
            let disconnects = h
                .sent()
                .iter()
                .filter(|p| matches!(p, Packet::Disconnect(_)))
                .count();
            assert_eq!(
                disconnects, expect_disconnect as usize,
                "force {force}, {version:?}"
            );
            let ev = h.take_events();
            assert!(ev.contains(&Event::CloseTransport));
            assert_eq!(ev.last(), Some(&Event::Ended));
        }
    }
}

#[test]
fn end_during_connect_ends_cleanly() {
    let mut h = Harness::v4();
    h.session.connect(h.now);
    h.take_events();
    h.session.transport_opened(h.now);
    h.sent();
    h.session.end(h.now, false, 0);
    let ev = h.take_events();
    assert!(ev.contains(&Event::CloseTransport));
    assert_eq!(ev.last(), Some(&Event::Ended));
    // a late CONNACK from the old socket must change nothing
    h.receive(Packet::ConnAck(ConnAck {
        session_present: false,
        code: 0,
        properties: None,
    }));
    assert!(!h.session.is_connected());
}

#[test]
fn garbage_from_the_broker_closes_with_a_reason_and_recovers() {
    let mut h = Harness::connected(options(ProtocolVersion::V5));
    h.take_events();
    h.receive_bytes(&[0x62, 0x02, 0x00, 0x01]); // PUBREL with flags 0010 is fine…
    h.sent();
    h.receive_bytes(&[0x60, 0x02, 0x00, 0x01]); // …with flags 0000 it is malformed
    let ev = h.take_events();
    assert_eq!(errors(&ev)[0].0, ErrorKind::ProtocolError);
    assert!(h
        .sent()
        .iter()
        .any(|p| matches!(p, Packet::Disconnect(Disconnect { reason: 0x81, .. }))));
    h.run_for(1_000);
    h.open_and_ack(false, None);
    assert!(h.session.is_connected());
}

#[test]
fn packets_only_a_client_sends_are_refused_from_the_broker() {
    // The client decoder leaves CONNECT/SUBSCRIBE/UNSUBSCRIBE unread; they must still be
    // reported (packet events) and refused like any packet a broker must not send.
    let mut h = Harness::connected(options(ProtocolVersion::V5));
    h.session.set_packet_events(true);
    h.take_events();
    h.receive(Packet::Subscribe(mpmqtt::codec::Subscribe {
        pkid: 7,
        filters: vec![filter_of("a/b", 1)],
        properties: None,
    }));
    let ev = h.take_events();
    assert!(ev.contains(&Event::PacketReceived { packet_type: 8 }));
    assert_eq!(
        errors(&ev),
        vec![(
            ErrorKind::ProtocolError,
            "Protocol error from the broker: a packet a broker must not send to a client".into()
        )]
    );
    assert!(h
        .sent()
        .iter()
        .any(|p| matches!(p, Packet::Disconnect(Disconnect { reason: 0x82, .. }))));
    assert!(!h.session.is_connected());

    // Before CONNACK the same packet gets the "CONNACK first" wording, as PINGREQ does;
    // the body is not read, so even a truncated CONNECT is refused the same way.
    h.run_for(1_000);
    assert!(h.take_events().contains(&Event::OpenTransport));
    h.session.transport_opened(h.now);
    h.sent();
    h.receive_bytes(&[0x10, 0x01, 0x00]);
    let ev = h.take_events();
    assert!(ev.contains(&Event::PacketReceived { packet_type: 1 }));
    assert_eq!(
        errors(&ev),
        vec![(
            ErrorKind::ProtocolError,
            "Protocol error from the broker: expected CONNACK first".into()
        )]
    );
}

#[test]
fn packets_split_and_joined_across_messages_are_handled() {
    let mut h = Harness::connected(options(ProtocolVersion::V3_1_1));
    h.take_events();
    let mut bytes = Vec::new();
    for (i, t) in ["a", "b", "c"].iter().enumerate() {
        mpmqtt::codec::encode(
            &incoming(t, "payload", 1, i as u16 + 1),
            ProtocolVersion::V3_1_1,
            &mut bytes,
        )
        .unwrap();
    }
    let topics_and_acks = |h: &mut Harness| {
        let topics: Vec<String> = messages(&h.take_events())
            .into_iter()
            .map(|m| m.0)
            .collect();
        (topics, h.sent().len())
    };
    for chunk in bytes.chunks(5) {
        h.receive_bytes(chunk);
    }
    assert_eq!(
        topics_and_acks(&mut h),
        (vec!["a".into(), "b".into(), "c".into()], 3)
    );
    // The same as owned buffers (the wasm binding's path): a buffer holding a packet's end
    // and the next one's start is appended to what is buffered, never adopted over it.
    for chunk in bytes.chunks(7) {
        h.session.handle_owned_bytes(h.now, chunk.to_vec());
    }
    assert_eq!(
        topics_and_acks(&mut h),
        (vec!["a".into(), "b".into(), "c".into()], 3)
    );
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

#[test]
fn closes_caused_by_hiding_the_app_are_not_a_takeover() {
    let mut h = Harness::v4();
    h.establish(false);
    for _ in 0..5 {
        h.advance(100);
        h.session.set_suspended(h.now, true);
        h.drop_link(); // WeChat closes sockets of hidden apps ("interrupted")
        h.advance(3_000);
        h.session.set_suspended(h.now, false);
        h.open_and_ack(false, None);
    }
    assert!(errors(&h.take_events()).is_empty());
    assert!(h.session.is_connected());
}

#[test]
fn takeover_reported_by_the_broker_says_so() {
    let mut h = Harness::connected(options(ProtocolVersion::V5));
    h.take_events();
    h.receive(Packet::Disconnect(Disconnect {
        reason: 0x8E,
        properties: None,
    }));
    let e = errors(&h.take_events());
    assert!(
        e[0].1.contains("reported \"session taken over\""),
        "{}",
        e[0].1
    );
}

#[test]
fn borrowed_transmit_matches_poll_transmit_and_is_cleared() {
    let mut h = Harness::connected(options(ProtocolVersion::V3_1_1));
    h.publish("t", b"x", 0);
    let borrowed = h.session.pending_transmit().to_vec();
    assert!(!borrowed.is_empty());
    h.session.transmitted();
    assert!(h.session.pending_transmit().is_empty());
    assert_eq!(h.session.poll_transmit(), None);
    h.publish("t", b"x", 0);
    assert_eq!(
        h.session.poll_transmit(),
        Some(borrowed),
        "same bytes either way"
    );
}

#[test]
fn auto_assign_alone_reuses_aliases_and_never_binds_one_alias_twice() {
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
    for t in ["a/one", "a/one", "a/two", "a/two", "a/three", "a/one"] {
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
        ("a/three".into(), None), // the broker's two aliases are taken
        ("".into(), Some(1)),
    ];
    assert_eq!(wire, expect);
}

#[test]
fn connect_properties_the_spec_forbids_to_be_zero_are_refused_before_anything_is_sent() {
    use mpmqtt::codec::{empty_connect_properties, ConnectProperties};
    use mpmqtt::engine::Session;
    let refused = |set: fn(&mut ConnectProperties)| {
        let mut o = options(ProtocolVersion::V5);
        let mut p = empty_connect_properties();
        set(&mut p);
        o.properties = Some(p);
        Session::new(o, 1).err()
    };
    assert_eq!(
        refused(|p| p.receive_maximum = Some(0)),
        Some("properties.receiveMaximum must be 1..65535")
    );
    assert_eq!(
        refused(|p| p.max_packet_size = Some(0)),
        Some("properties.maximumPacketSize must be at least 1")
    );
    assert_eq!(refused(|p| p.receive_maximum = Some(1)), None);
    assert_eq!(refused(|p| p.max_packet_size = Some(1)), None);
}
