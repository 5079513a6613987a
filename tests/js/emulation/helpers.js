'use strict';
/** Shared fixtures for the emulator tests: a temp project and a loopback ws echo server. */
const fs = require('fs');
const os = require('os');
const path = require('path');
const http = require('http');
const { WebSocketServer } = require('ws');
const { createRealm } = require('../../emulation/realm');
const { Device } = require('../../emulation/device');
const { createWx } = require('../../emulation/wx');
const { createMy } = require('../../emulation/my');

/** (module (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)) */
const ADD_WASM = Buffer.from('0061736d0100000001070160027f7f017f030201000707010361646400000a09010700200020016a0b', 'hex');

const tempDirs = new Set();
process.on('exit', () => {
  for (const d of tempDirs) fs.rmSync(d, { recursive: true, force: true });
});

/** A temp project holding `files` (name -> content); removed when the test process exits. */
function tempProject(files) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mpmqtt-emu-test-'));
  tempDirs.add(dir);
  for (const [name, content] of Object.entries(files || {})) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), content);
  }
  return dir;
}

/**
 * ws server on 127.0.0.1 that records handshakes and frames and echoes every frame back
 * with the same type. `requireMqtt` refuses handshakes without the mqtt sub-protocol.
 */
async function echoServer({ requireMqtt = false } = {}) {
  const server = http.createServer();
  const handshakes = [];
  const frames = [];
  const wss = new WebSocketServer({
    server,
    perMessageDeflate: false,
    handleProtocols: (set) => (set.has('mqtt') ? 'mqtt' : set.size ? [...set][0] : false),
    verifyClient: ({ req }, done) => {
      handshakes.push({ url: req.url, headers: req.headers });
      if (requireMqtt && !String(req.headers['sec-websocket-protocol'] || '').includes('mqtt')) return done(false, 400);
      done(true);
    },
  });
  const clients = new Set();
  wss.on('connection', (ws) => {
    clients.add(ws);
    ws.on('close', () => clients.delete(ws));
    ws.on('message', (data, isBinary) => {
      frames.push({ binary: isBinary, bytes: Buffer.from(data) });
      if (data.toString() === 'close-me') ws.close(4001, 'server says bye');
      else ws.send(data, { binary: isBinary });
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const port = server.address().port;
  return {
    port,
    url: `ws://127.0.0.1:${port}`,
    handshakes,
    frames,
    clients,
    stop: () =>
      new Promise((r) => {
        for (const c of clients) c.terminate();
        wss.close(() => server.close(() => r()));
      }),
  };
}

/** A wx or my API in a fresh realm on a fresh Device (rewrite wss://example.com -> url). */
function makeApi(platform, { url, root, device, opts, webAssembly } = {}) {
  const realm = createRealm({ name: 'test', webAssembly });
  const dev = device || new Device({ rewrite: url ? { 'wss://example.com': url } : undefined, hideCloseDelay: 50 });
  const api = platform === 'wx' ? createWx({ realm, device: dev, root: root || os.tmpdir(), opts }) : createMy({ realm, device: dev, root: root || os.tmpdir(), opts });
  if (platform === 'wx') {
    realm.context.wx = api.wx;
    realm.context.WXWebAssembly = api.WXWebAssembly;
  } else realm.context.my = api.my;
  return { realm, device: dev, api, run: (code) => realm.run(code, 'test.js') };
}

/** Resolves with the first event pushed to list that satisfies pred. */
function waitUntil(pred, timeout = 3000) {
  return new Promise((resolve, reject) => {
    const start = Date.now();
    const tick = () => {
      const r = pred();
      if (r) return resolve(r);
      if (Date.now() - start > timeout) return reject(new Error('timed out'));
      setTimeout(tick, 5);
    };
    tick();
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

module.exports = { ADD_WASM, tempProject, echoServer, makeApi, waitUntil, sleep };
