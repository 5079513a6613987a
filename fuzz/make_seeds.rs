//! Writes the seed corpus: `cargo run --manifest-path fuzz/Cargo.toml --example make_seeds`
//! (or `scripts/fuzz seeds`, which also refreshes the test index).
//!
//! fuzz/corpus/<target>/ is rewritten from scratch: it holds only what this program makes, so
//! it stays small and reviewable. Inputs worth keeping from a fuzzing run go to
//! fuzz/regressions/<target>/ instead.

#[path = "../tests/fuzz_harness/mod.rs"]
mod fuzz_harness;

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use fuzz_harness::{codec_target, seeds};
use mpmqtt::codec::ProtocolVersion;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut codec = seeds::codec_seeds();
    codec.extend(vector_seeds(
        &root.join("../tests/fixtures/mqtt_packet_vectors.json"),
    ));
    write(&root.join("corpus/codec_decode"), &codec);
    write(&root.join("corpus/engine"), &seeds::engine_seeds());
}

fn write(dir: &Path, seeds: &[(String, Vec<u8>)]) {
    if dir.exists() {
        fs::remove_dir_all(dir).expect("clear the old seeds");
    }
    fs::create_dir_all(dir).expect("create the corpus directory");
    for (name, bytes) in seeds {
        fs::write(dir.join(name), bytes).expect("write a seed");
    }
    println!("{}: {} seeds", dir.display(), seeds.len());
}

/// MQTT.js' mqtt-packet test vectors: valid packets joined into one stream per version and
/// packet family, and one malformed packet per version and packet type.
fn vector_seeds(path: &Path) -> Vec<(String, Vec<u8>)> {
    let text = fs::read_to_string(path).expect("read the packet vectors");
    let json: serde_json::Value = serde_json::from_str(&text).expect("packet vectors are JSON");
    let vectors = json["vectors"].as_array().expect("a vectors array");
    let mut streams: BTreeMap<String, (u64, Vec<u8>)> = BTreeMap::new();
    let mut errors: BTreeMap<String, (u64, Vec<u8>)> = BTreeMap::new();
    for v in vectors {
        let (Some(hex), Some(level)) = (v["bytes"].as_str(), v["version"].as_u64()) else {
            continue;
        };
        let bytes = unhex(hex);
        let Some(&first) = bytes.first() else {
            continue;
        };
        let kind = first >> 4;
        match v["kind"].as_str() {
            Some("parse_error") => {
                errors
                    .entry(format!("vector-error-v{level}-type{kind}"))
                    .or_insert((level, bytes));
            }
            Some("parse" | "parse_generate") => {
                let family = match kind {
                    1 | 2 => "connect",
                    3..=7 => "publish",
                    _ => "control",
                };
                let entry = streams
                    .entry(format!("vector-stream-v{level}-{family}"))
                    .or_insert((level, Vec::new()));
                entry.1.extend_from_slice(&bytes);
            }
            _ => {}
        }
    }
    streams
        .into_iter()
        .chain(errors)
        .filter_map(|(name, (level, stream))| {
            let version = ProtocolVersion::from_level(level as u8)?;
            let mut seed = vec![codec_target::config(version, 3)];
            seed.extend_from_slice(&(stream.len() as u32).to_le_bytes());
            seed.extend_from_slice(&stream);
            Some((name, seed))
        })
        .collect()
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .filter_map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).ok())
        .collect()
}
