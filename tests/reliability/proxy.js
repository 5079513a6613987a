'use strict';
/**
 * A TCP fault-injection proxy on 127.0.0.1. It forwards bytes unchanged (so it carries MQTT
 * over WebSocket as well as plain MQTT) and can, on request:
 *
 *   mode 'pass'      forward (default)
 *   mode 'refuse'    accept and reset at once (the client sees the connection fail)
 *   mode 'blackhole' keep sockets open but forward nothing, both ways (half-open link);
 *                    applies to the links already open too
 *   delayMs          hold every broker -> client chunk that long (slow broker: late CONNACK/acks)
 *   dropMidPacket()  on the next chunk in the given direction, forward only its first half,
 *                    then destroy both sides (a socket dying mid-packet)
 *   dropAll()        destroy every open link now
 *
 *   const p = await startProxy({ targetPort: m.wsPort });
 *   p.url            // 'ws://127.0.0.1:PORT'
 *   p.accepted       // connections accepted so far (every attempt, refused ones included)
 *   p.open           // links open now
 */
const net = require('net');

/**
 * @param {object} opts
 * @param {number} opts.targetPort
 * @param {string} [opts.targetHost='127.0.0.1']
 */
async function startProxy(opts) {
  const targetHost = opts.targetHost || '127.0.0.1';
  const links = new Set();
  const state = { mode: 'pass', delayMs: 0, cut: null };
  const stats = { accepted: 0, refused: 0, cuts: 0, maxOpen: 0, bytesUp: 0, bytesDown: 0 };

  function destroyLink(link) {
    if (link.dead) return;
    link.dead = true;
    links.delete(link);
    link.client.destroy();
    link.upstream.destroy();
    for (const t of link.timers) clearTimeout(t);
  }

  /** Forwards one chunk, applying the current faults. */
  function forward(link, dir, chunk) {
    if (link.dead) return;
    if (state.mode === 'blackhole') return; // swallowed: the link looks alive to both ends
    const to = dir === 'up' ? link.upstream : link.client;
    if (state.cut && state.cut.dir === dir && chunk.length >= 2) {
      const cut = state.cut;
      state.cut = null;
      stats.cuts++;
      const half = chunk.subarray(0, Math.max(1, chunk.length >> 1));
      to.write(half, () => setTimeout(() => destroyLink(link), 10));
      cut.resolve({ forwarded: half.length, of: chunk.length });
      return;
    }
    if (dir === 'up') stats.bytesUp += chunk.length;
    else stats.bytesDown += chunk.length;
    if (dir === 'down' && state.delayMs > 0) {
      // Order is kept: each chunk waits the same delay after the previous one was queued.
      const at = Math.max(Date.now() + state.delayMs, link.nextDown);
      link.nextDown = at;
      const t = setTimeout(() => {
        link.timers.delete(t);
        if (!link.dead) to.write(chunk);
      }, at - Date.now());
      link.timers.add(t);
      return;
    }
    to.write(chunk);
  }

  const server = net.createServer((client) => {
    stats.accepted++;
    if (state.mode === 'refuse') {
      stats.refused++;
      client.on('error', () => {});
      client.resetAndDestroy();
      return;
    }
    const upstream = net.connect({ port: opts.targetPort, host: targetHost });
    const link = { client, upstream, dead: false, timers: new Set(), nextDown: 0 };
    links.add(link);
    stats.maxOpen = Math.max(stats.maxOpen, links.size);
    client.on('data', (c) => forward(link, 'up', c));
    upstream.on('data', (c) => forward(link, 'down', c));
    const end = () => destroyLink(link);
    client.on('error', end);
    upstream.on('error', end);
    client.on('close', end);
    upstream.on('close', end);
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port || 0, '127.0.0.1', resolve);
  });
  const port = server.address().port;

  return {
    port,
    url: `ws://127.0.0.1:${port}`,
    stats,
    get accepted() {
      return stats.accepted;
    },
    get open() {
      return links.size;
    },
    /** 'pass' | 'refuse' | 'blackhole' */
    setMode(mode) {
      if (!['pass', 'refuse', 'blackhole'].includes(mode)) throw new Error(`unknown proxy mode ${mode}`);
      state.mode = mode;
    },
    setDelay(ms) {
      state.delayMs = ms;
    },
    /** Resolves with {forwarded, of} once the next chunk going `dir` ('up'|'down') was cut. */
    dropMidPacket(dir = 'down') {
      return new Promise((resolve) => {
        state.cut = { dir, resolve };
      });
    },
    dropAll() {
      for (const l of [...links]) destroyLink(l);
    },
    stop() {
      for (const l of [...links]) destroyLink(l);
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

module.exports = { startProxy };
