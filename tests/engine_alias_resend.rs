//! A topic alias is for one network connection [MQTT-3.3.2-12]: a PUBLISH that goes out on
//! a connection other than the one it was given on (resent after a reconnect, or published
//! between connections and sent from the offline queue) carries its topic in full and not
//! the page's alias, as MQTT.js sends it. An alias alone is resolved from the connection it
//! was given on; one the core cannot resolve keeps failing as "Unregistered Topic Alias".

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

mod engine_support;

use bytes::Bytes;
use engine_support::*;
use mpmqtt::codec::{self, ConnAckProperties, ProtocolVersion, Publish, PublishProperties};
use mpmqtt::engine::{Event, OpError, OpId, Options, ASSIGN_NOW};

const TOPIC: &str = "t/aliased";

fn limits() -> Option<ConnAckProperties> {
    let mut l = connack_props();
    l.topic_alias_max = Some(5);
    Some(l)
}

fn v5(auto_assign: bool) -> Options {
    let mut o = options(ProtocolVersion::V5);
    o.clean = false;
    o.auto_assign_topic_alias = auto_assign;
    o
}

fn with_alias(h: &mut Harness, topic: &str, alias: u16, payload: &[u8], qos: u8) -> OpId {
    let props = PublishProperties {
        topic_alias: Some(alias),
        ..codec::empty_publish_properties()
    };
    h.session.publish(
        h.now,
        topic,
        payload,
        qos,
        false,
        false,
        Some(Box::new(props)),
    )
}

fn alias_of(p: &Publish) -> Option<u16> {
    p.properties.as_ref().and_then(|pp| pp.topic_alias)
}

/// The PUBLISH carrying `payload` among what was sent.
fn find<'a>(sent: &'a [mpmqtt::codec::Packet], payload: &[u8]) -> &'a Publish {
    publishes(sent)
        .into_iter()
        .find(|p| p.payload == Bytes::copy_from_slice(payload))
        .unwrap_or_else(|| panic!("{:?} not sent in {sent:?}", payload))
}

/// How the page names the topic: alias with its topic, alias alone (set by an earlier
/// publish on the same connection), or no alias with autoAssignTopicAlias.
#[derive(Clone, Copy, Debug)]
enum Naming {
    TopicAndAlias,
    AliasAlone,
    AutoAssigned,
}

const NAMINGS: [Naming; 3] = [
    Naming::TopicAndAlias,
    Naming::AliasAlone,
    Naming::AutoAssigned,
];

/// Publishes `payload` named as `naming` says (alias 3); for an alias alone, the publish
/// that set it goes first (QoS 0).
fn publish_named(h: &mut Harness, naming: Naming, payload: &[u8], qos: u8) -> OpId {
    match naming {
        Naming::TopicAndAlias => with_alias(h, TOPIC, 3, payload, qos),
        Naming::AliasAlone => with_alias(h, "", 3, payload, qos),
        Naming::AutoAssigned => h.publish(TOPIC, payload, qos),
    }
}

/// On a later connection: the topic in full; an alias only with that topic, which sets it
/// on that connection (autoAssignTopicAlias, as MQTT.js), never the page's alias alone.
fn assert_full_topic(p: &Publish, naming: Naming, case: &str) {
    assert_eq!(p.topic, TOPIC, "{case}");
    match naming {
        Naming::AutoAssigned => assert!(alias_of(p).is_some(), "{case}: a fresh alias with it"),
        _ => assert_eq!(alias_of(p), None, "{case}"),
    }
}

#[test]
fn in_flight_publishes_resent_after_a_reconnect_carry_the_topic_not_the_alias() {
    for naming in NAMINGS {
        for qos in [1u8, 2] {
            for session_present in [true, false] {
                let case = format!("{naming:?}, QoS {qos}, session present {session_present}");
                let mut h = Harness::new(v5(matches!(naming, Naming::AutoAssigned)));
                h.establish_with(false, limits());
                if let Naming::AliasAlone = naming {
                    with_alias(&mut h, TOPIC, 3, b"set", 0);
                }
                let op = publish_named(&mut h, naming, b"kept", qos);
                let first = h.sent();
                let sent = find(&first, b"kept");
                assert!(
                    alias_of(sent).is_some(),
                    "{case}: aliased on its own connection"
                );
                h.drop_link();
                h.run_for(1_000);
                let resent = h.open_and_ack(session_present, limits());
                let again = find(&resent, b"kept");
                assert_eq!(again.dup, session_present, "{case}");
                assert_full_topic(again, naming, &case);
                h.take_events();
                h.receive(ack_for(again));
                if qos == 2 {
                    h.sent();
                    h.receive(ack(codec::AckKind::PubComp, again.pkid));
                }
                assert_eq!(done_ops(&h.take_events()), vec![op], "{case}");
            }
        }
    }
}

fn ack_for(p: &Publish) -> codec::Packet {
    let kind = if p.qos == codec::QoS::AtLeastOnce {
        codec::AckKind::PubAck
    } else {
        codec::AckKind::PubRec
    };
    ack(kind, p.pkid)
}

