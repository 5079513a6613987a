//! A connection's life and the client's end: keepalive, the broker's DISCONNECT and session
//! takeover, reconnect decisions (backoff, attempt limit, client-id loops, hidden app, network
//! back) and end(), graceful or forced.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

mod engine_support;

use engine_support::*;
use mpmqtt::codec::{AckKind, ConnAck, ConnAckProperties, Disconnect, Packet, ProtocolVersion};
use mpmqtt::engine::{Backoff, ErrorKind, Event, OpError};

// ----- keepalive --------------------------------------------------------------------------------

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

// ----- broker DISCONNECT and takeover -----------------------------------------------------------

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

// ----- reconnect decisions ----------------------------------------------------------------------

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

// ----- end --------------------------------------------------------------------------------------

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
