//! Faults real networks and brokers produce (issue 19): half-open links under a steady
//! publisher, brokers' in-flight limits, the offline queue through a long outage, and the
//! "client id taken" inference, which must never stop reconnecting by mistake.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

mod engine_support;

use engine_support::*;
use mpmqtt::codec::{AckKind, ConnAckProperties, Disconnect, Packet, ProtocolVersion};
use mpmqtt::engine::{ErrorKind, Event, OpError, Options};

// ----- half-open links ---------------------------------------------------------------------------

/// The link stops carrying anything at `dies_after` ms while the page keeps publishing QoS 1
/// every `every` ms: how long after the broker was last heard the client gives the link up.
fn detection_after_last_heard(reschedule_pings: bool, every: u64, dies_after: u64) -> u64 {
    let mut o = options(ProtocolVersion::V3_1_1);
    o.keepalive_s = 5;
    o.reschedule_pings = reschedule_pings;
    let mut h = Harness::connected(o);
    h.take_events();
    let start = h.now;
    let mut last_heard = h.now;
    let mut next_publish = h.now + every;
    while h.now - start < 60_000 {
        let deadline = h.session.poll_timeout().unwrap_or(u64::MAX);
        let step = next_publish.min(deadline);
        h.now = step;
        if step == deadline {
            h.session.handle_timeout(h.now);
        }
        if step == next_publish {
            h.publish("t", b"x", 1);
            next_publish += every;
        }
        let alive = h.now - start < dies_after;
        for p in h.sent() {
            // The broker answers while the link works, and nothing reaches either side after.
            if !alive {
                continue;
            }
            match p {
                Packet::Publish(p) => h.receive(ack(AckKind::PubAck, p.pkid)),
                Packet::PingReq => h.receive(Packet::PingResp),
                _ => {}
            }
            last_heard = h.now;
        }
        let ev = h.take_events();
        if ev.contains(&Event::CloseTransport) {
            assert_eq!(errors(&ev)[0].0, ErrorKind::KeepaliveTimeout);
            return h.now - last_heard;
        }
    }
    panic!("reschedule {reschedule_pings}, every {every} ms: dead link never noticed in 60 s");
}

#[test]
fn a_steady_publisher_notices_a_dead_link_within_one_and_a_half_keepalives() {
    for reschedule in [true, false] {
        for every in [50, 700, 2_000, 4_999, 5_000, 9_000] {
            for dies_after in [3_000, 12_345, 20_001] {
                let t = detection_after_last_heard(reschedule, every, dies_after);
                assert!(
                    t > 0 && t <= 7_500,
                    "reschedule {reschedule}, every {every} ms, dies at {dies_after}: {t} ms"
                );
            }
        }
    }
}

#[test]
fn a_publisher_whose_acks_come_back_needs_no_ping() {
    let mut o = options(ProtocolVersion::V3_1_1);
    o.keepalive_s = 5;
    let mut h = Harness::connected(o);
    h.take_events();
    for _ in 0..30 {
        h.run_for(2_000);
        h.publish("t", b"x", 1);
        let sent = h.sent();
        assert_eq!(sent.len(), 1, "only the PUBLISH: {sent:?}");
        h.receive(ack(AckKind::PubAck, publishes(&sent)[0].pkid));
    }
}

// ----- the outgoing in-flight window -------------------------------------------------------------

fn payloads(packets: &[Packet]) -> Vec<u16> {
    publishes(packets)
        .iter()
        .map(|p| u16::from_be_bytes([p.payload[0], p.payload[1]]))
        .collect()
}

fn publish_numbered(h: &mut Harness, n: u16, qos: u8) -> u32 {
    h.publish("t", &n.to_be_bytes(), qos)
}

#[test]
fn mqtt_3_1_1_keeps_at_most_max_inflight_publishes_unacknowledged() {
    for (max, expected) in [(None, 20usize), (Some(1), 1), (Some(2), 2), (Some(32), 32)] {
        let mut o = options(ProtocolVersion::V3_1_1);
        o.max_inflight = max;
        let mut h = Harness::connected(o);
        for n in 0..100u16 {
            publish_numbered(&mut h, n, 1 + (n % 2) as u8);
        }
        let first = h.sent();
        assert_eq!(payloads(&first), (0..expected as u16).collect::<Vec<_>>());
        // Each acknowledgement lets the next one go, in call order.
        let mut next = expected as u16;
        for p in publishes(&first) {
            if p.qos == mpmqtt::codec::QoS::AtLeastOnce {
                h.receive(ack(AckKind::PubAck, p.pkid));
                assert_eq!(payloads(&h.sent()), vec![next], "max {max:?}");
                next += 1;
            } else {
                h.receive(ack(AckKind::PubRec, p.pkid));
                // PUBREL, but the slot stays taken until PUBCOMP.
                assert!(payloads(&h.sent()).is_empty());
                h.receive(ack(AckKind::PubComp, p.pkid));
                assert_eq!(payloads(&h.sent()), vec![next], "max {max:?}");
                next += 1;
            }
        }
    }
}

