'use strict';
/**
 * Runs the JavaScriptCore shell's scripts (bench/jitless.js) in Node, for `node --jitless`:
 * a fresh vm context with what the jsc shell gives them (print, quit, read, setTimeout,
 * fullGC, gcHeapSize), the scripts evaluated in order as the shell would. Started as
 *
 *   node --jitless --expose-gc bench/lib/vm-host.js script.js...
 *
 * The context has its own builtins; nothing of Node (process, require, Buffer) is visible
 * to the scripts, as on a mini-program page.
 */
const fs = require('fs');
const vm = require('vm');

function main(files) {
  const context = vm.createContext({
    print: (s) => process.stdout.write(String(s) + '\n'),
    quit: () => process.stdout.write('', () => process.exit(0)),
    read: (file, mode) => (mode === 'binary' ? new Uint8Array(fs.readFileSync(file)) : fs.readFileSync(file, 'utf8')),
    // The jsc shell runs a 0 ms timer on the next turn; Node clamps it to 1 ms, which would
    // bound MQTT.js 4 (one wx send callback per frame) by the clock instead of the engine.
    setTimeout: (fn, ms) => (+ms > 0 ? setTimeout(fn, ms) : setImmediate(fn)),
    fullGC: () => global.gc && global.gc(),
    gcHeapSize: () => process.memoryUsage().heapUsed,
  });
  for (const f of files) vm.runInContext(fs.readFileSync(f, 'utf8'), context, { filename: f });
}

main(process.argv.slice(2));
