'use strict';
/**
 * A scripted MQTT broker over raw WebSocket on 127.0.0.1, for feeding a client bad input.
 * It parses what the client sends (mqtt-packet) and lets the test write any bytes back:
 * well-formed packets, malformed ones, text frames, oversize packets.
 *
 *   const fb = await startFakeBroker({ protocolVersion: 4, onConnection: async (conn) => {
 *     await conn.next('connect');
 *     conn.send(conn.packet({ cmd: 'connack', returnCode: 0 }));
 *     conn.sendRaw(Buffer.from([0x30, 0x05, 0x00]));      // truncated PUBLISH
 *   }});
 *   fb.url; fb.connections (every accepted WebSocket, in order); await fb.stop();
 *
 * Each conn: `received` (parsed packets), `next(cmd, timeout)`, `send(buf)` (one binary frame),
 * `sendText(str)`, `packet(obj)` (mqtt-packet generate, at the connection's protocol version),
 * `close(code, reason)`, `terminate()`, `closed` (promise of {code, reason}), `closeInfo`.
 */
const http = require('http');
const { WebSocketServer } = require('ws');
const mqttPacket = require('mqtt-packet');

async function startFakeBroker(opts = {}) {
  const server = http.createServer();
  const wss = new WebSocketServer({
    server,
    perMessageDeflate: false,
    handleProtocols: (set) => (set.has('mqtt') ? 'mqtt' : false),
  });
  const connections = [];
  wss.on('connection', (ws) => {
    const conn = makeConnection(ws, opts.protocolVersion || 4);
    connections.push(conn);
    if (opts.onConnection) {
      Promise.resolve()
        .then(() => opts.onConnection(conn, connections.length - 1))
        .catch((err) => {
          conn.scriptError = err;
        });
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = server.address().port;
  return {
    port,
    url: `ws://127.0.0.1:${port}`,
    connections,
    get open() {
      return connections.filter((c) => !c.closeInfo).length;
    },
    stop: () =>
      new Promise((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => server.close(() => resolve()));
      }),
  };
}

function makeConnection(ws, protocolVersion) {
  const parser = mqttPacket.parser({ protocolVersion });
  const received = [];
  const waiters = [];
  let resolveClosed;
  const conn = {
    ws,
    protocolVersion,
    received,
    closeInfo: null,
    parseError: null,
    closed: new Promise((r) => {
      resolveClosed = r;
    }),
    packet: (obj) => mqttPacket.generate(obj, { protocolVersion }),
    send: (buf) => ws.readyState === ws.OPEN && ws.send(buf, { binary: true }),
    sendText: (str) => ws.readyState === ws.OPEN && ws.send(str, { binary: false }),
    close: (code, reason) => ws.close(code, reason),
    terminate: () => ws.terminate(),
    /** Resolves with the next received packet of type `cmd` (already received ones count). */
    next(cmd, timeout = 5000) {
      const seen = received.find((p) => p.cmd === cmd && !p.taken);
      if (seen) {
        seen.taken = true;
        return Promise.resolve(seen);
      }
      return new Promise((resolve, reject) => {
        const w = { cmd, resolve, timer: null };
        w.timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(w), 1);
          reject(new Error(`fake broker: no ${cmd} within ${timeout} ms (got ${received.map((p) => p.cmd).join(',')})`));
        }, timeout);
        waiters.push(w);
      });
    },
  };
  parser.on('packet', (p) => {
    received.push(p);
    const i = waiters.findIndex((w) => w.cmd === p.cmd);
    if (i >= 0) {
      const [w] = waiters.splice(i, 1);
      clearTimeout(w.timer);
      p.taken = true;
      w.resolve(p);
    }
  });
  parser.on('error', (err) => {
    conn.parseError = err;
  });
  ws.on('message', (data) => parser.parse(Buffer.isBuffer(data) ? data : Buffer.concat(data)));
  ws.on('error', () => {});
  ws.on('close', (code, reason) => {
    conn.closeInfo = { code, reason: reason.toString() };
    resolveClosed(conn.closeInfo);
  });
  return conn;
}

module.exports = { startFakeBroker };
