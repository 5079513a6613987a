'use strict';
/**
 * One client, four ways to run it, both cores: the shipped bundle in Node over `ws`, and a page
 * in the emulated WeChat (SocketTask), Alipay SocketTask (base64 frames) and Alipay legacy
 * single-socket logic layers (tests/emulation). Each page gets only the files its platform
 * ships for the core under test, so a run also proves which core it used:
 *
 * | transport | wasm core | wasm2js core |
 * |---|---|---|
 * | node | dist/mqtt.min.js + mqtt.wasm | same files, `forceFallback: true` (one core per process) |
 * | wx | dist/wx/mqtt.min.js + mqtt.wasm.br | dist/mqtt.min.js + mqtt.fallback.js, `forceFallback` |
 * | my-task, my-legacy | dist/my/mqtt.min.js + mqtt.wasm.js, WebAssembly present | dist/my/mqtt.min.js + mqtt.fallback.js, no WebAssembly |
 *
 * A driver: `start(options)` (a new client on the same page/process), `publish(topic, size,
 * seed, qos)` → Promise of null or {message, code}, `got` (messages: {topic, payload, qos}),
 * `errors`, `connected()`, `stop()` (the client ends, forced), `close()` (the page goes too),
 * `check()` (throws unless the intended core and socket API carried the traffic).
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const { runPage } = require('../../emulation/runner');
const { originRewrite, REPO } = require('../../support/page');
const { pattern } = require('./wire');

const DIST = path.join(REPO, 'dist');
const PAGE_URL = 'wxs://broker.example.com/mqtt';

/** Files each page gets: [source in dist/, name in utils/]. */
const PAGE_FILES = {
  wx: { wasm: [['wx/mqtt.min.js'], ['wx/mqtt.wasm.br']], fallback: [['mqtt.min.js'], ['mqtt.fallback.js']] },
  my: { wasm: [['my/mqtt.min.js'], ['my/mqtt.wasm.js']], fallback: [['my/mqtt.min.js'], ['mqtt.fallback.js']] },
};

/** Why the sweep cannot run (files missing), or false. */
function distMissing() {
  const need = ['mqtt.min.js', 'mqtt.wasm', 'mqtt.fallback.js', 'wx/mqtt.min.js', 'wx/mqtt.wasm.br', 'my/mqtt.min.js', 'my/mqtt.wasm.js'];
  const missing = need.filter((f) => !fs.existsSync(path.join(DIST, f)));
  return missing.length ? `dist/ lacks ${missing.join(', ')}: build it (scripts/build-wasm && node scripts/bundle.js && scripts/build-fallback)` : false;
}

const toError = (e) => ({ message: String(e && e.message), code: e && e.code });

function nodeDriver({ url, core }) {
  const fallbackFile = path.join(DIST, 'mqtt.fallback.js');
  const mqtt = require(path.join(DIST, 'mqtt.min.js'));
  let client = null;
  const driver = {
    name: 'node',
    core,
    got: [],
    errors: [],
    start(options) {
      const opts = Object.assign({ reconnectPeriod: 0 }, options, core === 'fallback' ? { forceFallback: true } : {});
      client = mqtt.connect(url, opts);
      client.on('message', (topic, payload, packet) => driver.got.push({ topic, payload, qos: packet.qos }));
      client.on('error', (e) => driver.errors.push(toError(e)));
    },
    connected: () => !!client && client.connected,
    publish: (topic, size, seed, qos) =>
      new Promise((resolve) => {
        const p = pattern(size, seed);
        client.publish(topic, Buffer.from(p.buffer, 0, p.length), { qos }, (err) => resolve(err ? toError(err) : null));
      }),
    stop: () => (client ? new Promise((resolve) => client.end(true, () => resolve())) : Promise.resolve()),
    close: () => driver.stop(),
    check() {
      const loaded = !!require.cache[fallbackFile];
      if (loaded !== (core === 'fallback')) throw new Error(`node: mqtt.fallback.js ${loaded ? 'was' : 'was not'} loaded, but the ${core} core is under test`);
    },
  };
  return driver;
}

const PAGE = (patternSource) => `var mqtt = require('../../utils/mqtt.min.js');
var pattern = ${patternSource};
Page({
  data: {},
  onLoad: function () { this.got = []; this.errors = []; this.results = {}; },
  start: function (optsJson) {
    var self = this;
    var o = JSON.parse(optsJson);
    if (typeof my !== 'undefined') o.my = my;
    var c = mqtt.connect('${PAGE_URL}', o);
    self.c = c;
    self.closed = false;
    c.on('close', function () { if (self.c === c) self.closed = true; });
    c.on('error', function (e) { self.errors.push({ message: String(e && e.message), code: e && e.code }); });
    c.on('message', function (topic, message, packet) { self.got.push({ topic: topic, payload: message, qos: packet.qos }); });
  },
  pub: function (token, topic, size, seed, qos) {
    var self = this;
    this.c.publish(topic, pattern(size, seed), { qos: qos }, function (err) {
      self.results[token] = err ? { message: String(err.message), code: err.code } : 'ok';
    });
  },
  stop: function () { if (this.c) this.c.end(true); },
  onUnload: function () { if (this.c) this.c.end(true); }
});
`;