#[test]
fn mqtt_5_window_is_the_smaller_of_max_inflight_and_receive_maximum() {
    for (max, receive_max, expected) in [
        (None, None, 100usize),
        (None, Some(7), 7),
        (Some(5), Some(7), 5),
        (Some(9), Some(7), 7),
        (Some(3), None, 3),
    ] {
        let mut o = options(ProtocolVersion::V5);
        o.max_inflight = max;
        let mut h = Harness::new(o);
        h.establish_with(
            false,
            Some(ConnAckProperties {
                receive_max,
                ..connack_props()
            }),
        );
        for n in 0..100u16 {
            publish_numbered(&mut h, n, 1);
        }
        assert_eq!(
            payloads(&h.sent()).len(),
            expected,
            "{max:?} {receive_max:?}"
        );
    }
}

#[test]
fn backlog_after_a_reconnect_is_paced_by_the_window_in_original_order() {
    for session_present in [true, false] {
        let mut o = options(ProtocolVersion::V3_1_1);
        o.clean = false;
        o.max_inflight = Some(4);
        let mut h = Harness::connected(o);
        for n in 0..6u16 {
            publish_numbered(&mut h, n, 1);
        }
        assert_eq!(payloads(&h.sent()), vec![0, 1, 2, 3]);
        h.drop_link();
        for n in 6..10u16 {
            publish_numbered(&mut h, n, 1);
        }
        h.run_for(1_000);
        let resent = h.open_and_ack(session_present, None);
        assert_eq!(payloads(&resent), vec![0, 1, 2, 3], "sp {session_present}");
        assert!(publishes(&resent).iter().all(|p| p.dup == session_present));
        let mut order = Vec::new();
        let mut in_flight: Vec<u16> = publishes(&resent).iter().map(|p| p.pkid).collect();
        while let Some(pkid) = in_flight.first().copied() {
            in_flight.remove(0);
            h.receive(ack(AckKind::PubAck, pkid));
            let sent = h.sent();
            assert!(sent.len() <= 1, "one slot, one PUBLISH: {sent:?}");
            order.extend(payloads(&sent));
            in_flight.extend(publishes(&sent).iter().map(|p| p.pkid));
        }
        assert_eq!(order, (4..10).collect::<Vec<u16>>(), "sp {session_present}");
    }
}

// ----- what the window does not hold (issue 18, item 3) ------------------------------------------

#[test]
fn subscribe_unsubscribe_ping_and_qos0_pass_an_exhausted_quota_each_qos_in_call_order() {
    let mut h = Harness::v5();
    h.establish_with(
        false,
        Some(ConnAckProperties {
            receive_max: Some(1),
            ..connack_props()
        }),
    );
    h.take_events();
    publish_numbered(&mut h, 0, 1);
    assert_eq!(payloads(&h.sent()), vec![0]);
    publish_numbered(&mut h, 1, 2);
    publish_numbered(&mut h, 2, 0);
    h.subscribe("s/#", 1);
    publish_numbered(&mut h, 3, 1);
    publish_numbered(&mut h, 4, 0);
    h.session
        .unsubscribe(h.now, vec!["s/#".to_string()], Vec::new());
    let sent = h.sent();
    let kinds: Vec<String> = sent
        .iter()
        .map(|p| match p {
            Packet::Publish(p) => format!("pub{}", p.payload[1]),
            Packet::Subscribe(_) => "sub".into(),
            Packet::Unsubscribe(_) => "unsub".into(),
            other => format!("{other:?}"),
        })
        .collect();
    assert_eq!(kinds, ["pub2", "sub", "pub4", "unsub"]);
    h.run_for(60_000);
    assert!(
        h.sent().contains(&Packet::PingReq),
        "PINGREQ with the quota at 0"
    );
}

