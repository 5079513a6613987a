//! Payloads the driver keeps (`Session::publish_external`, src/engine/external.rs): the core
//! encodes the PUBLISH around a handle and a length, names the payload where it goes in the
//! flush, and lists the handle as released once nothing can send it any more.
//!
//! The driver here is what js-glue/core/flat-core.js does: it keeps each payload in a map
//! until the core releases its handle, and drops it then. Every flush looks its payloads up
//! in that map, so a handle released before its last use fails the test where it is used;
//! and every handle must be released exactly once by the end.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

mod engine_support;

use std::collections::BTreeMap;

use engine_support::*;
use mpmqtt::codec::{
    AckKind, ConnAck, ConnAckProperties, Decoder, Packet, ProtocolVersion, Publish,
    PublishProperties, QoS,
};
use mpmqtt::engine::{Event, OpError, Options, Piece, Session};

/// The sizes around the splice threshold (src/engine/transmit.rs SPLICE_MIN, 1 KiB), and large.
const SIZES: [usize; 5] = [1023, 1024, 1025, 64 * 1024, 1 << 20];

/// A payload whose bytes tell their place and their message apart.
fn payload(seed: u32, len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u32).wrapping_mul(31).wrapping_add(seed * 7) as u8)
        .collect()
}

/// The driver's side: payloads by handle, dropped on release.
#[derive(Default)]
struct Kept {
    payloads: BTreeMap<u32, Vec<u8>>,
    next: u32,
    /// Every handle ever released, in order.
    released: Vec<u32>,
    given: usize,
}

impl Kept {
    fn keep(&mut self, bytes: Vec<u8>) -> u32 {
        self.next += 1;
        self.payloads.insert(self.next, bytes);
        self.given += 1;
        self.next
    }

    /// Drains the core's release list and drops those payloads, as the glue does after a flush.
    fn release(&mut self, s: &mut Session) {
        for h in s.released_payloads() {
            assert!(
                self.payloads.remove(&h).is_some(),
                "handle {h} released twice, or never given"
            );
            self.released.push(h);
        }
    }

    /// What the client wrote, the kept payloads copied in from this map (a released one
    /// panics: used after release), then the releases drained.
    fn flush(&mut self, s: &mut Session) -> Vec<u8> {
        let mut all = Vec::new();
        while let Some(bytes) = s.poll_transmit_with(|h, out| {
            let p = self
                .payloads
                .get(&h)
                .unwrap_or_else(|| panic!("handle {h} sent after it was released"));
            out.extend_from_slice(p);
        }) {
            all.extend_from_slice(&bytes);
        }
        self.release(s);
        all
    }
}

struct Client {
    h: Harness,
    kept: Kept,
}

impl Client {
    /// The broker's side of a QoS 1/2 exchange for `pkid`: PUBACK, or PUBREC then PUBCOMP.
    fn acknowledge(&mut self, qos: u8, pkid: u16) {
        let kind = if qos == 1 {
            AckKind::PubAck
        } else {
            AckKind::PubRec
        };
        self.receive(ack(kind, pkid));
        if qos == 2 {
            self.sent();
            self.receive(ack(AckKind::PubComp, pkid));
        }
    }

    fn new(opts: Options) -> Client {
        Client {
            h: Harness::new(opts),
            kept: Kept::default(),
        }
    }

    fn connected(opts: Options) -> Client {
        let mut c = Client::new(opts);
        c.establish(false, None);
        c
    }

    fn establish(&mut self, session_present: bool, props: Option<ConnAckProperties>) {
        self.h.session.connect(self.h.now);
        self.open_and_ack(session_present, props);
    }

    /// `Harness::open_and_ack` through this driver; the packets written after CONNACK.
    fn open_and_ack(
        &mut self,
        session_present: bool,
        props: Option<ConnAckProperties>,
    ) -> Vec<Packet> {
        assert!(
            self.events().contains(&Event::OpenTransport),
            "expected OPEN_TRANSPORT"
        );
        self.h.session.transport_opened(self.h.now);
        assert!(matches!(self.sent()[..], [Packet::Connect(_)]));
        self.receive(Packet::ConnAck(ConnAck {
            session_present,
            code: 0,
            properties: props.map(Box::new),
        }));
        assert!(self.h.session.is_connected(), "{:?}", self.h.take_events());
        self.sent()
    }

    fn publish(&mut self, topic: &str, bytes: Vec<u8>, qos: u8) -> u32 {
        self.publish_with(topic, bytes, qos, None)
    }

