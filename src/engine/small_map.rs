//! An insertion-ordered map over a `Vec`, for the engine's small tables (requests awaiting
//! SUBACK/UNSUBACK, topic aliases). Linear search beats `BTreeMap` here: the
//! tables hold a handful of entries, and each `BTreeMap` instantiation costs kilobytes of
//! wasm that WeChat pages pay for (docs/performance.md).

use alloc::vec::Vec;

pub struct SmallMap<K, V> {
    entries: Vec<(K, V)>,
}

impl<K: PartialEq, V> SmallMap<K, V> {
    pub fn new() -> Self {
        SmallMap {
            entries: Vec::new(),
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn get<Q: PartialEq<K> + ?Sized>(&self, key: &Q) -> Option<&V> {
        self.entries.iter().find(|(k, _)| key == k).map(|(_, v)| v)
    }

    /// Replaces the value of an existing key in place (its position is kept).
    pub fn insert(&mut self, key: K, value: V) {
        match self.entries.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = value,
            None => self.entries.push((key, value)),
        }
    }

    pub fn remove<Q: PartialEq<K> + ?Sized>(&mut self, key: &Q) -> Option<V> {
        let i = self.entries.iter().position(|(k, _)| key == k)?;
        Some(self.entries.remove(i).1)
    }

    /// The value of `key`, its entry moved last: kept in order of use, the map's first
    /// entry is then its least recently used.
    pub fn touch<Q: PartialEq<K> + ?Sized>(&mut self, key: &Q) -> Option<&V> {
        let i = self.entries.iter().position(|(k, _)| key == k)?;
        let entry = self.entries.remove(i);
        self.entries.push(entry);
        self.entries.last().map(|(_, v)| v)
    }

    /// Removes the first entry (the oldest inserted, or the least recently touched).
    pub fn pop_first(&mut self) -> Option<(K, V)> {
        (!self.entries.is_empty()).then(|| self.entries.remove(0))
    }

    pub fn retain(&mut self, mut keep: impl FnMut(&K, &V) -> bool) {
        self.entries.retain(|(k, v)| keep(k, v));
    }

    /// The key of the first entry holding `value`.
    pub fn key_of(&self, value: &V) -> Option<&K>
    where
        V: PartialEq,
    {
        self.entries
            .iter()
            .find(|(_, v)| v == value)
            .map(|(k, _)| k)
    }

    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.entries.iter().map(|(_, v)| v)
    }

    /// All entries in insertion order, leaving the map empty. The pairs, not just the
    /// values: collecting into a new `Vec` cost half a kilobyte of wasm.
    pub fn take_all(&mut self) -> Vec<(K, V)> {
        core::mem::take(&mut self.entries)
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;
    use alloc::string::String;

    #[test]
    fn insert_replaces_in_place_and_keeps_order() {
        let mut m: SmallMap<String, u16> = SmallMap::new();
        m.insert("a".into(), 1);
        m.insert("b".into(), 2);
        m.insert("a".into(), 3);
        assert_eq!(m.values().copied().collect::<Vec<_>>(), [3, 2]);
        assert_eq!(m.get("a"), Some(&3));
        assert_eq!(m.remove("a"), Some(3));
        assert_eq!(m.remove("a"), None);
        assert_eq!(m.len(), 1);
        assert_eq!(m.take_all(), [("b".into(), 2)]);
        assert_eq!(m.len(), 0);
    }

    #[test]
    fn touch_moves_an_entry_last_so_the_first_is_least_recently_used() {
        let mut m: SmallMap<String, u16> = SmallMap::new();
        for (k, v) in [("a", 1), ("b", 2), ("c", 3)] {
            m.insert(k.into(), v);
        }
        assert_eq!(m.touch("a"), Some(&1));
        assert_eq!(m.touch("z"), None);
        assert_eq!(m.values().copied().collect::<Vec<_>>(), [2, 3, 1]);
        assert_eq!(m.pop_first(), Some(("b".into(), 2)));
        m.take_all();
        assert_eq!(m.pop_first(), None);
    }
}
