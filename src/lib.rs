//! mpmqtt core: sans-IO MQTT 3.1.1/5.0 client.
extern crate alloc;

pub mod codec;
pub mod engine;
#[cfg(feature = "clouds")]
pub mod signing;
pub mod wasm;