/// Published while the connection is down (its alias set on the connection before), or
/// queued behind a full window on the connection that then dropped: sent on the next one
/// with the topic in full. QoS 0 is queued too (queueQoSZero, on by default).
#[test]
fn queued_publishes_sent_on_the_next_connection_carry_the_topic_not_the_alias() {
    for naming in NAMINGS {
        for qos in [0u8, 1, 2] {
            for behind_full_window in [false, true] {
                let case =
                    format!("{naming:?}, QoS {qos}, behind a full window {behind_full_window}");
                let mut o = v5(matches!(naming, Naming::AutoAssigned));
                o.max_inflight = Some(1);
                let mut h = Harness::new(o);
                h.establish_with(false, limits());
                // Sets alias 3 (or the automatic one) on this connection.
                publish_named(&mut h, Naming::TopicAndAlias, b"set", 0);
                if let Naming::AutoAssigned = naming {
                    h.publish(TOPIC, b"set", 0);
                }
                h.sent();
                if behind_full_window {
                    h.publish("other", b"first", 1);
                    // QoS 0 is not held by the window: only QoS 1/2 wait behind it.
                    if qos == 0 {
                        h.drop_link();
                    }
                    publish_named(&mut h, naming, b"queued", qos);
                    if qos != 0 {
                        let sent = h.sent();
                        assert!(
                            publishes(&sent)
                                .iter()
                                .all(|p| p.payload != *b"queued".as_slice()),
                            "{case}"
                        );
                        h.drop_link();
                    }
                } else {
                    h.drop_link();
                    publish_named(&mut h, naming, b"queued", qos);
                }
                h.run_for(1_000);
                let mut all = h.open_and_ack(false, limits());
                if behind_full_window {
                    // The window opens when the first one is acknowledged.
                    let first = find(&all, b"first").pkid;
                    h.receive(ack(codec::AckKind::PubAck, first));
                    all.extend(h.sent());
                }
                let out = find(&all, b"queued");
                assert_full_topic(out, naming, &case);
                assert!(failed_ops(&h.take_events()).is_empty(), "{case}");
            }
        }
    }
}

/// Before the first CONNACK no connection could give the alias a meaning: the topic goes out
/// in full (MQTT.js refuses the call: `Sending Topic Alias out of range`); one published
/// after the CONNACK keeps its alias.
#[test]
fn an_alias_given_before_the_first_connection_goes_out_as_its_topic() {
    for qos in [0u8, 1, 2] {
        let mut h = Harness::new(v5(false));
        h.session.connect(h.now);
        with_alias(&mut h, TOPIC, 2, b"early", qos);
        let sent = h.open_and_ack(false, limits());
        let p = find(&sent, b"early");
        assert_eq!((p.topic.as_str(), alias_of(p)), (TOPIC, None), "QoS {qos}");
        with_alias(&mut h, TOPIC, 2, b"after", qos);
        let sent = h.sent();
        let p = find(&sent, b"after");
        assert_eq!(
            (p.topic.as_str(), alias_of(p)),
            (TOPIC, Some(2)),
            "QoS {qos}"
        );
    }
}

/// An alias alone that no connection set: nothing to resolve it with, it fails when sent
/// ("Unregistered Topic Alias"), as before; one the next connection set by then is used.
#[test]
fn an_alias_alone_the_core_cannot_resolve_fails_when_sent() {
    for qos in [0u8, 1] {
        let mut h = Harness::new(v5(false));
        h.establish_with(false, limits());
        h.drop_link();
        let op = with_alias(&mut h, "", 4, b"unknown", qos);
        h.run_for(1_000);
        h.open_and_ack(false, limits());
        let failed = failed_ops(&h.take_events());
        assert_eq!(failed.len(), 1, "QoS {qos}");
        assert_eq!(
            (failed[0].0, failed[0].1),
            (op, OpError::NotSupportedByServer)
        );
        assert!(
            failed[0].2.starts_with("Unregistered Topic Alias"),
            "{}",
            failed[0].2
        );
    }
}

/// Where the alias that a later alias-only PUBLISH uses was set, for the store tests.
#[derive(Clone, Copy, Debug)]
enum SetBy {
    /// A publish with the topic, sent on this connection.
    SentHere,
    /// A publish with the topic still queued behind a full window (Receive Maximum 1).
    QueuedHere,
    /// A publish with the topic sent on the connection that then dropped; the alias
    /// alone is published before the next one.
    LastConnection,
    /// A publish with the topic made while the connection is down, still queued.
    QueuedOffline,
    /// autoAssignTopicAlias, for the topic published without one.
    AutoAssigned,
}

/// The IN_FLIGHT event of `op`: (message id, topic).
fn announced(events: &[Event], op: OpId) -> Option<(u16, String)> {
    events.iter().find_map(|e| match e {
        Event::InFlight {
            op: o,
            message_id,
            released: false,
            topic,
        } if *o == op => Some((*message_id, topic.clone())),
        _ => None,
    })
}