#[test]
fn queued_while_offline_then_the_window_fills_the_others_still_go_in_call_order() {
    let mut o = options(ProtocolVersion::V3_1_1);
    o.max_inflight = Some(2);
    let mut h = Harness::new(o);
    for n in 0..4u16 {
        publish_numbered(&mut h, n, 1);
    }
    h.subscribe("a", 0);
    publish_numbered(&mut h, 4, 0);
    let sent = h.establish(false);
    let kinds: Vec<String> = sent[1..]
        .iter()
        .map(|p| match p {
            Packet::Publish(p) => format!("pub{}", p.payload[1]),
            Packet::Subscribe(_) => "sub".into(),
            other => format!("{other:?}"),
        })
        .collect();
    assert_eq!(kinds, ["pub0", "pub1", "sub", "pub4"]);
}

// ----- the offline queue -----------------------------------------------------------------------

#[test]
fn a_20_s_outage_at_400_messages_a_second_is_queued_whole_by_default() {
    let mut h = Harness::v4();
    h.establish(false);
    h.take_events();
    h.drop_link();
    let payload = [7u8; 64];
    for _ in 0..8_000 {
        h.publish("site/42/sensor/temperature", &payload, 1);
        h.now += 2;
        h.session.handle_timeout(h.now);
    }
    let ev = h.take_events();
    assert!(failed_ops(&ev).is_empty(), "{:?}", &failed_ops(&ev)[..1]);
    assert_eq!(h.session.pending_operations(), 8_000);
}

#[test]
fn the_byte_bound_refuses_clearly_and_keeps_what_it_holds() {
    let mut o = options(ProtocolVersion::V3_1_1);
    o.queue_byte_limit = 10_000;
    let mut h = Harness::new(o);
    // 160 bytes an entry plus topic and payload: 1 + 1,000 bytes, 8 entries fit in 10,000.
    let ops: Vec<u32> = (0..12).map(|_| h.publish("t", &[0; 1_000], 1)).collect();
    let f = failed_ops(&h.take_events());
    assert_eq!(f.iter().map(|f| f.0).collect::<Vec<_>>(), ops[8..].to_vec());
    assert_eq!(f[0].1, OpError::QueueFull);
    assert_eq!(
        f[0].2,
        "Offline queue full (queueByteLimit 10000 bytes): operation not queued"
    );
    // Room again once the queue drains.
    h.establish(false);
    h.take_events();
    h.drop_link();
    h.publish("t", &[0; 1_000], 1);
    assert!(failed_ops(&h.take_events()).is_empty());
}

// ----- "client id taken" -------------------------------------------------------------------------

/// Connects, then lets the broker close the connection `after` ms later, `n` times.
fn quick_closes(h: &mut Harness, n: usize, after: u64) -> Vec<Event> {
    let mut ev = Vec::new();
    for _ in 0..n {
        if !h.session.is_connected() {
            let wait = h.session.poll_timeout().expect("a reconnect is scheduled") - h.now;
            h.run_for(wait);
            h.open_and_ack(false, None);
        }
        h.advance(after);
        h.drop_link();
        ev.extend(h.take_events());
    }
    ev
}

fn taken(ev: &[Event]) -> Vec<String> {
    errors(ev)
        .into_iter()
        .filter(|e| e.0 == ErrorKind::ClientIdTaken)
        .map(|e| e.1)
        .collect()
}

#[test]
fn inferred_takeover_reports_and_backs_off_growing_never_stops() {
    let mut h = Harness::v4();
    let queued = h.publish("t", b"q", 1);
    h.establish(false);
    h.sent();
    h.receive(ack(AckKind::PubAck, 1));
    h.take_events();
    let ev = quick_closes(&mut h, 3, 100);
    let t = taken(&ev);
    assert_eq!(t.len(), 1, "{t:?}");
    assert!(t[0].contains("Trying again in 5 s"), "{}", t[0]);
    let _ = queued;
    // Queued work is kept for the next connection, not failed.
    let later = h.publish("t", b"later", 1);
    assert!(failed_ops(&h.take_events()).is_empty());
    let mut delays = Vec::new();
    for _ in 0..9 {
        let wait = h.session.poll_timeout().expect("still reconnecting") - h.now;
        delays.push(wait);
        h.run_for(wait);
        let sent = h.open_and_ack(false, None);
        // Each later quick close reports again and waits twice as long (at most 5 min).
        for p in publishes(&sent) {
            h.receive(ack(AckKind::PubAck, p.pkid));
        }
        h.advance(100);
        h.drop_link();
        assert_eq!(taken(&h.take_events()).len(), 1);
    }
    assert_eq!(
        delays,
        [5_000, 10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000, 300_000]
    );
    let _ = later;
    // A connection that lasts starts afresh: three quick closes again before the next report.
    let wait = h.session.poll_timeout().expect("still reconnecting") - h.now;
    h.run_for(wait);
    h.open_and_ack(false, None);
    h.run_for(3_000);
    h.receive(Packet::PingResp);
    h.drop_link();
    assert!(taken(&h.take_events()).is_empty());
    let ev = quick_closes(&mut h, 2, 100);
    assert!(taken(&ev).is_empty());
    let ev = quick_closes(&mut h, 1, 100);
    assert!(taken(&ev)[0].contains("Trying again in 5 s"));
}

