//! The page's calls: publish, subscribe, unsubscribe, `removeOutgoingMessage` and v5 AUTH.
//! Each gets an operation id at once; arguments are checked here, and a valid operation is
//! handed to outbound.rs to be sent or queued. Its outcome arrives later as
//! `OpDone`/`OpFailed`, exactly once.

use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;
use bytes::Bytes;

use super::{
    push_number, text_of, ExternalPayload, OpError, OpId, OutState, Phase, Session, ASSIGN_NOW,
    MAX_PACKET_SIZE,
};
use crate::codec::{
    self, validate, Auth, AuthProperties, Packet, Publish, PublishProperties, QoS, Subscribe,
    SubscribeFilter, SubscribeProperties, Unsubscribe,
};

impl Session {
    fn new_op(&mut self) -> OpId {
        let op = self.next_op;
        self.next_op = self.next_op.wrapping_add(1).max(1);
        op
    }

    /// Returns at once; the outcome arrives as `OpDone`/`OpFailed`.
    #[allow(clippy::too_many_arguments)]
    pub fn publish(
        &mut self,
        now: u64,
        topic: &str,
        payload: &[u8],
        qos: u8,
        retain: bool,
        dup: bool,
        properties: Option<Box<PublishProperties>>,
    ) -> OpId {
        let payload = codec::bytes_of(payload.to_vec());
        self.publish_bytes(now, topic, payload, qos, retain, dup, properties)
    }

    /// `publish` with a payload the caller gives away (no copy: the JS boundary already
    /// made one when it moved the page's bytes into linear memory).
    #[allow(clippy::too_many_arguments)]
    pub fn publish_bytes(
        &mut self,
        now: u64,
        topic: &str,
        payload: Bytes,
        qos: u8,
        retain: bool,
        dup: bool,
        properties: Option<Box<PublishProperties>>,
    ) -> OpId {
        self.publish_with_id(now, topic, payload, qos, retain, dup, properties, 0)
    }

    /// `publish_bytes` with its packet identifier chosen at the call: `ASSIGN_NOW`, the core
    /// picks one now (a page's outgoing store keeps a QoS 1/2 message by its id from the
    /// call on, as MQTT.js assigns ids at the call); `1..=65535`, the page's own (MQTT.js'
    /// `messageIdProvider`), which must not be in flight; 0, the core picks one when the
    /// PUBLISH goes out. Ignored for QoS 0.
    #[allow(clippy::too_many_arguments)]
    pub fn publish_with_id(
        &mut self,
        now: u64,
        topic: &str,
        payload: Bytes,
        qos: u8,
        retain: bool,
        dup: bool,
        properties: Option<Box<PublishProperties>>,
        message_id: u32,
    ) -> OpId {
        let p = (qos, retain, dup);
        self.publish_checked(now, topic, payload, None, p, properties, message_id)
    }

    /// A claim on a payload the driver keeps: `len` bytes it names `handle` (its own
    /// choice), for `publish_external` or `restore_external`. The handle is listed in
    /// `released_payloads` once the claim and every copy of it the session made are gone,
    /// used or not. `None` without the Cargo feature `splice-payloads`.
    pub fn external_payload(&self, handle: u32, len: usize) -> Option<ExternalPayload> {
        ExternalPayload::new(handle, len, &self.releases)
    }

    /// `publish_with_id` of a payload the driver keeps. The core never holds the bytes: it
    /// encodes the PUBLISH around them, names them where they go in the flush
    /// (`transmit_part`) and lets the claim go once nothing can send them any more (QoS 0:
    /// once written; QoS 1/2: once acknowledged, failed or removed).
    #[allow(clippy::too_many_arguments)]
    pub fn publish_external(
        &mut self,
        now: u64,
        topic: &str,
        payload: ExternalPayload,
        qos: u8,
        retain: bool,
        dup: bool,
        properties: Option<Box<PublishProperties>>,
        message_id: u32,
    ) -> OpId {
        let (bytes, p) = (Bytes::new(), (qos, retain, dup));
        self.publish_checked(now, topic, bytes, Some(payload), p, properties, message_id)
    }

