//! A first-in first-out queue over a `Vec` with a moving start, for the event queue and the
//! queue of operations waiting for a connection. `VecDeque` would do, but its ring-buffer
//! code is compiled once per element type, about half a kilobyte of wasm each.

use alloc::vec::Vec;

pub struct Fifo<T> {
    /// Items before `head` were taken from the front and are `None`.
    items: Vec<Option<T>>,
    head: usize,
}

impl<T> Fifo<T> {
    pub fn new() -> Self {
        Fifo {
            items: Vec::new(),
            head: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.items.len() - self.head
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn push_back(&mut self, item: T) {
        self.items.push(Some(item));
    }

    /// Puts `item` first; reuses the slot the last `pop_front` freed when there is one.
    pub fn push_front(&mut self, item: T) {
        if self.head > 0 {
            self.head -= 1;
            self.items[self.head] = Some(item);
        } else {
            self.items.insert(0, Some(item));
        }
    }

    /// The items, first to last (`None` for none: taken already).
    pub fn as_slice(&self) -> &[Option<T>] {
        &self.items[self.head..]
    }

    pub fn front(&self) -> Option<&T> {
        self.items.get(self.head)?.as_ref()
    }

    pub fn pop_front(&mut self) -> Option<T> {
        let item = self.items.get_mut(self.head)?.take();
        self.head += 1;
        if self.head == self.items.len() {
            // Drained, the usual case after each poll: keep the buffer for the next items.
            self.items.clear();
            self.head = 0;
        } else if self.head * 2 >= self.items.len() {
            // Never fully drained: drop the emptied front once it is half the buffer, so
            // memory and the time per item stay bounded.
            self.items = self.items.split_off(self.head);
            self.head = 0;
        }
        item
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn matches_a_deque() {
        use alloc::collections::VecDeque;
        let mut f: Fifo<u32> = Fifo::new();
        let mut model: VecDeque<u32> = VecDeque::new();
        for step in 0..3000u32 {
            match step % 5 {
                0..=2 => {
                    f.push_back(step);
                    model.push_back(step);
                }
                3 => {
                    f.push_front(step);
                    model.push_front(step);
                }
                _ => {
                    for _ in 0..(step % 7) {
                        assert_eq!(f.pop_front(), model.pop_front());
                    }
                }
            }
            assert_eq!(f.len(), model.len());
            assert_eq!(f.is_empty(), model.is_empty());
            assert_eq!(f.front(), model.front());
        }
        while let Some(v) = model.pop_front() {
            assert_eq!(f.pop_front(), Some(v));
        }
        assert_eq!(f.pop_front(), None);
        assert!(f.is_empty());
    }
}