const tempDirs = new Set();
process.on('exit', () => {
  for (const d of tempDirs) fs.rmSync(d, { recursive: true, force: true });
});

function pageProject(platform, core, legacy) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `mpmqtt-sweep-${platform}-`));
  tempDirs.add(dir);
  fs.mkdirSync(path.join(dir, 'pages', 'index'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'utils'));
  fs.writeFileSync(path.join(dir, 'pages', 'index', 'index.js'), PAGE(pattern.toString()));
  if (platform === 'wx') {
    fs.writeFileSync(path.join(dir, 'project.config.json'), JSON.stringify({ compileType: 'miniprogram' }));
    fs.writeFileSync(path.join(dir, 'app.json'), JSON.stringify({ pages: ['pages/index/index'] }));
  } else {
    fs.writeFileSync(path.join(dir, 'mini.project.json'), JSON.stringify({ format: 2, compileType: 'mini' }));
    fs.writeFileSync(path.join(dir, 'app.json'), JSON.stringify({ pages: ['pages/index/index'], behavior: { connectSocketDefaultMultiple: !legacy } }));
  }
  for (const [from] of PAGE_FILES[platform][core]) fs.copyFileSync(path.join(DIST, from), path.join(dir, 'utils', path.basename(from)));
  return dir;
}

async function pageDriver({ url, core, transport }) {
  const platform = transport === 'wx' ? 'wx' : 'my';
  const legacy = transport === 'my-legacy';
  const page = await runPage(pageProject(platform, core, legacy), 'pages/index/index', {
    rewrite: originRewrite(PAGE_URL, url),
    hideCloseDelay: 300,
    webAssembly: platform === 'my' ? core === 'wasm' : undefined,
  });
  // Which socket API carried the frames, watched from outside the emulator.
  const sends = { task: 0, legacy: 0 };
  // Legacy sockets opened, and released (the client takes its global handlers off then).
  const legacySockets = { opened: 0, released: 0 };
  const api = platform === 'wx' ? page.realm.context.wx : page.realm.context.my;
  const connect = api.connectSocket;
  api.connectSocket = (o) => {
    if (legacy) o.multiple = false; // a base library without SocketTask ignores `multiple`
    if (legacy) legacySockets.opened++;
    const task = connect(o);
    if (task && typeof task.send === 'function') {
      const send = task.send;
      task.send = (s) => {
        sends.task++;
        return send(s);
      };
    }
    return task;
  };
  if (platform === 'my') {
    const off = api.offSocketClose;
    api.offSocketClose = (fn) => {
      legacySockets.released++;
      return off(fn);
    };
    const send = api.sendSocketMessage;
    api.sendSocketMessage = (s) => {
      sends.legacy++;
      return send(s);
    };
  }
  let token = 0;
  const inst = () => page.page;
  const driver = {
    name: transport,
    core,
    get got() {
      return inst().got;
    },
    get errors() {
      return Array.from(inst().errors, (e) => ({ message: e.message, code: e.code }));
    },
    start(options) {
      const opts = Object.assign({ reconnectPeriod: 0 }, options, core === 'fallback' ? { forceFallback: true } : {});
      inst().got.length = 0;
      inst().errors.length = 0;
      page.call('start', JSON.stringify(opts));
    },
    connected: () => !!inst().c && inst().c.connected,
    async publish(topic, size, seed, qos) {
      const t = ++token;
      page.call('pub', t, topic, size, seed, qos);
      const r = await page.waitFor(() => inst().results[t], { timeout: 60000 + size / 20000, what: `the callback of publish ${topic}` });
      delete inst().results[t];
      return r === 'ok' ? null : { message: r.message, code: r.code };
    },
    async stop() {
      if (!inst().c) return;
      const c = inst().c;
      page.call('stop');
      // The next client must not meet this one's socket. The legacy API has only one, and the
      // client may emit 'close' before it lets go of it (until the runtime reports the close):
      // wait for it to take its handlers off too.
      await page.waitFor(() => inst().closed && page.sockets.every((k) => k.state === 'closed') && legacySockets.released >= legacySockets.opened, { timeout: 5000, what: 'the client and its socket to close' });
    },
    close: async () => page.close(),
    check() {
      const console = page.console.map((e) => e.text).join('\n');
      if (/fallback/i.test(console) && core === 'wasm') throw new Error(`${transport}: the page logged about the fallback: ${console}`);
      const want = legacy ? 'legacy' : 'task';
      const other = legacy ? 'task' : 'legacy';
      if (!sends[want] || sends[other]) throw new Error(`${transport}: frames went ${JSON.stringify(sends)}, expected the ${want} API only`);
    },
  };
  return driver;
}

/** @param {'node'|'wx'|'my-task'|'my-legacy'} transport @param {'wasm'|'fallback'} core */
function openDriver(transport, core, url) {
  return transport === 'node' ? nodeDriver({ url, core }) : pageDriver({ url, core, transport });
}

module.exports = { openDriver, distMissing, TRANSPORTS: ['node', 'wx', 'my-task', 'my-legacy'] };
