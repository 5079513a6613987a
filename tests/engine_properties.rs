//! Invariants of the engine under arbitrary interleavings of page calls, broker packets,
//! link drops and time: ids never collide in flight, every operation completes exactly once,
//! QoS 2 is never delivered twice, nothing is retained after the client ends, and (MQTT 5)
//! never more QoS 1/2 PUBLISHes unacknowledged on a connection than its Receive Maximum.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

mod engine_support;

use std::collections::{BTreeMap, BTreeSet};

use engine_support::*;
use mpmqtt::codec::{AckKind, ConnAck, ConnAckProperties, Packet, ProtocolVersion};
use mpmqtt::engine::Event;
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Step {
    Publish(u8),
    Subscribe,
    Unsubscribe,
    /// The broker acknowledges the n-th outstanding client packet.
    Ack(usize),
    /// The broker sends a QoS 2 message (id) — possibly again, as a duplicate.
    InboundQos2(u16),
    Release(u16),
    DropLink,
    /// Session present, and the broker's Receive Maximum for the new connection (MQTT 5).
    Reconnect(bool, u16),
    Wait(u32),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => (0u8..3).prop_map(Step::Publish),
        1 => Just(Step::Subscribe),
        1 => Just(Step::Unsubscribe),
        4 => (0usize..8).prop_map(Step::Ack),
        2 => (1u16..6).prop_map(Step::InboundQos2),
        1 => (1u16..6).prop_map(Step::Release),
        1 => Just(Step::DropLink),
        1 => (any::<bool>(), 1u16..5).prop_map(|(present, max)| Step::Reconnect(present, max)),
        1 => (0u32..5_000).prop_map(Step::Wait),
    ]
}

/// What the broker knows about the client's unacknowledged packets on this session.
#[derive(Default)]
struct BrokerModel {
    /// id → (kind, is_publish_qos2_awaiting_pubcomp)
    outstanding: BTreeMap<u16, Outstanding>,
    delivered_qos2: BTreeMap<u16, u32>,
    /// QoS 1/2 PUBLISHes sent on this connection and not yet answered by PUBACK or PUBCOMP:
    /// the send quota they use (MQTT 5 section 4.9).
    quota_used: BTreeSet<u16>,
    /// MQTT 5 UNSUBACKs carry a reason code per topic (the model unsubscribes one).
    v5: bool,
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum Outstanding {
    Qos1,
    Qos2Rec,
    Qos2Comp,
    Sub(usize),
    Unsub,
}

impl BrokerModel {
    fn observe(&mut self, sent: &[Packet]) {
        for p in sent {
            match p {
                Packet::Publish(p) if p.pkid != 0 => {
                    self.quota_used.insert(p.pkid);
                    let prev = self.outstanding.get(&p.pkid).copied();
                    assert!(
                        p.dup || prev.is_none(),
                        "new PUBLISH reused id {} still in flight as {prev:?}",
                        p.pkid
                    );
                    let kind = if p.qos as u8 == 1 {
                        Outstanding::Qos1
                    } else {
                        Outstanding::Qos2Rec
                    };
                    if prev != Some(Outstanding::Qos2Comp) {
                        self.outstanding.insert(p.pkid, kind);
                    }
                }
                Packet::Subscribe(s) => {
                    assert!(
                        !self.outstanding.contains_key(&s.pkid),
                        "SUBSCRIBE reused id {}",
                        s.pkid
                    );
                    self.outstanding
                        .insert(s.pkid, Outstanding::Sub(s.filters.len()));
                }
                Packet::Unsubscribe(u) => {
                    assert!(
                        !self.outstanding.contains_key(&u.pkid),
                        "UNSUBSCRIBE reused id {}",
                        u.pkid
                    );
                    self.outstanding.insert(u.pkid, Outstanding::Unsub);
                }
                Packet::Ack(a) if a.kind == AckKind::PubRel => {
                    self.outstanding.insert(a.pkid, Outstanding::Qos2Comp);
                }
                _ => {}
            }
        }
    }

    fn answer(&mut self, n: usize) -> Option<Packet> {
        let (&id, &kind) = self
            .outstanding
            .iter()
            .nth(n % self.outstanding.len().max(1))?;
        Some(match kind {
            Outstanding::Qos1 => {
                self.outstanding.remove(&id);
                self.quota_used.remove(&id);
                ack(AckKind::PubAck, id)
            }
            Outstanding::Qos2Rec => ack(AckKind::PubRec, id),
            Outstanding::Qos2Comp => {
                self.outstanding.remove(&id);
                self.quota_used.remove(&id);
                ack(AckKind::PubComp, id)
            }
            Outstanding::Sub(n) => {
                self.outstanding.remove(&id);
                suback(id, vec![1; n])
            }
            Outstanding::Unsub => {
                self.outstanding.remove(&id);
                unsuback(id, if self.v5 { vec![0] } else { vec![] })
            }
        })
    }

