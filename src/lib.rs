//! mpmqtt core: sans-IO MQTT 3.1.1/5.0 client.
extern crate alloc;

pub mod codec;
pub mod engine;
pub mod heap;
#[cfg(feature = "clouds")]
pub mod signing;
pub mod wasm;

// The core is single-threaded wasm (no `atomics`), which `heap::Heap` relies on.
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
#[global_allocator]
static HEAP: heap::Heap = heap::Heap::new();
