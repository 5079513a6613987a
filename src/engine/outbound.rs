//! Getting the page's operations onto the wire: sent at once when connected and allowed,
//! otherwise kept in the offline queue (bounded by count and bytes) and flushed in call
//! order; the in-flight window (`maxInflight`, the broker's Receive Maximum); the broker's
//! other limits (Maximum QoS, Retain Available, Maximum Packet Size); PUBLISH encoding with
//! topic aliases out.

use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;

use super::queue::Queued;
use super::small_map::SmallMap;
use super::{
    push_number, ExternalPayload, OpError, OpId, OutState, Outgoing, PendingAck, Request, Session,
    DEFAULT_MAX_INFLIGHT,
};
use crate::codec::{self, Packet, Publish, QoS};

impl Session {
    /// A checked PUBLISH: out now when connected, nothing queued ahead of it and the window
    /// has room; failed when QoS 0 cannot wait (`queueQoSZero` off) and there is no
    /// connection; queued otherwise. `external`: the payload, when the driver keeps it.
    pub(super) fn send_or_queue_publish(
        &mut self,
        now: u64,
        op: OpId,
        publish: Publish,
        external: Option<ExternalPayload>,
    ) {
        let qos = publish.qos;
        if self.is_connected()
            && !self.queue.line_busy(qos != QoS::AtMostOnce)
            && self.can_send(qos)
        {
            self.send_publish(now, op, publish, external);
        } else if qos == QoS::AtMostOnce && !self.opts.queue_qos_zero && !self.is_connected() {
            self.fail(op, OpError::NoConnection, 0, 0, "No connection to broker");
        } else {
            self.enqueue(op, Queued::Publish(op, publish, external));
        }
    }

    /// A checked SUBSCRIBE or UNSUBSCRIBE: out now when connected and nothing of its line is
    /// queued ahead of it, queued otherwise.
    pub(super) fn send_or_queue_request(&mut self, now: u64, op: OpId, request: Request) {
        if self.is_connected() && !self.queue.line_busy(false) && self.ids.in_flight() < 65_535 {
            self.send_request(now, op, request);
        } else {
            self.enqueue(op, Queued::Request(op, request));
        }
    }

    fn enqueue(&mut self, op: OpId, item: Queued) {
        let by_count = self.queue.len() >= self.opts.queue_limit;
        if by_count || self.queue.bytes() + item.size() > self.opts.queue_byte_limit {
            let mut text = String::from("Offline queue full (");
            if by_count {
                text.push_str("queueLimit ");
                push_number(&mut text, self.opts.queue_limit as u64);
            } else {
                text.push_str("queueByteLimit ");
                push_number(&mut text, self.opts.queue_byte_limit as u64);
                text.push_str(" bytes");
            }
            text.push_str("): operation not queued");
            if let Queued::Publish(_, p, _) = &item {
                self.ids.release(p.pkid);
            }
            self.fail(op, OpError::QueueFull, 0, 0, text);
            return;
        }
        self.queue.push_back(item);
        self.outgoing_empty_emitted = false;
    }

    /// QoS 1/2 PUBLISHes allowed in flight at once: `maxInflight`, and never more than the
    /// broker's Receive Maximum. Before MQTT 5 the broker cannot say its limit, and
    /// Mosquitto closes the connection at the first PUBLISH over it.
    pub(super) fn window(&self) -> usize {
        let own = self
            .opts
            .max_inflight
            .unwrap_or(if self.opts.protocol.is_v5() {
                u16::MAX
            } else {
                DEFAULT_MAX_INFLIGHT
            });
        own.min(self.limits().receive_maximum) as usize
    }

    /// Only QoS 1/2 PUBLISHes wait for the window [MQTT-3.3.4-7]; QoS 0 ones, SUBSCRIBE,
    /// UNSUBSCRIBE and PINGREQ go out with the quota at zero [MQTT-3.3.4-9].
    fn can_send(&self, qos: QoS) -> bool {
        qos == QoS::AtMostOnce
            || (self.outgoing.len() < self.window() && self.ids.in_flight() < 65_535)
    }

    /// Sends queued work in call order; while the window is full, the operations it does
    /// not limit keep going out (`OpQueue`).
    pub(super) fn flush_queue(&mut self, now: u64) {
        self.resend_held(now);
        while self.is_connected() && self.ids.in_flight() < 65_535 {
            match self.queue.pop(self.can_send(QoS::AtLeastOnce)) {
                Some(Queued::Publish(op, p, external)) => self.send_publish(now, op, p, external),
                Some(Queued::Request(op, r)) => self.send_request(now, op, r),
                None => break,
            }
        }
    }

