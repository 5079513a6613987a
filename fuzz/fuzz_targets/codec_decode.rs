//! Arbitrary bytes through the stream decoder; the checks live in tests/fuzz_harness.
#![no_main]

#[path = "../../tests/fuzz_harness/mod.rs"]
mod fuzz_harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_harness::codec_target::run(data));