    fn publish_with(
        &mut self,
        topic: &str,
        bytes: Vec<u8>,
        qos: u8,
        props: Option<PublishProperties>,
    ) -> u32 {
        let len = bytes.len();
        let handle = self.kept.keep(bytes);
        let claim = self
            .h
            .session
            .external_payload(handle, len)
            .expect("built with splice-payloads");
        self.h.session.publish_external(
            self.h.now,
            topic,
            claim,
            qos,
            false,
            false,
            props.map(Box::new),
            0,
        )
    }

    /// Every packet written since the last call, decoded strictly.
    fn sent(&mut self) -> Vec<Packet> {
        decode_all(self.h.version, &self.kept.flush(&mut self.h.session))
    }

    fn receive(&mut self, p: Packet) {
        self.h.receive(p);
        self.kept.release(&mut self.h.session);
    }

    fn events(&mut self) -> Vec<Event> {
        let e = self.h.take_events();
        self.kept.release(&mut self.h.session);
        e
    }

    fn is_kept(&self, handle: u32) -> bool {
        self.kept.payloads.contains_key(&handle)
    }
}

fn decode_all(version: ProtocolVersion, bytes: &[u8]) -> Vec<Packet> {
    let mut d = Decoder::new(version, usize::MAX);
    d.push(bytes);
    let mut out = Vec::new();
    while let Some(p) = d.next_packet().expect("client wrote valid MQTT") {
        out.push(p);
    }
    assert_eq!(d.buffered(), 0, "client wrote a partial packet");
    out
}

fn only_publish(packets: &[Packet]) -> Publish {
    let p = publishes(packets);
    assert_eq!(p.len(), 1, "one PUBLISH expected: {packets:?}");
    p[0].clone()
}

fn opts_v(version: ProtocolVersion) -> Options {
    options(version)
}

/// Options for a session the broker may keep (`clean` off).
fn kept_session(version: ProtocolVersion) -> Options {
    let mut o = options(version);
    o.clean = false;
    o
}

#[test]
fn the_wire_is_byte_for_byte_the_copied_path_around_the_threshold() {
    for version in [ProtocolVersion::V3_1_1, ProtocolVersion::V5] {
        for qos in 0..=2u8 {
            for (i, &len) in SIZES.iter().enumerate() {
                let bytes = payload(i as u32 + 1, len);
                let mut kept = Client::connected(opts_v(version));
                let mut copied = Harness::connected(opts_v(version));
                kept.publish("a/b", bytes.clone(), qos);
                copied.publish("a/b", &bytes, qos);
                let wire = kept.kept.flush(&mut kept.h.session);
                let mut reference = Vec::new();
                while let Some(b) = copied.session.poll_transmit() {
                    reference.extend_from_slice(&b);
                }
                assert_eq!(
                    wire.len(),
                    reference.len(),
                    "{version:?} QoS {qos}, {len} B: length"
                );
                assert!(
                    wire == reference,
                    "{version:?} QoS {qos}, {len} B: bytes differ"
                );
                let p = only_publish(&decode_all(version, &wire));
                assert_eq!(p.payload.len(), len);
                assert!(p.payload[..] == bytes[..]);
            }
        }
    }
}

#[test]
fn released_once_when_done_and_not_before() {
    for qos in 0..=2u8 {
        for (i, &len) in SIZES.iter().enumerate() {
            let mut c = Client::connected(options(ProtocolVersion::V5));
            let bytes = payload(i as u32 + 11, len);
            let op = c.publish("t", bytes.clone(), qos);
            let handle = c.kept.next;
            // Not released before it was written, whatever the QoS.
            c.kept.release(&mut c.h.session);
            assert!(
                c.is_kept(handle),
                "QoS {qos}, {len} B: released before sending"
            );
            let p = only_publish(&c.sent());
            assert!(p.payload[..] == bytes[..]);
            if qos == 0 {
                assert!(!c.is_kept(handle), "QoS 0, {len} B: kept after it was sent");
                assert_eq!(done_ops(&c.events()), vec![op]);
                assert_eq!(c.kept.released, vec![handle]);
                continue;
            }
            assert!(c.is_kept(handle), "QoS {qos}, {len} B: released in flight");
            if qos == 1 {
                c.receive(ack(AckKind::PubAck, p.pkid));
            } else {
                c.receive(ack(AckKind::PubRec, p.pkid));
                assert!(c.is_kept(handle));
                assert!(matches!(c.sent()[..], [Packet::Ack(_)]), "PUBREL");
                c.receive(ack(AckKind::PubComp, p.pkid));
            }
            assert_eq!(done_ops(&c.events()), vec![op]);
            c.sent();
            assert_eq!(c.kept.released, vec![handle], "QoS {qos}, {len} B");
            assert!(c.kept.payloads.is_empty());
        }
    }
}