    fn send_publish(
        &mut self,
        now: u64,
        op: OpId,
        mut publish: Publish,
        external: Option<ExternalPayload>,
    ) {
        if op < self.connection_first_op {
            // Published before this connection: a topic alias is for one connection
            // [MQTT-3.3.2-12], the page's meant the last one's topic.
            forget_alias(&mut publish, &mut self.last_aliases);
        }
        // An id given at the call (publish_with_id) is reserved already; the refusals
        // below give it back.
        self.ids.release(publish.pkid);
        let maximum_qos = self.limits().maximum_qos;
        if publish.qos as u8 > maximum_qos {
            let mut text = String::from("QoS not supported by the broker (Maximum QoS ");
            push_number(&mut text, maximum_qos as u64);
            text.push(')');
            return self.fail(op, OpError::NotSupportedByServer, 0, 0, text);
        }
        if publish.retain && !self.limits().retain_available {
            return self.fail(
                op,
                OpError::NotSupportedByServer,
                0,
                0,
                "Retain not supported by the broker",
            );
        }
        if let Some(alias) = publish.properties.as_ref().and_then(|p| p.topic_alias) {
            if alias == 0 || alias > self.limits().topic_alias_maximum {
                return self.fail(
                    op,
                    OpError::NotSupportedByServer,
                    0,
                    0,
                    "Sending Topic Alias out of range\nTopic alias out of the broker's range (Topic Alias Maximum)",
                );
            }
        }
        if publish.qos != QoS::AtMostOnce && !self.ids.mark(publish.pkid) {
            match self.ids.allocate() {
                Some(id) => {
                    publish.pkid = id;
                    // No store waits for this one (it would have had its id at the call).
                    self.in_flight(op, id, String::new());
                }
                None => return self.enqueue(op, Queued::Publish(op, publish, external)),
            }
        }
        let (qos, pkid) = (publish.qos, publish.pkid);
        if let Err(e) = self.write_publish(now, &mut publish, external.as_ref()) {
            self.ids.release(pkid);
            return self.fail(
                op,
                e,
                0,
                0,
                match e {
                    OpError::PacketTooLarge => {
                        "Message larger than the broker's Maximum Packet Size"
                    }
                    _ => "Unregistered Topic Alias\nTopic alias unknown on this connection",
                },
            );
        }
        if qos == QoS::AtMostOnce {
            self.done(op, 0, 0, Vec::new(), None);
            self.check_finished(now);
            return;
        }
        let state = if qos == QoS::AtLeastOnce {
            OutState::Qos1Sent
        } else {
            OutState::Qos2Sent
        };
        self.track_outgoing(pkid, op, publish, external, state);
    }

    /// A QoS 1/2 PUBLISH (or its PUBREL) is in flight under `pkid` until acknowledged.
    pub(super) fn track_outgoing(
        &mut self,
        pkid: u16,
        op: OpId,
        publish: Publish,
        external: Option<ExternalPayload>,
        state: OutState,
    ) {
        self.outgoing.push(
            pkid,
            Outgoing {
                op,
                publish,
                external,
                state,
                awaiting_resend: false,
            },
        );
        self.outgoing_empty_emitted = false;
    }

    /// Encodes a PUBLISH for this connection: applies topic aliases (v5) and the broker's size
    /// limit. An automatic alias is undone afterwards and the page's own dropped (an alias
    /// alone becomes its topic), so `p` can be resent on a connection with other aliases
    /// without being copied first. `external`: the payload, when the driver keeps it.
    pub(super) fn write_publish(
        &mut self,
        now: u64,
        p: &mut Publish,
        external: Option<&ExternalPayload>,
    ) -> Result<(), OpError> {
        let had_properties = p.properties.is_some();
        let explicit = p
            .properties
            .as_ref()
            .is_some_and(|pp| pp.topic_alias.is_some());
        let aliased = if self.opts.protocol.is_v5() {
            self.apply_outbound_alias(p)?
        } else {
            None
        };
        let result = self
            .write_publish_within(now, p, self.limits().maximum_packet_size, external)
            .map_err(|_| OpError::PacketTooLarge);
        if let Some(topic) = aliased {
            if !topic.is_empty() {
                p.topic = topic;
            }
            if !had_properties {
                p.properties = None;
            } else if let Some(pp) = p.properties.as_mut() {
                pp.topic_alias = None;
            }
        }
        if explicit {
            // Kept for a resend on a later connection, where the page's alias means nothing.
            forget_alias(p, &mut self.link.outbound_aliases);
        }
        result
    }

