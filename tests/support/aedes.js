'use strict';
/**
 * An in-process aedes broker behind a WebSocket server on 127.0.0.1.
 *
 * Like EMQX (fail_if_no_subprotocol) it refuses a handshake that does not offer the `mqtt`
 * sub-protocol unless `requireSubprotocol: false`, so clients that forget
 * Sec-WebSocket-Protocol fail here as they do against production brokers.
 *
 *   const b = await startAedes({ authenticate: (client, username, password) => true });
 *   b.url        // 'ws://127.0.0.1:PORT/mqtt'
 *   await b.stop();
 */
const http = require('http');
const { WebSocketServer, createWebSocketStream } = require('ws');
const { Aedes } = require('aedes');

const running = new Set();
process.on('exit', () => {
  for (const b of running) b.forceClose();
});

/**
 * @param {object} [opts]
 * @param {number} [opts.port=0]
 * @param {string|string[]} [opts.path='/mqtt']  WebSocket path(s); other paths get 404;
 *                                               `url` uses the first
 * @param {boolean} [opts.requireSubprotocol=true]
 * @param {(client: {id: string}, username: string|undefined, password: string|undefined)
 *          => boolean|Promise<boolean>} [opts.authenticate]  false -> CONNACK 5 (not authorized)
 * @returns {Promise<{url: string, port: number, broker: object, events: object[], stop: () => Promise<void>}>}
 */
async function startAedes(opts = {}) {
  const paths = [].concat(opts.path || '/mqtt');
  const wsPath = paths[0];
  const broker = await Aedes.createBroker();
  const events = [];
  if (opts.authenticate) {
    broker.authenticate = (client, username, password, done) => {
      Promise.resolve()
        .then(() => opts.authenticate(client, username, password === undefined || password === null ? undefined : password.toString('utf8')))
        .then((ok) => {
          events.push({ type: ok ? 'authenticated' : 'refused', clientId: client.id, username });
          if (ok) return done(null, true);
          const err = new Error('not authorized');
          err.returnCode = 5;
          done(err, false);
        }, (err) => done(err, false));
    };
  }
  broker.on('client', (c) => events.push({ type: 'connect', clientId: c.id }));
  broker.on('clientDisconnect', (c) => events.push({ type: 'disconnect', clientId: c.id }));
  broker.on('subscribe', (subs, c) => events.push({ type: 'subscribe', clientId: c && c.id, topics: subs.map((s) => s.topic) }));
  broker.on('publish', (p, c) => {
    if (c) events.push({ type: 'publish', clientId: c.id, topic: p.topic, payload: Buffer.from(p.payload) });
  });

  const server = http.createServer((req, res) => {
    res.writeHead(404);
    res.end();
  });
  const sockets = new Set();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const wss = new WebSocketServer({
    server,
    perMessageDeflate: false,
    handleProtocols: (protocols) => {
      for (const p of ['mqtt', 'mqttv3.1']) if (protocols.has(p)) return p;
      return false;
    },
    verifyClient: ({ req }, done) => {
      const pathname = new URL(req.url, 'http://localhost').pathname;
      if (!paths.includes(pathname)) {
        events.push({ type: 'handshake-refused', reason: `path ${pathname}` });
        return done(false, 404, 'Not Found');
      }
      const offered = String(req.headers['sec-websocket-protocol'] || '').split(',').map((s) => s.trim());
      if (opts.requireSubprotocol !== false && !offered.includes('mqtt') && !offered.includes('mqttv3.1')) {
        events.push({ type: 'handshake-refused', reason: 'no mqtt sub-protocol' });
        return done(false, 400, 'Sec-WebSocket-Protocol mqtt required');
      }
      done(true);
    },
  });
  wss.on('connection', (ws, req) => {
    const stream = createWebSocketStream(ws);
    stream.on('error', () => {});
    broker.handle(stream, req);
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port || 0, '127.0.0.1', resolve);
  });
  const port = server.address().port;
  let stopped = null;
  const handle = {
    url: `ws://127.0.0.1:${port}${wsPath}`,
    port,
    broker,
    events,
    forceClose() {
      for (const s of sockets) s.destroy();
      server.close();
    },
    stop() {
      if (stopped) return stopped;
      running.delete(handle);
      stopped = new Promise((resolve) => {
        for (const c of wss.clients) c.terminate();
        for (const s of sockets) s.destroy();
        wss.close(() => server.close(() => broker.close(() => resolve())));
      });
      return stopped;
    },
  };
  running.add(handle);
  return handle;
}

module.exports = { startAedes };
