//! Nothing of one connection reaches the next: the per-connection state (decoder, the
//! broker's CONNACK limits, keepalive, topic aliases both ways) starts afresh on every
//! connection, whichever way the previous one ended.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

mod engine_support;

use bytes::Bytes;
use engine_support::*;
use mpmqtt::codec::{self, Packet, ProtocolVersion, Publish, PublishProperties, QoS};
use mpmqtt::engine::{ErrorKind, Options};

fn aliased(topic: &str, alias: u16) -> Packet {
    Packet::Publish(Box::new(Publish {
        dup: false,
        qos: QoS::AtMostOnce,
        retain: false,
        topic: topic.into(),
        pkid: 0,
        payload: Bytes::from_static(b"v"),
        properties: Some(Box::new(PublishProperties {
            topic_alias: Some(alias),
            ..codec::empty_publish_properties()
        })),
    }))
}

fn v5_with_aliases() -> Options {
    let mut o = options(ProtocolVersion::V5);
    let mut props = codec::empty_connect_properties();
    props.topic_alias_max = Some(5);
    o.properties = Some(props);
    o.auto_assign_topic_alias = true;
    o
}

/// The first connection leaves every kind of per-connection state behind; ended in each of
/// the ways a connection ends (socket closed, keepalive timeout, broker DISCONNECT, a page
/// `reconnect()`), the second connection sees none of it.
#[test]
fn a_new_connection_starts_with_fresh_link_state() {
    for ending in [
        "closed",
        "keepalive timeout",
        "server disconnect",
        "page reconnect",
    ] {
        let o = v5_with_aliases();
        let keepalive_ms = o.keepalive_s as u64 * 1000;
        let mut h = Harness::new(o);
        let mut limits = connack_props();
        limits.topic_alias_max = Some(3);
        limits.max_qos = Some(0);
        h.establish_with(false, Some(limits));
        // Aliases both ways, a Maximum QoS, a PINGREQ awaiting its answer, half a packet.
        h.receive(aliased("in/topic", 2));
        h.publish("out/topic", b"1", 0);
        let first = h.sent();
        assert_eq!(publishes(&first)[0].topic, "out/topic");
        h.publish("out/topic", b"2", 0);
        assert_eq!(
            publishes(&h.sent())[0].topic,
            "",
            "alias used on the first connection"
        );
        h.advance(keepalive_ms);
        assert!(h.sent().contains(&Packet::PingReq), "{ending}");
        let mut partial = Vec::new();
        codec::encode(&aliased("in/other", 3), ProtocolVersion::V5, &mut partial).unwrap();
        // (A broker's DISCONNECT cannot follow half a packet: it would be read as its rest.)
        if ending != "server disconnect" {
            h.receive_bytes(&partial[..3]);
        }
        match ending {
            "closed" => h.drop_link(),
            "keepalive timeout" => h.advance(keepalive_ms),
            "server disconnect" => h.receive(Packet::Disconnect(codec::Disconnect {
                reason: 0x89,
                properties: None,
            })),
            _ => h.session.reconnect(h.now),
        }
        assert!(!h.session.is_connected(), "{ending}");
        h.sent();
        if ending != "page reconnect" {
            h.run_for(1_000);
        }
        // A CONNACK that decodes proves the half packet is gone; no properties this time.
        h.open_and_ack(false, None);
        h.take_events();
        let connected_at = h.now;
        assert_eq!(
            h.session.poll_timeout(),
            Some(connected_at + keepalive_ms),
            "{ending}: a full keepalive, not the old PINGREQ's deadline"
        );
        // No Maximum QoS 0 any more: QoS 1 goes out.
        h.publish("q/1", b"x", 1);
        let sent = h.sent();
        assert_eq!(publishes(&sent)[0].qos, QoS::AtLeastOnce, "{ending}");
        // No Topic Alias Maximum on this CONNACK: the topic is written out, no alias.
        h.publish("out/topic", b"3", 0);
        let sent = h.sent();
        let p = publishes(&sent)[0];
        assert_eq!(p.topic, "out/topic", "{ending}");
        assert!(
            p.properties
                .as_ref()
                .is_none_or(|pp| pp.topic_alias.is_none()),
            "{ending}"
        );
        // The broker's alias 2 of the last connection means nothing on this one.
        h.receive(aliased("", 2));
        let ev = h.take_events();
        assert!(messages(&ev).is_empty(), "{ending}");
        assert_eq!(errors(&ev)[0].0, ErrorKind::ProtocolError, "{ending}");
        assert!(errors(&ev)[0].1.contains("unknown topic alias"), "{ending}");
    }
}
