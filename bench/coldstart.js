'use strict';
/**
 * Cold start: a fresh `node` process per sample, from `require` of the client to its CONNECT
 * on the wire. A local `ws` server (127.0.0.1, this process) timestamps the first frame of
 * each connection with the same wall clock the child used (performance.timeOrigin + now())
 * and answers CONNACK. Also reported: spawn → CONNECT (Node's own start-up included).
 */
const { spawn } = require('child_process');
const path = require('path');
const WebSocket = require('ws');
const mqttPacket = require('mqtt-packet');
const { uniqueId } = require('./lib/impls');

const now = () => performance.timeOrigin + performance.now();

function startServer() {
  return new Promise((resolve, reject) => {
    const frames = new Map(); // clientId -> timestamp of the CONNECT frame
    const wss = new WebSocket.Server({ host: '127.0.0.1', port: 0, handleProtocols: (protocols) => (protocols.has('mqtt') ? 'mqtt' : false) });
    wss.on('connection', (ws) => {
      // The first frame is the moment CONNECT hits the wire; MQTT.js writes one packet as
      // several frames, so parsing continues until the packet is whole.
      let firstAt = 0;
      const parser = mqttPacket.parser({ protocolVersion: 4 });
      parser.once('packet', (p) => {
        if (p.cmd !== 'connect') return ws.terminate();
        frames.set(p.clientId, firstAt);
        ws.send(Buffer.from([0x20, 2, 0, 0]));
        return undefined;
      });
      parser.on('error', () => ws.terminate());
      ws.on('message', (data) => {
        if (!firstAt) firstAt = now();
        parser.parse(data);
      });
      ws.on('error', () => {});
    });
    wss.once('listening', () => resolve({ url: 'ws://127.0.0.1:' + wss.address().port, frames, close: () => new Promise((r) => wss.close(r)) }));
    wss.once('error', reject);
  });
}

function sample(impl, server) {
  const clientId = uniqueId('cold');
  return new Promise((resolve, reject) => {
    const spawnAt = now();
    const child = spawn(process.execPath, [path.join(__dirname, 'coldstart-child.js'), impl, server.url, clientId], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      const frameAt = server.frames.get(clientId);
      if (code !== 0 || !frameAt) return reject(new Error('cold start of ' + impl + ' failed (' + code + '): ' + err.trim()));
      const r = JSON.parse(out.trim());
      return resolve({ requireToConnect: frameAt - r.requireAt, spawnToConnect: frameAt - spawnAt });
    });
  });
}

async function run(ctx) {
  const impls = ['ours', 'mqttjs5', 'mqttjs4'];
  const server = await startServer();
  const res = { 'require → CONNECT on the wire': {}, 'process spawn → CONNECT on the wire': {} };
  try {
    const reps = ctx.quick ? 5 : 10;
    for (let rep = 0; rep < reps; rep++) {
      for (const impl of impls) {
        const r = await sample(impl, server);
        (res['require → CONNECT on the wire'][impl] = res['require → CONNECT on the wire'][impl] || []).push(r.requireToConnect);
        (res['process spawn → CONNECT on the wire'][impl] = res['process spawn → CONNECT on the wire'][impl] || []).push(r.spawnToConnect);
      }
    }
    ctx.log('cold start: ' + impls.map((i) => i + ' ' + res['require → CONNECT on the wire'][i].map((x) => x.toFixed(0)).join('/') + ' ms').join(', '));
  } finally {
    await server.close();
  }
  return Object.keys(res).map((name) => ({ section: 'Cold start in Node (fresh process per sample), ms', name, unit: 'ms', better: 'lower', values: res[name] }));
}

module.exports = { run };
