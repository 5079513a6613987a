#!/usr/bin/env node
'use strict';
/**
 * What the shipped bytes are made of (for docs/performance.md; not part of the table):
 *
 *   node bench/size-composition.js
 *
 * - the core: code bytes per Rust crate, from cargo's wasm before wasm-bindgen/wasm-opt
 *   (build/cargo-target/…/mpmqtt.wasm still has its name section; wasm-opt shrinks the
 *   whole by about half, so read the shares, not the bytes), plus the sections of dist/mqtt.wasm;
 * - the glue: bytes of dist/mqtt.min.js per source file (esbuild's metafile of the same
 *   entry, minified; the shipped bundle's options may differ slightly).
 */
const fs = require('fs');
const path = require('path');

const ROOT = path.resolve(__dirname, '..');

function leb(buf, pos) {
  let result = 0;
  let shift = 0;
  for (;;) {
    const b = buf[pos.i++];
    result += (b & 0x7f) * 2 ** shift;
    if (!(b & 0x80)) return result;
    shift += 7;
  }
}

/** {sections: [{id, name, size}], bodies: [size], names: Map(funcIndex → name), imports: count} */
function parseWasm(buf) {
  const pos = { i: 8 };
  const sections = [];
  const bodies = [];
  const names = new Map();
  let importedFuncs = 0;
  while (pos.i < buf.length) {
    const id = buf[pos.i++];
    const size = leb(buf, pos);
    const start = pos.i;
    let name = ['custom', 'type', 'import', 'function', 'table', 'memory', 'global', 'export', 'start', 'element', 'code', 'data', 'datacount'][id];
    if (id === 0) {
      const p = { i: start };
      const len = leb(buf, p);
      name = 'custom:' + buf.toString('utf8', p.i, p.i + len);
      if (name === 'custom:name') {
        p.i += len;
        while (p.i < start + size) {
          const sub = buf[p.i++];
          const subSize = leb(buf, p);
          const subEnd = p.i + subSize;
          if (sub === 1) {
            const count = leb(buf, p);
            for (let k = 0; k < count; k++) {
              const idx = leb(buf, p);
              const l = leb(buf, p);
              names.set(idx, buf.toString('utf8', p.i, p.i + l));
              p.i += l;
            }
          }
          p.i = subEnd;
        }
      }
    } else if (id === 2) {
      const p = { i: start };
      const count = leb(buf, p);
      for (let k = 0; k < count; k++) {
        p.i += leb(buf, p); // module
        p.i += leb(buf, p); // field
        const kind = buf[p.i++];
        if (kind === 0) {
          leb(buf, p);
          importedFuncs++;
        } else if (kind === 1) {
          p.i++;
          const flags = leb(buf, p);
          leb(buf, p);
          if (flags & 1) leb(buf, p);
        } else if (kind === 2) {
          const flags = leb(buf, p);
          leb(buf, p);
          if (flags & 1) leb(buf, p);
        } else if (kind === 3) p.i += 2;
      }
    } else if (id === 10) {
      const p = { i: start };
      const count = leb(buf, p);
      for (let k = 0; k < count; k++) {
        const s = leb(buf, p);
        bodies.push(s);
        p.i += s;
      }
    }
    sections.push({ id, name, size });
    pos.i = start + size;
  }
  return { sections, bodies, names, importedFuncs };
}

/** The crate a (v0 or legacy) mangled Rust symbol belongs to: its first crate root. */
function crateOf(symbol) {
  if (symbol.startsWith('_R')) {
    const root = /C(?:s[0-9A-Za-z]*_)?(\d+)([A-Za-z_][A-Za-z0-9_]*)/.exec(symbol.slice(2));
    if (root) return root[2].slice(0, Number(root[1]));
  }
  const legacy = /^_ZN(\d+)([A-Za-z_][A-Za-z0-9_]*)/.exec(symbol);
  if (legacy) return legacy[2].slice(0, Number(legacy[1]));
  return '(unmangled: ' + symbol.replace(/[^A-Za-z_].*$/, '').slice(0, 20) + ')';
}

function wasmReport() {
  const shipped = parseWasm(fs.readFileSync(path.join(ROOT, 'dist', 'mqtt.wasm')));
  console.log('dist/mqtt.wasm sections:');
  for (const s of shipped.sections) console.log('  ' + s.name.padEnd(24) + String(s.size).padStart(8) + ' B');
  const rawFile = path.join(ROOT, 'build', 'cargo-target', 'wasm32-unknown-unknown', 'release', 'mpmqtt.wasm');
  if (!fs.existsSync(rawFile)) return console.log('(no ' + path.relative(ROOT, rawFile) + ': run scripts/build-wasm)');
  const raw = parseWasm(fs.readFileSync(rawFile));
  const byCrate = new Map();
  let total = 0;
  raw.bodies.forEach((size, k) => {
    const name = raw.names.get(k + raw.importedFuncs) || '';
    // wasm-bindgen runs and then deletes its descriptor functions: never shipped.
    if (name.startsWith('__wbindgen_describe')) return;
    const crate = crateOf(name);
    byCrate.set(crate, (byCrate.get(crate) || 0) + size);
    total += size;
  });
  console.log('\ncode by crate, cargo output before wasm-opt (' + total + ' B of function bodies):');
  [...byCrate.entries()].sort((a, b) => b[1] - a[1]).slice(0, 14).forEach(([c, s]) => console.log('  ' + c.padEnd(28) + String(s).padStart(8) + ' B  ' + ((s / total) * 100).toFixed(1) + '%'));
  return undefined;
}

/** What the shipped mqtt.min.js files are made of: the same esbuild options as scripts/bundle.js. */
async function jsReport() {
  const esbuild = require('esbuild');
  const { esbuildOptions } = require('../scripts/bundle');
  const wasmDir = path.join(ROOT, 'build', 'wasm');
  for (const [label, platform] of [['mqtt.min.js (universal)', undefined], ['wx/mqtt.min.js (WeChat)', 'wx'], ['my/mqtt.min.js (Alipay)', 'my']]) {
    const result = await esbuild.build(Object.assign(esbuildOptions(path.join(ROOT, 'js-glue', 'index.js'), wasmDir, platform), { metafile: true }));
    const out = Object.values(result.metafile.outputs)[0];
    const rows = Object.entries(out.inputs).map(([file, v]) => [file, v.bytesInOutput]).sort((x, y) => y[1] - x[1]);
    console.log('\n' + label + ' by source file (minified bytes, ' + out.bytes + ' B total):');
    rows.slice(0, 16).forEach(([f, n]) => console.log('  ' + f.padEnd(44) + String(n).padStart(7) + ' B  ' + ((n / out.bytes) * 100).toFixed(1) + '%'));
  }
}

wasmReport();
jsReport().catch((err) => {
  console.error('size-composition: ' + err.message);
  process.exit(1);
});
