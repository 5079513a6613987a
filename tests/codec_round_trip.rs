//! Round trips: every packet the strategies build (MQTT 3.1.1 and 5) encodes and decodes back to
//! itself, whole and split in two, and arbitrary bytes never panic the decoder.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

mod codec_support;

use bytes::Bytes;
use codec_support::*;
use mpmqtt::codec::*;
use proptest::prelude::*;

fn qos_strategy() -> impl Strategy<Value = QoS> {
    prop_oneof![
        Just(QoS::AtMostOnce),
        Just(QoS::AtLeastOnce),
        Just(QoS::ExactlyOnce)
    ]
}

fn text() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9 é中/_-]{0,12}"
}

fn level() -> impl Strategy<Value = String> {
    "[a-z0-9é中]{1,6}"
}

fn topic() -> impl Strategy<Value = String> {
    prop::collection::vec(level(), 1..4).prop_map(|l| l.join("/"))
}

fn users() -> impl Strategy<Value = Vec<(String, String)>> {
    prop::collection::vec((text(), text()), 0..3)
}

fn ack_props() -> impl Strategy<Value = Option<AckProperties>> {
    (prop::option::of(text()), users()).prop_map(|(reason_string, user_properties)| {
        let p = AckProperties {
            reason_string,
            user_properties,
        };
        // An empty property set decodes as None.
        (p != AckProperties::default()).then_some(p)
    })
}

fn publish_strategy(v5: bool) -> impl Strategy<Value = Packet> {
    (
        qos_strategy(),
        any::<bool>(),
        any::<bool>(),
        topic(),
        1u16..,
        prop::collection::vec(any::<u8>(), 0..64),
        prop::option::of((
            prop::option::of(0u8..=1),
            prop::option::of(any::<u32>()),
            prop::option::of(1u16..),
            prop::option::of(topic()),
            prop::option::of(prop::collection::vec(any::<u8>(), 0..8)),
            users(),
            prop::collection::vec(1usize..=268_435_455, 0..3),
            prop::option::of(text()),
        )),
    )
        .prop_map(move |(qos, dup, retain, topic, pkid, payload, props)| {
            let zero = qos == QoS::AtMostOnce;
            Packet::Publish(Box::new(Publish {
                dup: dup && !zero,
                qos,
                retain,
                topic,
                pkid: if zero { 0 } else { pkid },
                payload: Bytes::from(payload),
                properties: props.filter(|_| v5).map(|p| {
                    Box::new(PublishProperties {
                        payload_format_indicator: p.0,
                        message_expiry_interval: p.1,
                        topic_alias: p.2,
                        response_topic: p.3,
                        correlation_data: p.4.map(Bytes::from),
                        user_properties: p.5,
                        subscription_identifiers: p.6,
                        content_type: p.7,
                    })
                }),
            }))
        })
        .prop_filter("empty v5 properties decode as None", |p| match p {
            Packet::Publish(p) => p.properties.as_ref().is_none_or(|pp| {
                pp.payload_format_indicator.is_some()
                    || pp.message_expiry_interval.is_some()
                    || pp.topic_alias.is_some()
                    || pp.response_topic.is_some()
                    || pp.correlation_data.is_some()
                    || !pp.user_properties.is_empty()
                    || !pp.subscription_identifiers.is_empty()
                    || pp.content_type.is_some()
            }),
            _ => true,
        })
}

fn filter_strategy(v5: bool) -> impl Strategy<Value = SubscribeFilter> {
    (
        prop::collection::vec(prop_oneof![level(), Just("+".to_string())], 1..4),
        any::<bool>(),
        qos_strategy(),
        any::<bool>(),
        any::<bool>(),
        0u8..=2,
    )
        .prop_map(move |(levels, hash, qos, nl, rap, rh)| {
            let mut filter = levels.join("/");
            if hash {
                filter.push_str("/#");
            }
            SubscribeFilter {
                filter,
                qos,
                no_local: v5 && nl,
                retain_as_published: v5 && rap,
                retain_handling: if v5 { rh } else { 0 },
            }
        })
}

