//! The engine's edges: malformed bytes and packets only a client sends arriving from the broker,
//! packets split and joined across messages, the transmit pieces, and invalid input from
//! the page.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

mod engine_support;

use engine_support::*;
use mpmqtt::codec::{AckKind, Disconnect, Packet, ProtocolVersion};
use mpmqtt::engine::{ErrorKind, Event, OpError};

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
    h.session.set_packet_events(Some(describe_packet));
    h.take_events();
    h.receive(Packet::Subscribe(mpmqtt::codec::Subscribe {
        pkid: 7,
        filters: vec![filter_of("a/b", 1)],
        properties: None,
    }));
    let ev = h.take_events();
    assert!(ev.iter().any(|e| matches!(
        e,
        Event::PacketReceived { packet_type: 8, description: d } if description(d) == "8 None Some(9) true"
    )));
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
    assert!(ev.iter().any(|e| matches!(
        e,
        Event::PacketReceived { packet_type: 1, description: d } if description(d) == "1 None Some(1) true"
    )));
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
    // Written in place where the session says (the wasm binding's path since #23): inside a
    // packet's buffer while it is incomplete, an owned buffer otherwise.
    for size in [1, 2, 3, 7, 11] {
        for chunk in bytes.chunks(size) {
            // The room may end before the chunk (a packet's end, another after it): the
            // rest goes in with the next call, as the wasm boundary does.
            let mut rest = chunk;
            while !rest.is_empty() {
                match h
                    .session
                    .room_for_bytes(rest.len(), &rest[..rest.len().min(5)])
                {
                    Some(room) => {
                        let n = room.len();
                        for (slot, b) in room.iter_mut().zip(rest) {
                            slot.write(*b);
                        }
                        // SAFETY: every byte of the room was just written.
                        unsafe { h.session.commit_written_bytes(n) };
                        h.session.handle_owned_bytes(h.now, Vec::new());
                        rest = &rest[n..];
                    }
                    None => {
                        h.session.handle_owned_bytes(h.now, rest.to_vec());
                        rest = &[];
                    }
                }
            }
        }
        assert_eq!(
            topics_and_acks(&mut h),
            (vec!["a".into(), "b".into(), "c".into()], 3),
            "pieces of {size}"
        );
    }
}

#[test]
fn transmit_pieces_join_to_poll_transmit_whatever_the_payload_sizes() {
    // Payloads on both sides of the size from which they are spliced in rather than copied
    // into the packet, several packets in one flush, every QoS and both versions: the pieces
    // the wasm boundary copies, joined, are exactly what poll_transmit returns, and decode to
    // the payloads published, in order.
    let sizes = [0usize, 1, 1023, 1024, 1025, 4096, 70_000, 5, 2048, 1024];
    for version in [ProtocolVersion::V3_1_1, ProtocolVersion::V5] {
        for qos in 0..=2u8 {
            let mut h = Harness::connected(options(version));
            h.take_events();
            let payloads: Vec<Vec<u8>> = sizes
                .iter()
                .enumerate()
                .map(|(i, &n)| (0..n).map(|j| (j * 7 + i) as u8).collect())
                .collect();
            for p in &payloads {
                h.publish("t/x", p, qos);
            }
            let total = h.session.transmit_len();
            let mut joined = Vec::new();
            for i in 0..=2 * sizes.len() + 2 {
                joined.extend_from_slice(h.session.transmit_piece(i));
            }
            assert_eq!(joined.len(), total, "{version:?} QoS {qos}");
            let whole = h.session.poll_transmit().expect("bytes to send");
            assert!(joined == whole, "{version:?} QoS {qos}: pieces differ");
            assert_eq!(h.session.transmit_len(), 0, "taken");
            assert!(h.session.transmit_piece(0).is_empty());
            let mut d = mpmqtt::codec::Decoder::new(version, usize::MAX);
            d.push(&whole);
            let mut got = Vec::new();
            while let Some(Packet::Publish(p)) = d.next_packet().expect("valid MQTT") {
                got.push(p.payload.to_vec());
            }
            assert!(got == payloads, "{version:?} QoS {qos}: payloads differ");
        }
    }
}

#[test]
fn transmitted_clears_what_was_pending() {
    let mut h = Harness::connected(options(ProtocolVersion::V3_1_1));
    h.publish("t", &[7; 3000], 1);
    assert!(h.session.transmit_len() > 3000);
    h.session.transmitted();
    assert_eq!(h.session.transmit_len(), 0);
    assert_eq!(h.session.poll_transmit(), None);
    h.publish("t", b"x", 0);
    assert!(h.session.poll_transmit().is_some_and(|b| b.ends_with(b"x")));
}

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

/// `packetsend`/`packetreceive` carry the packet: sent ones exactly as written (here a
/// PUBLISH and the PUBACK of a message received), received ones as read, with their
/// remaining length, before the session acts on them; nothing at all while nobody listens.
#[test]
fn packet_events_describe_the_packets_as_written_and_as_read() {
    let mut h = Harness::connected(options(ProtocolVersion::V3_1_1));
    h.take_events();
    h.publish("a/b", b"quiet", 1);
    h.receive(incoming("x/y", "quiet", 1, 9));
    h.sent();
    assert!(!h
        .take_events()
        .iter()
        .any(|e| matches!(e, Event::PacketSent { .. } | Event::PacketReceived { .. })));

    h.session.set_packet_events(Some(describe_packet));
    h.publish("a/b", b"hi", 1);
    let message = incoming("x/y", "hello", 1, 9);
    h.receive(message.clone());
    let wire = h.sent();
    let described: Vec<(bool, String)> = h
        .take_events()
        .iter()
        .filter_map(|e| match e {
            Event::PacketSent { description: d, .. } => Some((true, description(d))),
            Event::PacketReceived { description: d, .. } => Some((false, description(d))),
            _ => None,
        })
        .collect();
    let expected = vec![
        (true, format!("3 {:?} None false", Some(&wire[0]))),
        // Remaining length: topic (2 + 3) + packet identifier (2) + payload (5).
        (false, format!("3 {:?} Some(12) false", Some(&message))),
        (true, format!("4 {:?} None false", Some(&wire[1]))),
    ];
    assert!(matches!(wire[..], [Packet::Publish(_), Packet::Ack(_)]));
    assert_eq!(described, expected);
    h.session.set_packet_events(None);
    h.publish("a/b", b"off again", 0);
    assert!(!h
        .take_events()
        .iter()
        .any(|e| matches!(e, Event::PacketSent { .. })));
}
