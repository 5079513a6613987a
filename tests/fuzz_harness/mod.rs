//! What each fuzz target does with its bytes, shared by the cargo-fuzz targets in `fuzz/` and by
//! `tests/fuzz_regressions.rs`, so every corpus file and saved crash stays a plain regression
//! test on stable Rust and under `wasm-pack test --node`.
//!
//! Only the crate's public API is used. Inputs are parsed by hand (no `arbitrary` crate) because
//! the regression test builds against the main crate's dev-dependencies, which we do not extend.

#![allow(dead_code)]

pub mod codec_target;
pub mod engine_target;
pub mod seeds;

/// Reads fuzzer bytes as numbers; past the end every read is 0, so any input is a valid script.
pub struct Input<'a> {
    data: &'a [u8],
}

impl<'a> Input<'a> {
    pub fn new(data: &'a [u8]) -> Input<'a> {
        Input { data }
    }

    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    pub fn u8(&mut self) -> u8 {
        match self.data.split_first() {
            Some((&b, rest)) => {
                self.data = rest;
                b
            }
            None => 0,
        }
    }

    pub fn bool(&mut self) -> bool {
        self.u8() & 1 == 1
    }

    pub fn u16(&mut self) -> u16 {
        u16::from_le_bytes([self.u8(), self.u8()])
    }

    pub fn u32(&mut self) -> u32 {
        u32::from_le_bytes([self.u8(), self.u8(), self.u8(), self.u8()])
    }

    pub fn u64(&mut self) -> u64 {
        (self.u32() as u64) | ((self.u32() as u64) << 32)
    }

    /// Up to `n` bytes (fewer at the end of the input).
    pub fn take(&mut self, n: usize) -> &'a [u8] {
        let (head, rest) = self.data.split_at(n.min(self.data.len()));
        self.data = rest;
        head
    }

    /// A length byte, then that many bytes.
    pub fn short_bytes(&mut self) -> &'a [u8] {
        let n = self.u8() as usize;
        self.take(n)
    }

    pub fn rest(&mut self) -> &'a [u8] {
        core::mem::take(&mut self.data)
    }
}

/// Writes what `Input` reads: the seed scripts are built with it.
#[derive(Default, Clone)]
pub struct Script {
    pub bytes: Vec<u8>,
}

impl Script {
    pub fn u8(mut self, v: u8) -> Script {
        self.bytes.push(v);
        self
    }

    pub fn u16(mut self, v: u16) -> Script {
        self.bytes.extend_from_slice(&v.to_le_bytes());
        self
    }

    pub fn u32(mut self, v: u32) -> Script {
        self.bytes.extend_from_slice(&v.to_le_bytes());
        self
    }

    pub fn u64(mut self, v: u64) -> Script {
        self.bytes.extend_from_slice(&v.to_le_bytes());
        self
    }

    pub fn short_bytes(mut self, b: &[u8]) -> Script {
        let n = b.len().min(255);
        self.bytes.push(n as u8);
        self.bytes.extend_from_slice(&b[..n]);
        self
    }

    pub fn raw(mut self, b: &[u8]) -> Script {
        self.bytes.extend_from_slice(b);
        self
    }
}
