//! The QoS 1/2 PUBLISHes awaiting acknowledgement, kept in send order.
//!
//! A `VecDeque` instead of a `BTreeMap<u16, _>`: the map's node machinery cost about 6 KB of
//! wasm (docs/performance.md), and keeping entries in send order makes the resend after a
//! reconnect [MQTT-4.4.0-1] and the failure order a plain walk, with no sort. Brokers
//! acknowledge in order almost always, so the entry sought is found at the front and leaves
//! with `pop_front`; an out-of-order acknowledgement costs a scan, as `SmallMap` lookups do.
//!
//! Entries are boxed: a deque grows by doubling and keeps its peak capacity, so unboxed
//! PUBLISHes (~130 bytes each on wasm32) would hold up to twice the memory of those in flight
//! (and three times while growing); boxed, the deque itself is 8 bytes an entry and each
//! PUBLISH is freed when acknowledged, as with the `BTreeMap`.

use alloc::boxed::Box;
use alloc::collections::VecDeque;
use alloc::vec::Vec;

pub struct InFlight<T> {
    entries: VecDeque<(u16, Box<T>)>,
}

impl<T> InFlight<T> {
    pub fn new() -> Self {
        InFlight {
            entries: VecDeque::new(),
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    fn position(&self, pkid: u16) -> Option<usize> {
        self.entries.iter().position(|(id, _)| *id == pkid)
    }

    pub fn get(&self, pkid: u16) -> Option<&T> {
        self.position(pkid).map(|i| &*self.entries[i].1)
    }

    pub fn get_mut(&mut self, pkid: u16) -> Option<&mut T> {
        let i = self.position(pkid)?;
        Some(&mut self.entries[i].1)
    }

    /// Appends a newly sent entry; its id must not be in flight already (the id allocator
    /// guarantees that for every caller).
    pub fn push(&mut self, pkid: u16, value: T) {
        debug_assert!(self.position(pkid).is_none());
        self.entries.push_back((pkid, Box::new(value)));
    }

    pub fn remove(&mut self, pkid: u16) -> Option<T> {
        let i = self.position(pkid)?;
        self.entries.remove(i).map(|(_, v)| *v)
    }

    /// The id of the first entry, in send order, that `pick` chooses.
    pub fn first_id(&self, pick: impl Fn(&T) -> bool) -> Option<u16> {
        self.entries
            .iter()
            .find(|(_, v)| pick(v))
            .map(|(id, _)| *id)
    }

    /// The ids in send order.
    pub fn ids(&self) -> Vec<u16> {
        self.entries.iter().map(|(id, _)| *id).collect()
    }

    /// Every entry in send order, leaving the table empty.
    pub fn take_all(&mut self) -> VecDeque<(u16, Box<T>)> {
        core::mem::take(&mut self.entries)
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn keeps_send_order_across_removals() {
        let mut t: InFlight<&str> = InFlight::new();
        t.push(7, "a");
        t.push(3, "b");
        t.push(9, "c");
        t.push(1, "d");
        assert_eq!(t.remove(9), Some("c"));
        assert_eq!(t.remove(9), None);
        *t.get_mut(3).unwrap() = "B";
        assert_eq!(t.get(3), Some(&"B"));
        assert_eq!(t.get(9), None);
        assert_eq!(t.ids(), [7, 3, 1]);
        assert_eq!(t.remove(7), Some("a"));
        t.push(7, "e");
        assert_eq!(t.len(), 3);
        let all: Vec<_> = t.take_all().into_iter().map(|(id, v)| (id, *v)).collect();
        assert_eq!(all, [(3, "B"), (1, "d"), (7, "e")]);
        assert_eq!(t.len(), 0);
    }
}