/// A PUBLISH naming its topic by an alias alone announces, with its packet id (for the
/// page's outgoing store, which a later client restores without the alias), the topic the
/// alias stands for: the topic the PUBLISH goes to when it is sent again on the next
/// connection. Swept over where the alias was set, QoS, and the id given at the call (the
/// core's, as for a page's store, or the page's `messageIdProvider`).
#[test]
fn an_alias_alone_announces_the_topic_it_goes_to_when_resent() {
    use SetBy::*;
    for set_by in [
        SentHere,
        QueuedHere,
        LastConnection,
        QueuedOffline,
        AutoAssigned,
    ] {
        for qos in [1u8, 2] {
            for id in [ASSIGN_NOW, 777] {
                let case = format!("{set_by:?}, QoS {qos}, id {id}");
                let mut o = v5(matches!(set_by, AutoAssigned));
                o.max_inflight = Some(1);
                let mut h = Harness::new(o);
                h.establish_with(false, limits());
                match set_by {
                    SentHere => {
                        with_alias(&mut h, TOPIC, 3, b"set", 0);
                    }
                    QueuedHere => {
                        h.publish("other", b"first", 1);
                        with_alias(&mut h, TOPIC, 3, b"set", 1);
                    }
                    LastConnection => {
                        with_alias(&mut h, TOPIC, 3, b"set", 0);
                        h.drop_link();
                    }
                    QueuedOffline => {
                        h.drop_link();
                        with_alias(&mut h, TOPIC, 3, b"set", 1);
                    }
                    // With a Topic Alias Maximum of 5, the first topic gets alias 1.
                    AutoAssigned => {
                        h.publish(TOPIC, b"set", 0);
                    }
                }
                let alias = if matches!(set_by, AutoAssigned) { 1 } else { 3 };
                let props = PublishProperties {
                    topic_alias: Some(alias),
                    ..codec::empty_publish_properties()
                };
                let op = h.session.publish_with_id(
                    h.now,
                    "",
                    Bytes::from_static(b"alone"),
                    qos,
                    false,
                    false,
                    Some(Box::new(props)),
                    id,
                );
                h.sent();
                let mut events = h.take_events();
                assert!(failed_ops(&events).is_empty(), "{case}: {events:?}");
                let at_call = announced(&events, op).map(|a| a.1);
                assert_eq!(at_call.as_deref(), Some(TOPIC), "{case}: at the call");
                // Then on the next connection (Session Present 1), everything acknowledged
                // but "alone", which is resent there or sent for the first time.
                if h.session.is_connected() {
                    h.drop_link();
                }
                h.run_for(1_000);
                let mut all = h.open_and_ack(true, limits());
                for _ in 0..4 {
                    let others: Vec<Publish> = publishes(&all)
                        .into_iter()
                        .filter(|p| {
                            p.qos != codec::QoS::AtMostOnce && p.payload != *b"alone".as_slice()
                        })
                        .cloned()
                        .collect();
                    for p in &others {
                        h.receive(ack_for(p));
                    }
                    all.extend(h.sent());
                }
                events.extend(h.take_events());
                let sent = find(&all, b"alone");
                let naming = if matches!(set_by, AutoAssigned) {
                    Naming::AutoAssigned
                } else {
                    Naming::AliasAlone
                };
                assert_full_topic(sent, naming, &case);
                let topics: Vec<String> = events
                    .iter()
                    .filter_map(|e| match e {
                        Event::InFlight {
                            op: o,
                            released: false,
                            topic,
                            ..
                        } if *o == op => Some(topic.clone()),
                        _ => None,
                    })
                    .collect();
                assert_eq!(topics, vec![String::from(TOPIC)], "{case}: announced once");
            }
        }
    }
}

/// A PUBLISH with its topic, a PUBREL, and an alias alone no connection set announce no
/// topic: the glue keeps the page's own (or, unknown, none: restoring it is refused).
#[test]
fn only_an_alias_alone_that_the_core_knows_announces_a_topic() {
    let mut h = Harness::new(v5(false));
    h.establish_with(false, limits());
    h.take_events();
    let mut ops = Vec::new();
    for (topic, alias) in [(TOPIC, Some(3u16)), (TOPIC, None), ("", Some(4))] {
        let props = PublishProperties {
            topic_alias: alias,
            ..codec::empty_publish_properties()
        };
        ops.push(h.session.publish_with_id(
            h.now,
            topic,
            Bytes::from_static(b"x"),
            2,
            false,
            false,
            Some(Box::new(props)),
            ASSIGN_NOW,
        ));
    }
    let events = h.take_events();
    for op in &ops {
        assert_eq!(
            announced(&events, *op).map(|a| a.1),
            Some(String::new()),
            "{op}"
        );
    }
    let first = find(&h.sent(), b"x").pkid;
    h.receive(ack(codec::AckKind::PubRec, first));
    let released = h.take_events().into_iter().find_map(|e| match e {
        Event::InFlight {
            released: true,
            topic,
            ..
        } => Some(topic),
        _ => None,
    });
    assert_eq!(released, Some(String::new()));
}