    /// Applies the outbound topic alias rules. `Some(topic)` when an automatic alias was put
    /// in `p` (the topic is the name it replaced, or empty when the name was kept), for
    /// `write_publish` to undo.
    fn apply_outbound_alias(&mut self, p: &mut Publish) -> Result<Option<String>, OpError> {
        let link = &mut self.link;
        let aliases = &mut link.outbound_aliases;
        let explicit = p.properties.as_ref().and_then(|pp| pp.topic_alias);
        if let Some(alias) = explicit {
            if p.topic.is_empty() {
                if aliases.key_of(&alias).is_none() {
                    return Err(OpError::NotSupportedByServer);
                }
            } else {
                bind_alias(aliases, &p.topic, alias);
            }
            return Ok(None);
        }
        let maximum = link.limits.topic_alias_maximum;
        if maximum == 0 || p.topic.is_empty() {
            return Ok(None);
        }
        // autoAssignTopicAlias implies reuse (as in MQTT.js); autoUseTopicAlias alone reuses
        // aliases the page set explicitly.
        if !(self.opts.auto_use_topic_alias || self.opts.auto_assign_topic_alias) {
            return Ok(None);
        }
        // The map is kept in order of use (`touch`, insertion): its first entry is the least
        // recently used alias.
        if let Some(&alias) = aliases.touch(p.topic.as_str()) {
            p.properties
                .get_or_insert_with(|| Box::new(codec::empty_publish_properties()))
                .topic_alias = Some(alias);
            return Ok(Some(core::mem::take(&mut p.topic)));
        }
        if self.opts.auto_assign_topic_alias {
            let taken = |a: u16| aliases.values().any(|v| *v == a);
            // Every alias the broker allows taken: the least recently used one is bound to
            // this topic instead, as MQTT.js does.
            let free = (1..=maximum).find(|a| !taken(*a));
            if let Some(alias) = free.or_else(|| aliases.pop_first().map(|(_, a)| a)) {
                aliases.insert(p.topic.clone(), alias);
                p.properties
                    .get_or_insert_with(|| Box::new(codec::empty_publish_properties()))
                    .topic_alias = Some(alias);
                return Ok(Some(String::new()));
            }
        }
        Ok(None)
    }

    fn send_request(&mut self, now: u64, op: OpId, mut request: Request) {
        let given = match &request {
            Packet::Subscribe(s) => s.pkid,
            Packet::Unsubscribe(u) => u.pkid,
            _ => 0,
        };
        // The page's own id (messageIdProvider) when it is free, else one of ours.
        let pkid = if self.ids.mark(given) {
            given
        } else {
            match self.ids.allocate() {
                Some(id) => id,
                None => return self.enqueue(op, Queued::Request(op, request)),
            }
        };
        match &mut request {
            Packet::Subscribe(s) => s.pkid = pkid,
            Packet::Unsubscribe(u) => u.pkid = pkid,
            _ => {}
        }
        let max = self.limits().maximum_packet_size;
        if self.write_packet_within(now, &request, max).is_err() {
            self.ids.release(pkid);
            return self.fail(
                op,
                OpError::PacketTooLarge,
                0,
                0,
                "Request larger than the broker's Maximum Packet Size",
            );
        }
        self.requests.insert(pkid, PendingAck { op, request });
        self.outgoing_empty_emitted = false;
    }
}

/// Takes the page's Topic Alias out of `p` for a connection other than the one it was given
/// on (MQTT.js does the same): a topic with it is registered in `aliases` (the last
/// connection's, for alias-only publishes after it) and sent in full; an alias alone gets its
/// topic from `aliases`. An alias alone that `aliases` does not know stays as given and fails
/// when sent ("Unregistered Topic Alias") unless that connection set it by then.
pub(super) fn forget_alias(p: &mut Publish, aliases: &mut SmallMap<String, u16>) {
    let Some(pp) = p.properties.as_mut() else {
        return;
    };
    let Some(alias) = pp.topic_alias else {
        return;
    };
    if p.topic.is_empty() {
        match aliases.key_of(&alias) {
            Some(topic) => p.topic = topic.clone(),
            None => return,
        }
    } else {
        bind_alias(aliases, &p.topic, alias);
    }
    pp.topic_alias = None;
}

/// `topic` is named by `alias` from now on; rebinding moves the entry last, as the map is
/// kept in order of use.
fn bind_alias(aliases: &mut SmallMap<String, u16>, topic: &str, alias: u16) {
    aliases.retain(|t, a| *a != alias && t != topic);
    aliases.insert(String::from(topic), alias);
}
