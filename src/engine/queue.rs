//! Operations waiting for a connection or for the in-flight window, in two lines: QoS 1/2
//! PUBLISHes, which the window limits, and everything else (QoS 0 PUBLISH, SUBSCRIBE,
//! UNSUBSCRIBE), which it does not [MQTT-3.3.4-7, -9]. Taken in call order (operation ids
//! grow with each call) while the window has room; when it is full the other line keeps
//! moving, so a SUBSCRIBE never waits behind a backlog of publishes. Order is kept within
//! each line, which is MQTT.js' guarantee per QoS level.
//!
//! Sizes are counted as the page's bytes plus a fixed cost per entry, for the byte bound.

use super::fifo::Fifo;
use crate::codec::{Packet, Publish, QoS};

use super::events::OpId;
use super::ExternalPayload;

/// Roughly what an entry costs besides its topic and payload (the boxed packet, the queue
/// slot, the page's callback on the JS side).
pub const ENTRY_OVERHEAD: usize = 160;

pub enum Queued {
    /// With its payload's claim when the driver keeps it.
    Publish(OpId, Publish, Option<ExternalPayload>),
    /// A SUBSCRIBE or UNSUBSCRIBE.
    Request(OpId, Packet),
}

impl Queued {
    pub fn op(&self) -> OpId {
        match self {
            Queued::Publish(op, ..) | Queued::Request(op, _) => *op,
        }
    }

    fn windowed(&self) -> bool {
        matches!(self, Queued::Publish(_, p, _) if p.qos != QoS::AtMostOnce)
    }

    /// Bytes counted against the queue's byte bound.
    pub fn size(&self) -> usize {
        ENTRY_OVERHEAD
            + match self {
                Queued::Publish(_, p, external) => {
                    p.topic.len() + p.payload.len() + external.as_ref().map_or(0, |e| e.len())
                }
                Queued::Request(_, Packet::Subscribe(s)) => {
                    s.filters.iter().map(|f| f.filter.len() + 8).sum()
                }
                Queued::Request(_, Packet::Unsubscribe(u)) => {
                    u.filters.iter().map(|f| f.len() + 8).sum()
                }
                Queued::Request(..) => 0,
            }
    }
}

pub struct OpQueue {
    windowed: Fifo<Queued>,
    other: Fifo<Queued>,
    bytes: usize,
}

impl OpQueue {
    pub fn new() -> Self {
        OpQueue {
            windowed: Fifo::new(),
            other: Fifo::new(),
            bytes: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.windowed.len() + self.other.len()
    }

    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// Whether an operation like `item` must wait behind queued ones to keep its line's order.
    pub fn line_busy(&self, windowed: bool) -> bool {
        if windowed {
            !self.windowed.is_empty()
        } else {
            !self.other.is_empty()
        }
    }

    fn line(&mut self, item: &Queued) -> &mut Fifo<Queued> {
        if item.windowed() {
            &mut self.windowed
        } else {
            &mut self.other
        }
    }

    pub fn push_back(&mut self, item: Queued) {
        self.bytes += item.size();
        self.line(&item).push_back(item);
    }

    /// The topic of the last queued PUBLISH called before `before` that names a topic with
    /// `alias`: sent first, it binds the alias for those after it.
    pub fn topic_of_alias(&self, before: OpId, alias: u16) -> Option<&str> {
        let mut last: Option<(OpId, &str)> = None;
        for line in [&self.windowed, &self.other] {
            for item in line.as_slice() {
                if let Some(Queued::Publish(op, p, _)) = item {
                    let aliased =
                        p.properties.as_ref().and_then(|pp| pp.topic_alias) == Some(alias);
                    if *op < before
                        && aliased
                        && !p.topic.is_empty()
                        && last.is_none_or(|(o, _)| o < *op)
                    {
                        last = Some((*op, &p.topic));
                    }
                }
            }
        }
        last.map(|(_, topic)| topic)
    }

    /// For operations that were in flight on a lost connection: first in their line again.
    pub fn push_front(&mut self, item: Queued) {
        self.bytes += item.size();
        self.line(&item).push_front(item);
    }

    /// The next operation in call order, passing over the QoS 1/2 line when the window is
    /// closed (`window_open` false).
    pub fn pop(&mut self, window_open: bool) -> Option<Queued> {
        let windowed = match (self.windowed.front(), self.other.front()) {
            (Some(w), Some(o)) => window_open && w.op() < o.op(),
            (Some(_), None) => window_open,
            (None, _) => false,
        };
        let item = if windowed {
            self.windowed.pop_front()
        } else {
            self.other.pop_front()
        }?;
        self.bytes -= item.size();
        Some(item)
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;
    use crate::codec::{Subscribe, SubscribeFilter};
    use alloc::string::String;
    use alloc::vec;
    use alloc::vec::Vec;
    use bytes::Bytes;

    fn publish(op: OpId, qos: QoS) -> Queued {
        Queued::Publish(
            op,
            Publish {
                dup: false,
                qos,
                retain: false,
                topic: String::from("t"),
                pkid: 0,
                payload: Bytes::from_static(b"xyz"),
                properties: None,
            },
            None,
        )
    }

    fn subscribe(op: OpId) -> Queued {
        Queued::Request(
            op,
            Packet::Subscribe(Subscribe {
                pkid: 0,
                filters: vec![SubscribeFilter {
                    filter: String::from("a/#"),
                    qos: QoS::AtMostOnce,
                    no_local: false,
                    retain_as_published: false,
                    retain_handling: 0,
                }],
                properties: None,
            }),
        )
    }

    #[test]
    fn call_order_when_open_other_line_passes_when_closed() {
        let mut q = OpQueue::new();
        q.push_back(publish(1, QoS::AtLeastOnce));
        q.push_back(publish(2, QoS::AtMostOnce));
        q.push_back(publish(3, QoS::ExactlyOnce));
        q.push_back(subscribe(4));
        q.push_back(publish(5, QoS::AtLeastOnce));
        assert_eq!(q.bytes(), 4 * (ENTRY_OVERHEAD + 4) + ENTRY_OVERHEAD + 11);
        let mut order: Vec<OpId> = Vec::new();
        order.push(q.pop(true).map(|i| i.op()).unwrap_or(0));
        // Window closed: QoS 0 and the SUBSCRIBE pass, the QoS 2 (op 3) waits.
        while let Some(i) = q.pop(false) {
            order.push(i.op());
        }
        while let Some(i) = q.pop(true) {
            order.push(i.op());
        }
        assert_eq!(order, vec![1, 2, 4, 3, 5]);
        assert_eq!((q.len(), q.bytes()), (0, 0));
    }

    #[test]
    fn push_front_restores_a_line_head() {
        let mut q = OpQueue::new();
        q.push_back(subscribe(7));
        q.push_front(subscribe(3));
        q.push_back(publish(5, QoS::AtLeastOnce));
        let order: Vec<OpId> = core::iter::from_fn(|| q.pop(true).map(|i| i.op())).collect();
        assert_eq!(order, vec![3, 5, 7]);
    }
}