    /// A lost link forgets SUBSCRIBE/UNSUBSCRIBE (the client sends them again with new ids).
    fn link_lost(&mut self, session_kept: bool) {
        self.quota_used.clear();
        self.outstanding.retain(|_, k| {
            matches!(
                k,
                Outstanding::Qos1 | Outstanding::Qos2Rec | Outstanding::Qos2Comp
            )
        });
        if !session_kept {
            self.outstanding.clear();
            self.delivered_qos2.clear();
        }
    }
}

fn run(steps: Vec<Step>, version: ProtocolVersion) {
    let mut opts = options(version);
    opts.clean = false;
    let v5 = version == ProtocolVersion::V5;
    // The current connection's Receive Maximum (65,535 when the broker sets none).
    let mut receive_max = usize::from(u16::MAX);
    let mut h = Harness::new(opts);
    let mut broker = BrokerModel {
        v5,
        ..BrokerModel::default()
    };
    let mut issued = BTreeSet::new();
    let mut completed: BTreeMap<u32, u32> = BTreeMap::new();
    let mut delivered: BTreeMap<u16, u32> = BTreeMap::new();
    let mut linked = false;
    let record =
        |ev: Vec<Event>, completed: &mut BTreeMap<u32, u32>, delivered: &mut BTreeMap<u16, u32>| {
            for e in ev {
                match e {
                    Event::OpDone(d) => *completed.entry(d.op).or_default() += 1,
                    Event::OpFailed { op, .. } => *completed.entry(op).or_default() += 1,
                    Event::Message(m, _) if m.qos as u8 == 2 => {
                        *delivered.entry(m.pkid).or_default() += 1
                    }
                    _ => {}
                }
            }
        };
    h.session.connect(h.now);
    for s in steps {
        match s {
            Step::Publish(q) => {
                issued.insert(h.publish("t", b"p", q));
            }
            Step::Subscribe => {
                issued.insert(h.subscribe("s/#", 1));
            }
            Step::Unsubscribe => {
                issued.insert(h.session.unsubscribe(h.now, vec!["s/#".into()], vec![]));
            }
            Step::Ack(n) if linked => {
                if let Some(p) = broker.answer(n) {
                    h.receive(p);
                }
            }
            Step::InboundQos2(id) if linked => h.receive(incoming("in", "x", 2, id)),
            Step::Release(id) if linked => {
                h.receive(ack(AckKind::PubRel, id));
                delivered.remove(&id);
            }
            Step::DropLink if linked => {
                h.drop_link();
                linked = false;
            }
            Step::Reconnect(present, max) if !linked => {
                h.run_for(31_000);
                let ev = h.take_events();
                let open = ev.contains(&Event::OpenTransport);
                record(ev, &mut completed, &mut delivered);
                if open {
                    broker.link_lost(present);
                    if !present {
                        delivered.clear();
                    }
                    h.session.transport_opened(h.now);
                    let connect = h.sent();
                    broker.observe(&connect);
                    receive_max = if v5 {
                        usize::from(max)
                    } else {
                        usize::from(u16::MAX)
                    };
                    h.receive(Packet::ConnAck(ConnAck {
                        session_present: present,
                        code: 0,
                        properties: v5.then(|| {
                            Box::new(ConnAckProperties {
                                receive_max: Some(max),
                                ..connack_props()
                            })
                        }),
                    }));
                    linked = h.session.is_connected();
                }
            }
            Step::Wait(ms) => h.run_for(ms as u64),
            _ => {}
        }
        let sent = h.sent();
        broker.observe(&sent);
        let ev = h.take_events();
        if ev.contains(&Event::CloseTransport) {
            linked = false;
        }
        record(ev, &mut completed, &mut delivered);
        for (id, n) in &delivered {
            assert!(*n <= 1, "QoS 2 message {id} delivered {n} times");
        }
        for (op, n) in &completed {
            assert!(*n == 1, "operation {op} completed {n} times");
        }
        assert!(
            broker.quota_used.len() <= receive_max,
            "{} QoS 1/2 PUBLISHes unacknowledged on a connection whose Receive Maximum is {receive_max}",
            broker.quota_used.len()
        );
    }
    h.session.end(h.now, true, 0);
    record(h.take_events(), &mut completed, &mut delivered);
    let finished: BTreeSet<u32> = completed.keys().copied().collect();
    assert_eq!(finished, issued, "every operation completes, once");
    assert!(completed.values().all(|n| *n == 1));
    assert_eq!(
        h.session.pending_operations(),
        0,
        "nothing retained after end"
    );
    assert_eq!(h.session.poll_timeout(), None);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]
    #[test]
    fn invariants_hold_for_any_interleaving(steps in proptest::collection::vec(step(), 1..80)) {
        run(steps, ProtocolVersion::V3_1_1);
    }

    #[test]
    fn v5_invariants_hold_and_receive_maximum_is_respected(steps in proptest::collection::vec(step(), 1..80)) {
        run(steps, ProtocolVersion::V5);
    }
}

#[test]
fn a_long_fixed_scenario_holds_the_invariants() {
    let mut steps = vec![Step::Reconnect(false, 2)];
    for i in 0..300u32 {
        steps.push(match i % 11 {
            0 | 1 => Step::Publish((i % 3) as u8),
            2 => Step::Ack(i as usize),
            3 => Step::InboundQos2((i % 5 + 1) as u16),
            4 => Step::Ack(0),
            5 => Step::Release((i % 5 + 1) as u16),
            6 => Step::Subscribe,
            7 => Step::Ack(1),
            8 if i % 3 == 0 => Step::DropLink,
            9 => Step::Reconnect(i % 2 == 0, (i % 4 + 1) as u16),
            _ => Step::Wait(i * 10),
        });
    }
    run(steps.clone(), ProtocolVersion::V3_1_1);
    run(steps, ProtocolVersion::V5);
}