#[test]
fn resent_after_reconnect_with_the_same_bytes_and_dup() {
    for qos in 1..=2u8 {
        for &len in &[1024usize, 64 * 1024, 1 << 20] {
            for session_present in [true, false] {
                let mut c = Client::connected(kept_session(ProtocolVersion::V3_1_1));
                let bytes = payload(len as u32, len);
                let op = c.publish("r", bytes.clone(), qos);
                let first = only_publish(&c.sent());
                assert!(!first.dup);
                c.h.drop_link();
                c.h.run_for(60_000);
                let again = only_publish(&c.open_and_ack(session_present, None));
                assert_eq!(
                    again.dup, session_present,
                    "DUP only when the session was kept"
                );
                assert_eq!(again.pkid, first.pkid);
                assert!(
                    again.payload[..] == bytes[..],
                    "QoS {qos}, {len} B: resent bytes"
                );
                assert!(c.is_kept(c.kept.next));
                c.acknowledge(qos, again.pkid);
                assert_eq!(done_ops(&c.events()), vec![op]);
                assert_eq!(c.kept.released.len(), 1);
            }
        }
    }
}

#[test]
fn queued_offline_then_sent_and_counted_against_the_byte_bound() {
    let mut o = options(ProtocolVersion::V3_1_1);
    o.queue_byte_limit = 200_000;
    let mut c = Client::new(o);
    let small = payload(1, 64 * 1024);
    let big = payload(2, 1 << 20);
    let queued = c.publish("q", small.clone(), 1);
    let zero = c.publish("q", small.clone(), 0);
    let refused = c.publish("q", big, 1);
    let failed = failed_ops(&c.events());
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert_eq!((failed[0].0, failed[0].1), (refused, OpError::QueueFull));
    // The refused payload is let go at once; the queued ones are kept.
    assert_eq!(c.kept.released, vec![3]);
    assert!(c.is_kept(1) && c.is_kept(2));
    c.h.session.connect(c.h.now);
    let sent = c.open_and_ack(false, None);
    let p = publishes(&sent);
    assert_eq!(p.len(), 2);
    assert!(p.iter().all(|p| p.payload[..] == small[..]));
    assert_eq!(c.kept.released, vec![3, 2], "QoS 0 let go once written");
    c.receive(ack(AckKind::PubAck, p[0].pkid));
    let done = done_ops(&c.events());
    assert!(done.contains(&queued) && done.contains(&zero));
    assert_eq!(c.kept.released, vec![3, 2, 1]);
}

#[test]
fn maximum_packet_size_counts_the_kept_length() {
    let mut c = Client::new(options(ProtocolVersion::V5));
    let mut props = connack_props();
    props.max_packet_size = Some(2000);
    c.establish(false, Some(props));
    let fits = c.publish("m", payload(1, 1991), 1);
    let too_big = c.publish("m", payload(2, 1992), 1);
    let events = c.events();
    let failed = failed_ops(&events);
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert_eq!(
        (failed[0].0, failed[0].1),
        (too_big, OpError::PacketTooLarge)
    );
    let sent = c.sent();
    let p = only_publish(&sent);
    // 1 + 2 (remaining length) + 3 ("m") + 2 (id) + 1 (properties) + 1991 = 2000 bytes.
    assert_eq!(p.payload.len(), 1991);
    assert_eq!(c.kept.released, vec![2]);
    c.receive(ack(AckKind::PubAck, p.pkid));
    assert_eq!(done_ops(&c.events()), vec![fits]);
}

#[test]
fn mqtt_size_limit_counts_the_kept_length() {
    let mut c = Client::connected(options(ProtocolVersion::V3_1_1));
    // 268,435,455 is the largest remaining length: a payload that long cannot fit with a topic.
    let handle = c.kept.keep(Vec::new());
    let claim = c.h.session.external_payload(handle, 268_435_455).unwrap();
    let op =
        c.h.session
            .publish_external(c.h.now, "t", claim, 0, false, false, None, 0);
    let failed = failed_ops(&c.events());
    assert_eq!((failed[0].0, failed[0].1), (op, OpError::PacketTooLarge));
    assert_eq!(c.kept.released, vec![handle]);
}

