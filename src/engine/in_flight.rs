//! The QoS 1/2 PUBLISHes awaiting acknowledgement, kept in send order.
//!
//! A list in send order instead of a `BTreeMap<u16, _>`: the map's node machinery cost about
//! 6 KB of wasm (docs/performance.md), and keeping entries in send order makes the resend
//! after a reconnect [MQTT-4.4.0-1] and the failure order a plain walk, with no sort. Brokers
//! acknowledge in order almost always, so the entry sought is found at the front and leaves
//! by moving the start of the list; an out-of-order acknowledgement costs a scan, as
//! `SmallMap` lookups do.
//!
//! Entries are boxed: the list grows by doubling, so unboxed PUBLISHes (~130 bytes each on
//! wasm32) would hold up to twice the memory of those in flight (and three times while
//! growing); boxed, the list itself is 8 bytes an entry and each PUBLISH is freed when
//! acknowledged, as with the `BTreeMap`.

use alloc::boxed::Box;
use alloc::vec::Vec;

pub struct InFlight<T> {
    /// In send order. Entries before `head` were taken from the front and are empty: a `Vec`
    /// with a moving start instead of a `VecDeque`, whose ring-buffer code cost about 1 KB of
    /// wasm for this one element type.
    entries: Vec<(u16, Option<Box<T>>)>,
    head: usize,
}

impl<T> InFlight<T> {
    pub fn new() -> Self {
        InFlight {
            entries: Vec::new(),
            head: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len() - self.head
    }

    fn position(&self, pkid: u16) -> Option<usize> {
        let i = self.entries[self.head..]
            .iter()
            .position(|(id, _)| *id == pkid)?;
        Some(self.head + i)
    }

    pub fn get(&self, pkid: u16) -> Option<&T> {
        self.entries[self.position(pkid)?].1.as_deref()
    }

    pub fn get_mut(&mut self, pkid: u16) -> Option<&mut T> {
        let i = self.position(pkid)?;
        self.entries[i].1.as_deref_mut()
    }

    /// Appends a newly sent entry; its id must not be in flight already (the id allocator
    /// guarantees that for every caller).
    pub fn push(&mut self, pkid: u16, value: T) {
        debug_assert!(self.position(pkid).is_none());
        self.entries.push((pkid, Some(Box::new(value))));
    }

    pub fn remove(&mut self, pkid: u16) -> Option<T> {
        let i = self.position(pkid)?;
        let value = if i == self.head {
            self.head += 1;
            let value = self.entries[i].1.take();
            // The emptied front is dropped once it is half the table, which keeps both the
            // memory and the time per removal bounded while acknowledgements keep coming.
            if self.head * 2 >= self.entries.len() {
                self.entries = self.entries.split_off(self.head);
                self.head = 0;
            }
            value
        } else {
            self.entries.remove(i).1
        };
        value.map(|v| *v)
    }

    /// The id of the first entry, in send order, that `pick` chooses.
    pub fn first_id(&self, pick: impl Fn(&T) -> bool) -> Option<u16> {
        self.entries[self.head..]
            .iter()
            .find(|(_, v)| v.as_deref().is_some_and(&pick))
            .map(|(id, _)| *id)
    }

    /// The ids in send order.
    pub fn ids(&self) -> Vec<u16> {
        // A loop: `map().collect()` cost 160 bytes of wasm more.
        let mut ids = Vec::new();
        for (id, _) in &self.entries[self.head..] {
            ids.push(*id);
        }
        ids
    }

    /// Every entry in send order, leaving the table empty. Entries taken from the front
    /// are `None`.
    pub fn take_all(&mut self) -> Vec<(u16, Option<Box<T>>)> {
        self.head = 0;
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
        let all: Vec<_> = t
            .take_all()
            .into_iter()
            .filter_map(|(id, v)| Some((id, *v?)))
            .collect();
        assert_eq!(all, [(3, "B"), (1, "d"), (7, "e")]);
        assert_eq!(t.len(), 0);
    }

    #[test]
    fn matches_a_deque_under_churn() {
        use alloc::collections::VecDeque;
        let mut t: InFlight<u32> = InFlight::new();
        let mut model: VecDeque<(u16, u32)> = VecDeque::new();
        let mut next = 1u16;
        for step in 0..2000u32 {
            // Mostly in-order acknowledgements, some out of order, the table never empty long.
            if step % 3 != 2 {
                t.push(next, step);
                model.push_back((next, step));
                next = next.wrapping_add(1).max(1);
            }
            if step % 2 == 1 && !model.is_empty() {
                let at = if step % 7 == 0 { model.len() / 2 } else { 0 };
                let (id, v) = model.remove(at).unwrap();
                assert_eq!(t.remove(id), Some(v));
                assert_eq!(t.remove(id), None);
            }
            assert_eq!(t.len(), model.len());
            if let Some(&(id, v)) = model.front() {
                assert_eq!(t.get(id), Some(&v));
            }
        }
        assert_eq!(t.ids(), model.iter().map(|(id, _)| *id).collect::<Vec<_>>());
        for (id, v) in model {
            assert_eq!(t.remove(id), Some(v));
        }
        assert_eq!(t.len(), 0);
    }
}