fn subscribe_strategy(v5: bool) -> impl Strategy<Value = Packet> {
    (
        1u16..,
        prop::collection::vec(filter_strategy(v5), 1..4),
        prop::option::of(1usize..=268_435_455),
        users(),
    )
        .prop_map(move |(pkid, filters, id, user_properties)| {
            let props = SubscribeProperties {
                id,
                user_properties,
            };
            let some = v5 && (props.id.is_some() || !props.user_properties.is_empty());
            Packet::Subscribe(Subscribe {
                pkid,
                filters,
                properties: some.then_some(props),
            })
        })
}

fn ack_strategy(v5: bool) -> impl Strategy<Value = Packet> {
    let kind = prop_oneof![
        Just(AckKind::PubAck),
        Just(AckKind::PubRec),
        Just(AckKind::PubRel),
        Just(AckKind::PubComp)
    ];
    let codes = prop::collection::vec(any::<u8>(), 1..5);
    prop_oneof![
        (kind, 1u16.., any::<u8>(), ack_props()).prop_map(move |(kind, pkid, reason, props)| {
            Packet::Ack(Ack {
                kind,
                pkid,
                reason: if v5 { reason } else { 0 },
                properties: props.filter(|_| v5),
            })
        }),
        (1u16.., codes.clone(), ack_props()).prop_map(move |(pkid, codes, props)| {
            Packet::SubAck(SubAck {
                pkid,
                codes,
                properties: props.filter(|_| v5),
            })
        }),
        (1u16.., codes, ack_props()).prop_map(move |(pkid, codes, props)| {
            Packet::UnsubAck(UnsubAck {
                pkid,
                codes: if v5 { codes } else { vec![] },
                properties: props.filter(|_| v5),
            })
        }),
        (1u16.., prop::collection::vec(topic(), 1..3), users()).prop_map(
            move |(pkid, filters, users)| {
                Packet::Unsubscribe(Unsubscribe {
                    pkid,
                    filters,
                    user_properties: if v5 { users } else { vec![] },
                })
            }
        ),
    ]
}

fn round_trip(p: &Packet, v: ProtocolVersion) -> Result<(), TestCaseError> {
    let bytes = enc(p, v).map_err(|e| TestCaseError::fail(e.message()))?;
    prop_assert_eq!(&dec(&bytes, v), &Ok(p.clone()));
    let mut d = Decoder::new(v, MAX);
    let (a, b) = bytes.split_at(bytes.len() / 2);
    d.push(a);
    d.push(b);
    prop_assert_eq!(d.next_packet(), Ok(Some(p.clone())));
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn publish_round_trip_v4(p in publish_strategy(false)) { round_trip(&p, V4)?; }

    #[test]
    fn publish_round_trip_v5(p in publish_strategy(true)) { round_trip(&p, V5)?; }

    #[test]
    fn subscribe_round_trip_v4(p in subscribe_strategy(false)) { round_trip(&p, V4)?; }

    #[test]
    fn subscribe_round_trip_v5(p in subscribe_strategy(true)) { round_trip(&p, V5)?; }

    #[test]
    fn acks_round_trip_v4(p in ack_strategy(false)) { round_trip(&p, V4)?; }

    #[test]
    fn acks_round_trip_v5(p in ack_strategy(true)) { round_trip(&p, V5)?; }

    /// Arbitrary bytes never panic the decoder, in either version, whole or streamed.
    #[test]
    fn garbage_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        for v in [V4, V5] {
            let _ = decode_one(&bytes, v, MAX);
            let mut d = Decoder::new(v, 300);
            for piece in bytes.chunks(7) {
                d.push(piece);
                while let Ok(Some(_)) = d.next_packet() {}
            }
        }
    }
}