#[test]
fn topic_aliases_apply_and_are_undone_around_a_kept_payload() {
    let mut o = kept_session(ProtocolVersion::V5);
    o.auto_assign_topic_alias = true;
    let mut c = Client::new(o);
    let mut props = connack_props();
    props.topic_alias_max = Some(5);
    c.establish(false, Some(props));
    let a = payload(1, 2048);
    let b = payload(2, 4096);
    c.publish("alias/topic", a.clone(), 1);
    c.publish("alias/topic", b.clone(), 1);
    let sent = c.sent();
    let p = publishes(&sent);
    assert_eq!(p.len(), 2);
    assert_eq!(p[0].topic, "alias/topic");
    assert_eq!(p[1].topic, "", "the second names the topic by its alias");
    assert!(p[0].payload[..] == a[..] && p[1].payload[..] == b[..]);
    // Resent on a new connection (no aliases yet): the topic is whole again, bytes the same.
    c.h.drop_link();
    c.h.run_for(60_000);
    let mut props = connack_props();
    props.topic_alias_max = Some(5);
    let again = c.open_and_ack(true, Some(props));
    let p = publishes(&again);
    assert_eq!(p.len(), 2);
    assert_eq!(p[0].topic, "alias/topic");
    assert!(p.iter().all(|p| p.dup));
    assert!(p[0].payload[..] == a[..] && p[1].payload[..] == b[..]);
}

#[test]
fn end_keeping_the_session_then_reconnect_resends_the_kept_payload() {
    for qos in 1..=2u8 {
        let mut c = Client::connected(kept_session(ProtocolVersion::V3_1_1));
        let bytes = payload(9, 100_000);
        let op = c.publish("e", bytes.clone(), qos);
        let first = only_publish(&c.sent());
        c.h.session.end_keeping_session(c.h.now, true, 0, true);
        c.sent();
        let events = c.events();
        assert!(events.contains(&Event::Ended), "{events:?}");
        assert!(failed_ops(&events).is_empty(), "kept, not failed");
        assert!(c.is_kept(1), "kept for the reconnect");
        c.h.session.reconnect(c.h.now);
        let again = only_publish(&c.open_and_ack(true, None));
        assert!(again.dup && again.pkid == first.pkid && again.payload[..] == bytes[..]);
        c.acknowledge(qos, again.pkid);
        assert_eq!(done_ops(&c.events()), vec![op]);
        assert_eq!(c.kept.released, vec![1]);
    }
}

#[test]
fn a_restored_packet_is_resent_from_the_kept_payload() {
    let mut c = Client::new(kept_session(ProtocolVersion::V3_1_1));
    let bytes = payload(5, 3000);
    let handle = c.kept.keep(bytes.clone());
    let claim = c.h.session.external_payload(handle, bytes.len()).unwrap();
    let op =
        c.h.session
            .restore_external("stored", claim, 1, false, None, 77);
    assert_ne!(op, 0);
    // One whose id is taken is not restored, and its payload is let go.
    let dup_handle = c.kept.keep(bytes.clone());
    let claim =
        c.h.session
            .external_payload(dup_handle, bytes.len())
            .unwrap();
    assert_eq!(
        c.h.session
            .restore_external("stored", claim, 1, false, None, 77),
        0
    );
    c.kept.release(&mut c.h.session);
    assert_eq!(c.kept.released, vec![dup_handle]);
    c.h.session.connect(c.h.now);
    let p = only_publish(&c.open_and_ack(true, None));
    assert!(p.dup && p.pkid == 77 && p.payload[..] == bytes[..]);
    c.receive(ack(AckKind::PubAck, 77));
    assert_eq!(done_ops(&c.events()), vec![op]);
    assert_eq!(c.kept.released, vec![dup_handle, handle]);
}

#[test]
fn packet_events_show_the_kept_payload_and_hold_it_until_polled() {
    let mut c = Client::connected(options(ProtocolVersion::V3_1_1));
    c.h.session.set_packet_events(Some(describe_packet));
    c.publish("p", payload(3, 1500), 0);
    c.sent();
    // Written and flushed, but the PACKET_SENT event still names it.
    assert!(c.is_kept(1), "released while an event names it");
    let sent: Vec<_> =
        c.h.take_events()
            .into_iter()
            .filter_map(|e| match e {
                Event::PacketSent {
                    packet_type: 3,
                    external,
                    ..
                } => Some(external),
                _ => None,
            })
            .collect();
    assert_eq!(sent.len(), 1);
    let named = sent[0].as_ref().expect("the event names the kept payload");
    assert_eq!((named.handle(), named.len()), (1, 1500));
    assert!(c.is_kept(1));
    drop(sent);
    c.kept.release(&mut c.h.session);
    assert_eq!(c.kept.released, vec![1]);
}

