'use strict';
/**
 * Who copies the fixed bytes of a 16 B packet (issue #23): every memmove/memcpy the core makes
 * and every typed-array copy the glue makes for one 16 B publish (QoS 0, QoS 1) and one
 * received 16 B message (QoS 0, QoS 1), grouped by the function that called memmove.
 *
 *   node bench/copy-callers.js [--cold] [core.wasm]
 *
 * `core.wasm` is cargo's output for the `core` variant, before wasm-bindgen and wasm-opt strip
 * its name section (default build/cargo-target/wasm32-unknown-unknown/release/mpmqtt.wasm; the
 * WeChat variant is built last by scripts/build-wasm, so build the core one on its own first:
 * see docs/performance.md, "Copies"). The glue is dist/mqtt.min.js, which must come from the
 * same source. The figures are the ones bench/copies.js counts on dist/mqtt.wasm (the script
 * prints both totals): wasm-opt does not add or remove memmove calls.
 */
const fs = require('fs');
const path = require('path');
const { countingClient, counter } = require('./lib/copies');
const { exportRenames, renameExports } = require('../scripts/lib/short-exports');

const DEFAULT = path.join(__dirname, '..', 'build', 'cargo-target', 'wasm32-unknown-unknown', 'release', 'mpmqtt.wasm');

/**
 * The identifiers of a Rust v0 symbol (`_RNvMNtNtCs…_6mpmqtt6engine8outbound…`), joined by
 * `::` without the crate: enough to name the function, no full demangler.
 */
function readable(symbol) {
  if (!symbol.startsWith('_R')) return symbol;
  // Crate disambiguators (`Cs<base62>_`) and back-references (`B<base62>_`) hold digits
  // that would read as lengths.
  const s = symbol.slice(2).replace(/Cs[0-9A-Za-z]*_/g, 'C').replace(/B[0-9A-Za-z]*_/g, 'B');
  const names = [];
  for (let i = 0; i < s.length; ) {
    const m = /^\d+/.exec(s.slice(i));
    if (!m) {
      i++;
      continue;
    }
    const start = i + m[0].length;
    const ident = s.slice(start, start + Number(m[0]));
    if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(ident)) {
      names.push(ident);
      i = start + ident.length;
    } else i = start;
  }
  return names.filter((n) => !['mpmqtt', 'alloc', 'core'].includes(n)).join('::');
}

/** The function a stack line names: a wasm frame's name section entry, or the JS function. */
function frameName(line) {
  const m = /^\s*at (?:async )?(.*?) \(/.exec(line) || /^\s*at (.*)$/.exec(line);
  return readable((m ? m[1] : line.trim()).replace(/^mpmqtt\.wasm\./, ''));
}

const PLUMBING = /^(memmove|memcpy|mq_count|(Uint8Array|TypedArray|ArrayBuffer)\.|.*\.(set|slice)$|note$)/;

/** The first frame that is not the copy itself: who asked for it, and the chain above. */
function callerOf(entry) {
  const names = entry.stack.map(frameName).filter((n) => !PLUMBING.test(n));
  return { caller: names[0] || '?', chain: names.slice(0, 6).join(' < ') };
}

function report(title, trace) {
  const groups = new Map();
  let total = 0;
  for (const e of trace) {
    const { caller, chain } = callerOf(e);
    const key = e.side + ' ' + caller;
    const g = groups.get(key) || { bytes: 0, calls: 0, sizes: new Map(), chain };
    g.bytes += e.len;
    g.calls++;
    g.sizes.set(e.len, (g.sizes.get(e.len) || 0) + 1);
    groups.set(key, g);
    total += e.len;
  }
  console.log('\n## ' + title + ': ' + total + ' B in ' + trace.length + ' copies');
  console.log('| bytes | copies (size × n) | side, caller | chain |');
  console.log('|--:|:--|:--|:--|');
  for (const [key, g] of [...groups].sort((a, b) => b[1].bytes - a[1].bytes)) {
    const sizes = [...g.sizes].map(([len, n]) => len + (n > 1 ? '×' + n : '')).join(', ');
    console.log('| ' + g.bytes + ' | ' + sizes + ' | ' + key + ' | ' + g.chain + ' |');
  }
  return total;
}

async function main() {
  const file = path.resolve(process.argv.slice(2).find((a) => !a.startsWith('--')) || DEFAULT);
  // dist/mqtt.min.js calls the exports by the short names scripts/bundle.js gives them.
  const raw = fs.readFileSync(file);
  const c = await countingClient({}, renameExports(raw, exportRenames(raw)));
  try {
    // Warm up each path once: a first call may grow a container, which later calls do not
    // (`--cold` leaves that out, as bench/copies.js measures).
    for (const qos of process.argv.includes('--cold') ? [] : [0, 1]) {
      await c.publish(16, qos);
      await c.receive(16, qos, 1);
    }
    for (const qos of [0, 1]) {
      counter.trace = [];
      await c.publish(16, qos);
      report('publish QoS ' + qos + ', 16 B', counter.trace);
      counter.trace = [];
      await c.receive(16, qos, 1);
      report('receive QoS ' + qos + ', 16 B in one message', counter.trace);
    }
  } finally {
    counter.trace = null;
    await c.end();
  }
  if (!counter.loaded) throw new Error('the counting core was not the one loaded');
  console.log('\n(' + path.relative(process.cwd(), file) + '; totals include the 16 payload bytes)');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
