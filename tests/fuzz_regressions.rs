//! Replays the fuzz corpus and every saved crash through the fuzz targets' own harness
//! (tests/fuzz_harness), so they stay regression tests on stable Rust and under
//! `wasm-pack test --node`.
//!
//! The inputs are embedded with `include_bytes!` through fuzz/corpus_index.rs, which
//! `scripts/fuzz index` regenerates (wasm tests cannot read files). Natively the directories
//! are also read, so a file added without refreshing the index is still replayed, and the test
//! says the index is stale.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

mod fuzz_harness;

mod index {
    include!("../fuzz/corpus_index.rs");
}

use fuzz_harness::{codec_target, engine_target, seeds};

const TARGETS: [&str; 2] = ["codec_decode", "engine"];

fn replay(target: &str, name: &str, bytes: &[u8]) {
    // The name shows in the captured output of a failing test: it says which input broke.
    println!("replaying {target}/{name} ({} bytes)", bytes.len());
    match target {
        "codec_decode" => codec_target::run(bytes),
        "engine" => {
            engine_target::run(bytes);
        }
        other => panic!("{name}: no fuzz target named {other}"),
    }
}

#[test]
fn embedded_corpus_and_regressions_replay() {
    for target in TARGETS {
        assert!(
            index::FILES
                .iter()
                .any(|(t, path, _)| *t == target && path.starts_with("corpus/")),
            "no corpus for {target} in fuzz/corpus_index.rs"
        );
    }
    for (target, path, bytes) in index::FILES {
        replay(target, path, bytes);
    }
}

#[test]
fn generated_seeds_replay() {
    for (name, bytes) in seeds::codec_seeds() {
        replay("codec_decode", &name, &bytes);
    }
    for (name, bytes) in seeds::engine_seeds() {
        replay("engine", &name, &bytes);
    }
}

/// The seeds must reach deep states, or the fuzzer starts from the handshake every time.
#[test]
fn engine_seeds_connect_and_operate() {
    for (name, bytes) in seeds::engine_seeds() {
        let summary = engine_target::run(&bytes);
        println!("{name}: {summary:?}");
        assert!(summary.connections > 0, "{name}: never connects");
        assert!(summary.ops > 0, "{name}: no operation issued");
    }
}

#[cfg(not(target_arch = "wasm32"))]
#[test]
fn every_file_on_disk_replays_and_is_embedded() {
    use std::path::Path;
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut stale = Vec::new();
    for kind in ["corpus", "regressions"] {
        for target in TARGETS {
            let Ok(dir) = std::fs::read_dir(root.join(kind).join(target)) else {
                continue;
            };
            let mut files: Vec<_> = dir.filter_map(Result::ok).map(|e| e.path()).collect();
            files.sort();
            for file in files {
                let name = file
                    .file_name()
                    .and_then(|n| n.to_str())
                    .unwrap_or_default();
                let rel = format!("{kind}/{target}/{name}");
                let bytes = std::fs::read(&file).expect("read a fuzz input");
                replay(target, &rel, &bytes);
                match index::FILES.iter().find(|(_, p, _)| *p == rel) {
                    Some((_, _, embedded)) if *embedded == bytes.as_slice() => {}
                    _ => stale.push(rel),
                }
            }
        }
    }
    assert!(
        stale.is_empty(),
        "fuzz/corpus_index.rs is stale, run `scripts/fuzz index`: {stale:?}"
    );
}