#[test]
fn the_flush_names_each_kept_payload_between_the_encoded_bytes() {
    let mut c = Client::connected(options(ProtocolVersion::V3_1_1));
    c.publish("x", payload(1, 2000), 0);
    c.h.publish("y", b"small", 0);
    c.publish("z", payload(2, 1024), 0);
    let total = c.h.session.transmit_len();
    let mut parts = Vec::new();
    let mut i = 0;
    let mut seen = 0;
    while seen < total {
        match c.h.session.transmit_part(i) {
            Piece::Bytes(b) => {
                seen += b.len();
                parts.push((b.len(), 0));
            }
            Piece::External(e) => {
                seen += e.len();
                parts.push((e.len(), e.handle()));
                assert!(c.h.session.transmit_piece(i).is_empty());
            }
        }
        i += 1;
    }
    assert_eq!(seen, total);
    let kept: Vec<_> = parts.iter().filter(|p| p.1 != 0).collect();
    assert_eq!(kept, vec![&(2000, 1), &(1024, 2)]);
    c.h.session.transmitted();
    c.kept.release(&mut c.h.session);
    assert_eq!(c.kept.released, vec![1, 2]);
}

/// Publishes of every QoS and size, connections lost and resumed (kept and lost sessions),
/// removals, `end(true)` keeping the session and a reconnect, a full end: the driver drops
/// each payload as soon as it is released, and every flush finds the payloads it names.
#[test]
fn no_payload_is_used_after_its_release_and_every_one_is_released_once() {
    for seed in 0..40u64 {
        let mut o = kept_session(ProtocolVersion::V5);
        o.max_inflight = Some(3);
        let mut c = Client::connected(o);
        let mut rng = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let mut next = || {
            rng = rng
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (rng >> 33) as usize
        };
        let mut in_flight: Vec<u16> = Vec::new();
        for step in 0..60 {
            match next() % 9 {
                0..=3 => {
                    let len = SIZES[next() % 4] + next() % 3;
                    let qos = (next() % 3) as u8;
                    c.publish("s/t", payload(step, len), qos);
                }
                4 => {
                    // The broker acknowledges the oldest.
                    if !in_flight.is_empty() {
                        let id = in_flight.remove(0);
                        c.receive(ack(AckKind::PubAck, id));
                        c.receive(ack(AckKind::PubRec, id));
                        c.receive(ack(AckKind::PubComp, id));
                    }
                }
                5 => {
                    c.h.drop_link();
                    in_flight.clear();
                }
                6 => {
                    if !c.h.session.is_connected() {
                        c.h.run_for(60_000);
                        c.events();
                        if c.h.take_events().is_empty() {
                            c.h.session.reconnect(c.h.now);
                        }
                        let opened = c.h.take_events();
                        if opened.contains(&Event::OpenTransport) {
                            c.h.session.transport_opened(c.h.now);
                            c.receive(Packet::ConnAck(ConnAck {
                                session_present: next() % 2 == 0,
                                code: 0,
                                properties: None,
                            }));
                        }
                    }
                }
                7 => {
                    if let Some(&id) = in_flight.last() {
                        c.h.session.remove_outgoing(c.h.now, id);
                        in_flight.pop();
                    }
                }
                _ => {
                    c.h.session.end_keeping_session(c.h.now, true, 0, true);
                    c.sent();
                    c.events();
                    c.h.session.reconnect(c.h.now);
                    in_flight.clear();
                }
            }
            for p in publishes(&c.sent()) {
                if p.qos != QoS::AtMostOnce && !in_flight.contains(&p.pkid) {
                    in_flight.push(p.pkid);
                }
            }
            c.events();
        }
        c.h.session.end(c.h.now, true, 0);
        c.sent();
        c.events();
        assert!(
            c.kept.payloads.is_empty(),
            "seed {seed}: still kept after end: {:?}",
            c.kept.payloads.keys().collect::<Vec<_>>()
        );
        assert_eq!(c.kept.released.len(), c.kept.given, "seed {seed}");
        let mut once = c.kept.released.clone();
        once.sort_unstable();
        once.dedup();
        assert_eq!(once.len(), c.kept.given, "seed {seed}: each released once");
    }
}

#[test]
fn an_unused_claim_is_released_when_dropped() {
    let mut c = Client::new(options(ProtocolVersion::V3_1_1));
    c.publish("d", payload(1, 5000), 1);
    let claim = c.h.session.external_payload(99, 10).unwrap();
    let shared = claim.clone();
    drop(claim);
    c.kept.release(&mut c.h.session);
    assert!(c.kept.released.is_empty(), "a clone still holds it");
    drop(shared);
    assert_eq!(c.h.session.released_payloads(), vec![99]);
    assert!(c.is_kept(1), "the queued one stays");
}