#[test]
fn stop_on_client_id_taken_stops_for_good() {
    let mut o = options(ProtocolVersion::V3_1_1);
    o.stop_on_client_id_taken = true;
    let mut h = Harness::new(o);
    h.establish(false);
    let ev = quick_closes(&mut h, 3, 100);
    assert!(taken(&ev)[0].contains("Reconnecting stopped"));
    h.run_for(600_000);
    assert!(!h.take_events().contains(&Event::OpenTransport));
    assert!(!h.session.is_connected());
}

/// Mosquitto before the fix: the whole backlog at once, then a close at the first PUBLISH over
/// its limit, within a moment of CONNACK. Closes with PUBLISHes or requests unanswered have
/// that explanation and never count; the client keeps reconnecting at its period.
#[test]
fn closes_with_our_packets_unanswered_are_no_takeover() {
    for what in ["publish", "subscribe", "resend"] {
        let mut o: Options = options(ProtocolVersion::V3_1_1);
        o.clean = false;
        let mut h = Harness::connected(o);
        if what == "resend" {
            h.publish("t", b"backlog", 1);
        }
        let mut ev = Vec::new();
        for _ in 0..10 {
            if !h.session.is_connected() {
                h.run_for(1_000);
                h.open_and_ack(true, None);
            }
            match what {
                "publish" => {
                    h.publish("t", b"x", 1);
                }
                "subscribe" => {
                    h.subscribe("s", 1);
                }
                _ => {}
            }
            h.sent();
            h.advance(50);
            h.drop_link();
            ev.extend(h.take_events());
        }
        assert!(taken(&ev).is_empty(), "{what}: {:?}", taken(&ev));
        assert_eq!(
            ev.iter()
                .filter(|e| **e
                    == Event::Closed {
                        was_connected: true
                    })
                .count(),
            10
        );
    }
}

#[test]
fn a_v5_disconnect_with_a_reason_is_no_takeover_but_0x8e_stops() {
    let mut h = Harness::v5();
    h.establish(false);
    let mut ev = Vec::new();
    for _ in 0..5 {
        h.advance(50);
        h.receive(Packet::Disconnect(Disconnect {
            reason: 0x93,
            properties: None,
        }));
        h.session.transport_closed(h.now);
        ev.extend(h.take_events());
        h.run_for(1_000);
        h.open_and_ack(false, None);
    }
    assert!(taken(&ev).is_empty(), "{:?}", taken(&ev));
    h.receive(Packet::Disconnect(Disconnect {
        reason: 0x8E,
        properties: None,
    }));
    let ev = h.take_events();
    assert!(taken(&ev)[0].contains("Reconnecting stopped"));
    h.run_for(600_000);
    assert!(!h.take_events().contains(&Event::OpenTransport));
}

// ----- another broker (servers: [a, b]) ------------------------------------------------------------

#[test]
fn on_a_broker_without_our_session_subscriptions_go_before_the_resent_publishes() {
    let mut h = Harness::v4();
    h.establish(false);
    h.subscribe("own/#", 1);
    let sent = h.sent();
    let Packet::Subscribe(s) = &sent[0] else {
        panic!("{sent:?}")
    };
    h.receive(suback(s.pkid, vec![1]));
    h.publish("own/x", b"1", 1);
    h.sent();
    h.drop_link();
    h.run_for(1_000);
    let resent = h.open_and_ack(false, None);
    let kinds: Vec<&str> = resent[1..]
        .iter()
        .map(|p| match p {
            Packet::Subscribe(_) => "sub",
            Packet::Publish(_) => "pub",
            _ => "other",
        })
        .collect();
    assert_eq!(kinds, ["sub", "pub"]);
}
