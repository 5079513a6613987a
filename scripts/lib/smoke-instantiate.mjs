// Instantiates a post-processed wasm module against wasm-bindgen's `--target bundler` shims the
// way a bundler (and our mini-program loader) does, and checks that every `wasm.<name>` the
// shims use is still exported. Catches a broken import/export linkage after wasm-opt or an
// export rewrite before it reaches a device.
//
//   node scripts/lib/smoke-instantiate.mjs MODULE.wasm SHIMS.js
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [wasmPath, shimPath] = process.argv.slice(2);
if (!wasmPath || !shimPath) {
  console.error('usage: smoke-instantiate.mjs MODULE.wasm SHIMS.js');
  process.exit(2);
}

// The shims are an ES module with a .js name; Node would load that as CommonJS here.
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mpmqtt-smoke-'));
try {
  const shimSource = fs.readFileSync(shimPath, 'utf8');
  const shimCopy = path.join(dir, 'mpmqtt_bg.mjs');
  fs.writeFileSync(shimCopy, shimSource);
  const shims = await import(pathToFileURL(shimCopy).href);
  if (typeof shims.__wbg_set_wasm !== 'function') throw new Error('the shims export no __wbg_set_wasm');

  const { instance } = await WebAssembly.instantiate(fs.readFileSync(wasmPath), {
    './mpmqtt_bg.js': shims,
  });
  const exported = new Set(Object.keys(instance.exports));
  const used = new Set([...shimSource.matchAll(/\bwasm\.([A-Za-z_$][\w$]*)/g)].map((m) => m[1]));
  const missing = [...used].filter((name) => !exported.has(name));
  if (missing.length) throw new Error(`the shims use exports the module lacks: ${missing.join(', ')}`);

  shims.__wbg_set_wasm(instance.exports);
  if (typeof instance.exports.__wbindgen_start === 'function') instance.exports.__wbindgen_start();
  console.log(`[build-wasm] smoke: instantiated, ${used.size} exports used by the shims all present`);
} catch (e) {
  console.error(`[build-wasm] smoke instantiation failed: ${e.message}`);
  process.exitCode = 1;
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
