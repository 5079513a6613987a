// Instantiates a post-processed wasm module against wasm-bindgen's `--target bundler` shims and
// the flat core's imports the way our loader does, checks that every `wasm.<name>` the shims
// and js-glue/core/flat-core.js use is still exported, and drives one CONNECT out of it. Catches a broken import/export linkage after wasm-opt or an
// export rewrite before it reaches a device.
//
//   node scripts/lib/smoke-instantiate.mjs MODULE.wasm SHIMS.js
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const flatCorePath = fileURLToPath(new URL('../../js-glue/core/flat-core.js', import.meta.url));
const { coreClass, coreImports } = require(flatCorePath);

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

  let exports = null;
  const { instance } = await WebAssembly.instantiate(fs.readFileSync(wasmPath), {
    './mpmqtt_bg.js': { ...coreImports(() => exports), ...shims },
  });
  exports = instance.exports;
  const exported = new Set(Object.keys(instance.exports));
  const uses = (src) => [...src.matchAll(/\bwasm\.([A-Za-z_$][\w$]*)/g)].map((m) => m[1]);
  const used = new Set([...uses(shimSource), ...uses(fs.readFileSync(flatCorePath, 'utf8'))]);
  const missing = [...used].filter((name) => !exported.has(name));
  if (missing.length) throw new Error(`the shims use exports the module lacks: ${missing.join(', ')}`);

  shims.__wbg_set_wasm(instance.exports);
  if (typeof instance.exports.__wbindgen_start === 'function') instance.exports.__wbindgen_start();
  const Core = coreClass(instance.exports);
  const core = new Core({ clientId: 'smoke', protocolVersion: 5, properties: { userProperties: { a: ['1', '2'] } } });
  core.connect(0);
  core.transport_opened(0);
  const connect = core.poll_transmit();
  if (!connect || connect[0] !== 0x10) throw new Error('no CONNECT packet came out of the core');
  core.free();
  console.log(`[build-wasm] smoke: instantiated, ${used.size} exports the JS names all present (coreClass checks the ones it builds by name), CONNECT of ${connect.length} bytes`);
} catch (e) {
  console.error(`[build-wasm] smoke instantiation failed: ${e.message}`);
  process.exitCode = 1;
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
