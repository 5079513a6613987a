//! Connecting: what the CONNECT carries, refused CONNACKs (and whether to reconnect after one), a
//! session-present CONNACK in answer to a clean session, the connect timeout, the credentials
//! provider asked before every attempt, and CONNECT properties refused before anything is sent.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

mod engine_support;

use bytes::Bytes;
use engine_support::*;
use mpmqtt::codec::{ConnAck, Disconnect, Packet, ProtocolVersion, QoS};
use mpmqtt::engine::{ErrorKind, Event};

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

// ----- credentials provider ---------------------------------------------------------------------

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

// ----- CONNECT validation -----------------------------------------------------------------------

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