    /// `publish_with_id` with its payload in `payload` or, kept by the driver, `external`.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn publish_checked(
        &mut self,
        now: u64,
        topic: &str,
        payload: Bytes,
        external: Option<ExternalPayload>,
        (qos, retain, dup): (u8, bool, bool),
        properties: Option<Box<PublishProperties>>,
        message_id: u32,
    ) -> OpId {
        let op = self.new_op();
        if self.rejects_new_work(op) {
            return op;
        }
        let qos = match qos_of(qos) {
            Some(q) => q,
            None => {
                self.fail(
                    op,
                    OpError::InvalidQoS,
                    0,
                    0,
                    "Invalid QoS: must be 0, 1 or 2",
                );
                return op;
            }
        };
        let v5 = self.opts.protocol.is_v5();
        let properties = if v5 { properties } else { None };
        let aliased = properties.as_ref().is_some_and(|p| p.topic_alias.is_some());
        if !(v5 && aliased && topic.is_empty()) && validate::topic_name(topic).is_err() {
            self.fail(
                op,
                OpError::InvalidTopic,
                0,
                0,
                text_of(&["Invalid topic ", topic]),
            );
            return op;
        }
        let mut publish = Publish {
            dup: dup && qos != QoS::AtMostOnce,
            qos,
            retain,
            topic: String::from(topic),
            // Any non-zero id has the same size; the real one is assigned when it is sent.
            pkid: if qos == QoS::AtMostOnce { 0 } else { 1 },
            payload,
            properties,
        };
        let external_len = external.as_ref().map_or(0, |e| e.len());
        let size = codec::encoded_publish_len(&publish, self.opts.protocol, external_len);
        publish.pkid = 0;
        match size {
            Ok(len) if len <= MAX_PACKET_SIZE => {}
            _ => {
                self.fail(
                    op,
                    OpError::PacketTooLarge,
                    0,
                    0,
                    "Message too large for MQTT",
                );
                return op;
            }
        }
        if qos != QoS::AtMostOnce && message_id != 0 {
            match self.claim_id(op, message_id) {
                Some(id) => {
                    publish.pkid = id;
                    let topic = self.alias_topic(op, &publish);
                    self.in_flight(op, id, topic);
                }
                None => return op,
            }
        }
        self.send_or_queue_publish(now, op, publish, external);
        op
    }

    /// `topic`: what an alias alone stands for (`alias_topic`), else empty.
    pub(super) fn in_flight(&mut self, op: OpId, message_id: u16, topic: String) {
        self.events.push_back(super::Event::InFlight {
            op,
            message_id,
            released: false,
            topic,
        });
    }

    /// What a PUBLISH naming its topic by an alias alone stands for when it goes out: the
    /// topic of the last earlier call still queued that sets the alias (sent first, it binds
    /// it), else this connection's aliases, or between connections the last one's
    /// (`forget_alias` resolves it from those on the next). Empty for a PUBLISH with its
    /// topic, or an alias unknown there (its send fails: "Unregistered Topic Alias"), and
    /// without the `stored-alias-topics` feature.
    pub(super) fn alias_topic(&self, op: OpId, publish: &Publish) -> String {
        let alias = match publish.properties.as_ref().and_then(|p| p.topic_alias) {
            Some(alias) if publish.topic.is_empty() && cfg!(feature = "stored-alias-topics") => {
                alias
            }
            _ => return String::new(),
        };
        let aliases = if self.is_connected() {
            &self.link.outbound_aliases
        } else {
            &self.last_aliases
        };
        let topic = self.queue.topic_of_alias(op, alias);
        String::from(
            topic
                .or(aliases.key_of(&alias).map(|t| t.as_str()))
                .unwrap_or(""),
        )
    }

    /// A SUBSCRIBE/UNSUBSCRIBE's own id in flight: the call fails. (Its id is reserved
    /// when it goes out, as the core's own are.)
    fn id_taken(&mut self, op: OpId, message_id: u16) -> bool {
        if message_id == 0 || !self.ids.is_used(message_id) {
            return false;
        }
        self.claim_id(op, message_id as u32);
        true
    }

    /// Reserves the id a call chose (`publish_with_id`); None, and the operation failed,
    /// when it is taken or none is left.
    fn claim_id(&mut self, op: OpId, message_id: u32) -> Option<u16> {
        if message_id == ASSIGN_NOW {
            let id = self.ids.allocate();
            if id.is_none() {
                self.fail(op, OpError::QueueFull, 0, 0, "No message id left");
            }
            return id;
        }
        let id = message_id as u16;
        if message_id <= 0xFFFF && self.ids.mark(id) {
            return Some(id);
        }
        self.fail(
            op,
            OpError::InvalidArgument,
            0,
            0,
            "Message id in flight already, or not 1-65535",
        );
        None
    }

    /// A QoS 1/2 PUBLISH (or, `released`, the PUBREL of a QoS 2 one: only the id counts)
    /// that an earlier client sent, from the page's outgoing store: in flight again with its
    /// id, resent at the next CONNACK as any other (the glue restores before it connects).
    /// 0 when its id is in flight already (this session kept it) or the packet cannot be
    /// one of ours. A Topic Alias is dropped (it was another connection's); a PUBLISH with
    /// no topic fails as an operation (`refuse_stored`).
    #[allow(clippy::too_many_arguments)]
    pub fn restore(
        &mut self,
        topic: &str,
        payload: Bytes,
        qos: u8,
        retain: bool,
        properties: Option<Box<PublishProperties>>,
        message_id: u16,
        released: bool,
    ) -> OpId {
        self.restore_checked(
            topic, payload, None, qos, retain, properties, message_id, released,
        )
    }

    /// `restore` of a stored PUBLISH whose payload the driver keeps (`publish_external`).
    pub fn restore_external(
        &mut self,
        topic: &str,
        payload: ExternalPayload,
        qos: u8,
        retain: bool,
        properties: Option<Box<PublishProperties>>,
        message_id: u16,
    ) -> OpId {
        let (bytes, external) = (Bytes::new(), Some(payload));
        self.restore_checked(
            topic, bytes, external, qos, retain, properties, message_id, false,
        )
    }

    /// `restore` with its payload in `payload` or, kept by the driver, `external`.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn restore_checked(
        &mut self,
        topic: &str,
        payload: Bytes,
        external: Option<ExternalPayload>,
        qos: u8,
        retain: bool,
        properties: Option<Box<PublishProperties>>,
        message_id: u16,
        released: bool,
    ) -> OpId {
        let qos = qos_of(qos).unwrap_or(QoS::AtMostOnce);
        if !released && topic.is_empty() && qos != QoS::AtMostOnce && !self.ids.is_used(message_id)
        {
            return self.refuse_stored(message_id);
        }
        let valid = released || (qos != QoS::AtMostOnce && validate::topic_name(topic).is_ok());
        if !valid || !self.ids.mark(message_id) {
            self.events.push_back(super::Event::Debug {
                text: String::from(
                    "outgoing store: a packet not restored (its id in flight already, or not QoS 1/2)",
                ),
            });
            return 0;
        }
        let op = self.new_op();
        let state = if released {
            OutState::Qos2Released
        } else if qos == QoS::AtLeastOnce {
            OutState::Qos1Sent
        } else {
            OutState::Qos2Sent
        };
        let mut publish = Publish {
            dup: true,
            qos,
            retain,
            topic: String::from(topic),
            pkid: message_id,
            payload,
            properties,
        };
        // Its alias was an earlier connection's [MQTT-3.3.2-12]; the topic is there in full.
        if let Some(pp) = publish.properties.as_mut() {
            pp.topic_alias = None;
        }
        self.track_outgoing(message_id, op, publish, external, state);
        op
    }

    /// A stored PUBLISH with no topic (a store written with the Topic Alias alone of the
    /// connection it was published on, by older versions of this client) fails as an
    /// operation of its own, so the page hears of it ('error') and its store lets it go,
    /// instead of it staying there unsent without a word.
    fn refuse_stored(&mut self, message_id: u16) -> OpId {
        let op = self.new_op();
        let mut text = String::from(
            "Unregistered Topic Alias\nNo topic, an earlier connection's topic alias alone: stored message ",
        );
        push_number(&mut text, message_id as u64);
        text.push_str(" not restored");
        self.fail(op, OpError::InvalidTopic, 0, message_id, text);
        op
    }

    pub fn subscribe(
        &mut self,
        now: u64,
        filters: Vec<SubscribeFilter>,
        properties: Option<SubscribeProperties>,
    ) -> OpId {
        self.subscribe_with_id(now, filters, properties, 0)
    }

    /// `subscribe` with the page's packet identifier (`messageIdProvider`; 0: the core's).
    pub fn subscribe_with_id(
        &mut self,
        now: u64,
        mut filters: Vec<SubscribeFilter>,
        properties: Option<SubscribeProperties>,
        message_id: u16,
    ) -> OpId {
        let op = self.new_op();
        if self.rejects_new_work(op) || self.id_taken(op, message_id) {
            return op;
        }
        if filters.is_empty() {
            self.fail(
                op,
                OpError::InvalidTopic,
                0,
                0,
                "Invalid topic: no topic to subscribe to",
            );
            return op;
        }
        for f in &filters {
            if validate::topic_filter(&f.filter).is_err() {
                self.fail(
                    op,
                    OpError::InvalidTopic,
                    0,
                    0,
                    text_of(&["Invalid topic ", &f.filter]),
                );
                return op;
            }
            if f.retain_handling > 2 {
                self.fail(
                    op,
                    OpError::InvalidArgument,
                    0,
                    0,
                    "Invalid retain handling: must be 0, 1 or 2",
                );
                return op;
            }
        }
        let v5 = self.opts.protocol.is_v5();
        if !v5 {
            for f in &mut filters {
                f.no_local = false;
                f.retain_as_published = false;
                f.retain_handling = 0;
            }
        }
        // An empty set is no set: it is written the same, and resubscription groups filters
        // by equal properties, so `Some(empty)` must not split them from `None`.
        let properties =
            properties.filter(|p| v5 && (p.id.is_some() || !p.user_properties.is_empty()));
        let sub = Subscribe {
            pkid: message_id,
            filters,
            properties,
        };
        self.send_or_queue_request(now, op, Packet::Subscribe(sub));
        op
    }

    pub fn unsubscribe(
        &mut self,
        now: u64,
        filters: Vec<String>,
        user_properties: Vec<(String, String)>,
    ) -> OpId {
        self.unsubscribe_with_id(now, filters, user_properties, 0)
    }

    /// `unsubscribe` with the page's packet identifier (`messageIdProvider`; 0: the core's).
    pub fn unsubscribe_with_id(
        &mut self,
        now: u64,
        filters: Vec<String>,
        user_properties: Vec<(String, String)>,
        message_id: u16,
    ) -> OpId {
        let op = self.new_op();
        if self.rejects_new_work(op) || self.id_taken(op, message_id) {
            return op;
        }
        if filters.is_empty() {
            self.fail(
                op,
                OpError::InvalidTopic,
                0,
                0,
                "Invalid topic: no topic to unsubscribe from",
            );
            return op;
        }
        for f in &filters {
            if validate::topic_filter(f).is_err() {
                self.fail(
                    op,
                    OpError::InvalidTopic,
                    0,
                    0,
                    text_of(&["Invalid topic ", f]),
                );
                return op;
            }
        }
        // Forgotten now, not at UNSUBACK: a reconnect before the UNSUBSCRIBE goes out must not
        // resubscribe what the page left (as MQTT.js forgets it at the call).
        self.forget_subscriptions(&filters);
        let user_properties = if self.opts.protocol.is_v5() {
            user_properties
        } else {
            Vec::new()
        };
        self.send_or_queue_request(
            now,
            op,
            Packet::Unsubscribe(Unsubscribe {
                pkid: message_id,
                filters,
                user_properties,
            }),
        );
        op
    }

    /// An operation the driver could not even parse: fails like any other, asynchronously.
    pub fn reject(&mut self, error: OpError, text: &str) -> OpId {
        let op = self.new_op();
        self.fail(op, error, 0, 0, text);
        op
    }

    fn rejects_new_work(&mut self, op: OpId) -> bool {
        if self.end_reason.is_some() || matches!(self.phase, Phase::Ended) {
            self.fail(op, OpError::Disconnecting, 0, 0, "client disconnecting");
            return true;
        }
        false
    }

    /// MQTT.js `removeOutgoingMessage(messageId)`.
    pub fn remove_outgoing(&mut self, now: u64, message_id: u16) -> bool {
        let Some(o) = self.outgoing.remove(message_id) else {
            return false;
        };
        self.held_count -= o.awaiting_resend as usize;
        self.ids.release(message_id);
        self.fail(o.op, OpError::Removed, 0, message_id, "Message removed");
        self.flush_queue(now);
        self.check_finished(now);
        true
    }

    /// v5 AUTH (enhanced authentication / re-authentication).
    pub fn send_auth(&mut self, now: u64, reason: u8, properties: Option<AuthProperties>) -> bool {
        if !self.opts.protocol.is_v5()
            || !matches!(self.phase, Phase::AwaitConnAck | Phase::Connected { .. })
        {
            return false;
        }
        let properties = properties.map(Box::new);
        self.write_packet(now, &Packet::Auth(Auth { reason, properties }))
            .is_ok()
    }
}

fn qos_of(q: u8) -> Option<QoS> {
    match q {
        0 => Some(QoS::AtMostOnce),
        1 => Some(QoS::AtLeastOnce),
        2 => Some(QoS::ExactlyOnce),
        _ => None,
    }
}
