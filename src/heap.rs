//! The wasm build's global allocator: one free list per power-of-two size class, fed by a bump
//! pointer over pages taken with `memory.grow`.
//!
//! It replaces std's dlmalloc (~4.6 KB of wasm, docs/decisions.md) for a client whose
//! allocations repeat: the same few packet, event and buffer sizes over and over. A freed block
//! goes back to its class's list and the next allocation of that class takes it, so linear
//! memory stays at the peak the workload reached instead of growing under churn (what the
//! memory benchmark and `scripts/soak` check). Blocks are never split or merged: the cost is
//! up to 2x per block (rounding to a power of two) and a class's peak staying reserved for that
//! class. WebAssembly cannot give pages back, so dlmalloc kept the peak too.
//!
//! Single-threaded only (wasm32 without the `atomics` feature, which is how the core is built):
//! the state lives in an `UnsafeCell` with no lock.

#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
pub use wasm::Heap;

/// The smallest block, 2^4 = 16 bytes: room for the free-list link and 16-byte alignment.
const MIN_SHIFT: usize = 4;
/// Classes 2^4 ..= 2^31 bytes; larger requests fail (more than wasm32 memory can hold anyway).
const CLASSES: usize = 32 - MIN_SHIFT;
/// Every block is aligned to 16 bytes (blocks are multiples of 16 carved from 64 KiB pages).
const MAX_ALIGN: usize = 1 << MIN_SHIFT;

/// The size class serving `size` bytes at `align`: blocks of `1 << (class + 4)` bytes. `None`
/// for alignments above 16 bytes (no type of this crate or its dependencies needs more) and
/// sizes above 2 GiB; the allocation then fails.
pub fn class_of(size: usize, align: usize) -> Option<usize> {
    if align > MAX_ALIGN {
        return None;
    }
    let size = size.max(MAX_ALIGN);
    // ceil(log2(size)), without overflow for sizes near usize::MAX.
    let bits = (usize::BITS - (size - 1).leading_zeros()) as usize;
    let class = bits - MIN_SHIFT;
    (class < CLASSES).then_some(class)
}

/// The size of a class's blocks.
pub fn block_size(class: usize) -> usize {
    1 << (class + MIN_SHIFT)
}

#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
mod wasm {
    use super::{block_size, class_of, CLASSES};
    use core::alloc::{GlobalAlloc, Layout};
    use core::cell::UnsafeCell;
    use core::ptr::null_mut;

    const PAGE: usize = 65_536;

    pub struct Heap {
        state: UnsafeCell<State>,
    }

    struct State {
        /// Head of each class's free list; a free block's first word links to the next one.
        free: [*mut u8; CLASSES],
        /// The unused tail of the last pages grown: `next..end`.
        next: usize,
        end: usize,
    }

    // SAFETY: the core is built for wasm32 without threads (see the module docs and the cfg on the
    // `#[global_allocator]` in lib.rs), so the state is never reached from two threads.
    unsafe impl Sync for Heap {}

    impl Heap {
        pub const fn new() -> Heap {
            Heap {
                state: UnsafeCell::new(State {
                    free: [null_mut(); CLASSES],
                    next: 0,
                    end: 0,
                }),
            }
        }
    }

    impl Default for Heap {
        fn default() -> Heap {
            Heap::new()
        }
    }

    impl State {
        /// A fresh block of `size` bytes (a power of two ≥ 16) from the bump region, growing
        /// memory when the region is too small; null when memory cannot grow.
        fn carve(&mut self, size: usize) -> *mut u8 {
            while self.end - self.next < size {
                let pages = (size - (self.end - self.next)).div_ceil(PAGE);
                let old = core::arch::wasm32::memory_grow(0, pages);
                if old == usize::MAX {
                    return null_mut();
                }
                // Contiguous with the region unless something else grew memory in between; then
                // the old tail is abandoned and the loop checks the new region alone.
                if old * PAGE != self.end {
                    self.next = old * PAGE;
                }
                self.end = (old + pages) * PAGE;
            }
            let block = self.next;
            self.next += size;
            block as *mut u8
        }
    }

    unsafe impl GlobalAlloc for Heap {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            let Some(class) = class_of(layout.size(), layout.align()) else {
                return null_mut();
            };
            // SAFETY: single-threaded (see `Sync` above) and never re-entered: nothing here
            // allocates.
            let s = unsafe { &mut *self.state.get() };
            let head = s.free[class];
            if head.is_null() {
                return s.carve(block_size(class));
            }
            // SAFETY: `head` is a free block of this class, whose first word `dealloc` wrote.
            s.free[class] = unsafe { *(head as *mut *mut u8) };
            head
        }

        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            // `ptr` came from `alloc` with this layout, so the class exists.
            if let Some(class) = class_of(layout.size(), layout.align()) {
                // SAFETY: as in `alloc`; the block is ours again and ≥ 16 bytes, 16-aligned.
                let s = unsafe { &mut *self.state.get() };
                unsafe { *(ptr as *mut *mut u8) = s.free[class] };
                s.free[class] = ptr;
            }
        }

        unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
            let align = layout.align();
            if class_of(new_size, align) == class_of(layout.size(), align) {
                // Still fits its block (a Vec growing within its power of two, or shrinking a bit).
                return ptr;
            }
            // SAFETY: the caller guarantees `new_size`, rounded up to `align`, fits an isize.
            let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, align) };
            let new = unsafe { self.alloc(new_layout) };
            if !new.is_null() {
                // SAFETY: both blocks are ours, distinct, and at least this long.
                unsafe {
                    core::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
                    self.dealloc(ptr, layout);
                }
            }
            new
        }
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn classes_round_up_to_powers_of_two_from_16() {
        assert_eq!(class_of(1, 1), Some(0));
        assert_eq!(class_of(16, 8), Some(0));
        assert_eq!(class_of(17, 1), Some(1));
        assert_eq!(class_of(32, 4), Some(1));
        assert_eq!(class_of(33, 4), Some(2));
        assert_eq!(block_size(2), 64);
        assert_eq!(class_of(1 << 31, 1), Some(CLASSES - 1));
        assert_eq!(block_size(CLASSES - 1), 1 << 31);
    }

    #[test]
    fn refuses_over_alignment_and_huge_sizes() {
        assert_eq!(class_of(8, 32), None);
        assert_eq!(class_of((1 << 31) + 1, 1), None);
        assert_eq!(class_of(usize::MAX, 1), None);
    }

    /// The allocator the wasm tests themselves run on: churn must reuse blocks, not grow.
    #[cfg(target_arch = "wasm32")]
    #[test]
    fn churn_reuses_memory_and_realloc_keeps_contents() {
        use alloc::boxed::Box;
        use alloc::vec::Vec;

        // ~4 MiB of mixed sizes and a Vec grown by reallocation: a leak grows memory each time.
        fn round() {
            let mut boxes: Vec<Box<[u8]>> = Vec::new();
            for i in 0..2000 {
                let len = 1 + (i * 37) % 3000;
                boxes.push(alloc::vec![(i % 251) as u8; len].into_boxed_slice());
            }
            let mut grown = Vec::new();
            for i in 0..100_000u32 {
                grown.push(i);
            }
            assert!(grown.iter().enumerate().all(|(i, v)| *v == i as u32));
            for (i, b) in boxes.iter().enumerate() {
                assert!(b.iter().all(|x| *x == (i % 251) as u8));
            }
        }

        round();
        let pages = core::arch::wasm32::memory_size(0);
        for _ in 0..30 {
            round();
        }
        assert_eq!(core::arch::wasm32::memory_size(0), pages);
    }
}
