'use strict';
/**
 * The emulated phone: app visibility, network state, the host-side WebSockets and HTTP
 * requests shared by the `wx` and `my` emulations, and the test-only URL rewrite.
 *
 * Lifecycle, as both clients behave (WeChat documents it; Alipay behaves alike):
 *  - hide(): onAppHide fires at once; after `hideCloseDelay` ms (WeChat: about 5 s) every open
 *    socket is closed and reported to the page as {code: 1000, reason: 'interrupted'}; from then
 *    on new sockets and requests fail with "interrupted" until show().
 *  - setOnline(false): every socket fails (error, then close 1006), onNetworkStatusChange fires
 *    with {isConnected: false, networkType: 'none'}; connects and requests fail until back online.
 *
 * URL rewrite (test only): pages must use `wss://` / `https://` hosts (the platforms refuse
 * anything else), but tests have no TLS certificates. `rewrite(url)` maps the page's URL to a
 * loopback one: a function, or an object whose keys are URL prefixes ("wss://example.com") and
 * values their replacements ("ws://127.0.0.1:1234"); the longest matching prefix wins.
 * After the rewrite only loopback hosts are reachable (unless `allowExternal`), so a missing
 * rewrite fails fast instead of reaching for the internet.
 */
const { EventEmitter } = require('events');
const http = require('http');
const https = require('https');
const WebSocket = require('ws');

function makeRewriter(rule) {
  if (!rule) return (url) => url;
  if (typeof rule === 'function') return (url) => rule(url) || url;
  // Scheme and host are case-insensitive (MQTT.js lowercases the host), so prefixes are too.
  const prefixes = Object.keys(rule).sort((a, b) => b.length - a.length);
  return (url) => {
    for (const p of prefixes) if (url.toLowerCase().startsWith(p.toLowerCase())) return rule[p] + url.slice(p.length);
    return url;
  };
}

/**
 * One host-side WebSocket. Reports to `on` = {open(), message(buf, isBinary), error(message),
 * close(code, reason)} asynchronously, with exactly one close() after which nothing else fires.
 */
function isLoopback(url) {
  try {
    const h = new URL(url).hostname;
    return h === 'localhost' || h === '[::1]' || /^127\./.test(h);
  } catch (e) {
    return false;
  }
}

class HostSocket {
  constructor(device, { pageUrl, url, protocols, headers }, on) {
    this.device = device;
    this.pageUrl = pageUrl;
    this.url = url;
    this.protocols = protocols;
    this.headers = headers;
    this.on = on;
    this.state = 'connecting';
    this.sent = [];
    this.received = [];
    this.closeInfo = null;
    this.protocol = '';
    this.ws = null;
  }

  start() {
    if (!this.device.allowExternal && !isLoopback(this.url)) {
      this.fail(`emulator: ${this.url} is not a loopback URL (add a rewrite for ${this.pageUrl})`);
      return;
    }
    let ws;
    try {
      ws = new WebSocket(this.url, this.protocols, { headers: this.headers, perMessageDeflate: false });
    } catch (err) {
      this.fail(err.message);
      return;
    }
    this.ws = ws;
    let responseHeaders = {};
    ws.on('upgrade', (res) => {
      responseHeaders = res.headers;
    });
    ws.on('open', () => {
      if (this.state !== 'connecting') return;
      this.state = 'open';
      this.protocol = ws.protocol;
      this.device.emit('socket-open', this);
      this.on.open(responseHeaders);
    });
    ws.on('message', (data, isBinary) => {
      if (this.state !== 'open') return;
      const buf = Buffer.isBuffer(data) ? data : Buffer.concat(data);
      this.received.push({ binary: isBinary, bytes: buf });
      this.on.message(buf, isBinary);
    });
    ws.on('error', (err) => {
      if (this.state === 'closed') return;
      this.device.emit('socket-error', this, err.message);
      this.on.error(err.message);
    });
    ws.on('close', (code, reason) => this.finish(code, reason.toString()));
  }

  /** Sends one frame; resolves to null or an error message. */
  send(payload, binary) {
    return new Promise((resolve) => {
      if (this.state !== 'open') return resolve('WebSocket is not connected');
      this.sent.push({ binary, bytes: Buffer.from(payload) });
      this.ws.send(payload, { binary }, (err) => resolve(err ? err.message : null));
    });
  }

  close(code, reason) {
    if (this.state === 'closed' || this.state === 'closing') return;
    const wasConnecting = this.state === 'connecting';
    this.state = 'closing';
    if (wasConnecting || !this.ws) {
      if (this.ws) this.ws.terminate();
      this.finish(code, reason);
      return;
    }
    this.ws.close(code, reason);
  }

  /** Connection failure as the page sees it: error, then close 1006. */
  fail(message, code = 1006, reason = 'abnormal closure') {
    if (this.state === 'closed') return;
    this.state = 'closing';
    if (this.ws) this.ws.terminate();
    setImmediate(() => {
      this.device.emit('socket-error', this, message);
      this.on.error(message);
      this.finish(code, reason);
    });
  }

  /** The platform tears the socket down (background): close only, no error. */
  interrupt(code, reason) {
    if (this.state === 'closed') return;
    this.state = 'closing';
    if (this.ws) this.ws.terminate();
    this.finish(code, reason);
  }

  finish(code, reason) {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.closeInfo = { code, reason };
    this.device.live.delete(this);
    this.device.emit('socket-close', this);
    setImmediate(() => this.on.close(code, reason));
  }
}

class Device extends EventEmitter {
  /**
   * @param {object} [opts]
   * @param {number} [opts.hideCloseDelay=5000]  ms in background before sockets are interrupted
   * @param {Function|object} [opts.rewrite]      socket URL rewrite (see top of file)
   * @param {Function|object} [opts.requestRewrite] request URL rewrite, same forms
   * @param {boolean} [opts.allowExternal=false]  let rewritten URLs leave the loopback
   */
  constructor(opts = {}) {
    super();
    this.hideCloseDelay = opts.hideCloseDelay === undefined ? 5000 : opts.hideCloseDelay;
    this.rewrite = makeRewriter(opts.rewrite);
    this.requestRewrite = makeRewriter(opts.requestRewrite);
    this.allowExternal = !!opts.allowExternal;
    this.hidden = false;
    this.suspended = false;
    this.online = true;
    this.networkType = 'wifi';
    this.sockets = [];
    this.requests = [];
    this.live = new Set();
    this.hideTimer = null;
  }

  /** Opens a host socket unless the phone state forbids it; returns it (already failing if so). */
  openSocket(pageUrl, protocols, headers, on, owner) {
    const s = new HostSocket(this, { pageUrl, url: this.rewrite(pageUrl), protocols, headers }, on);
    s.owner = owner;
    this.sockets.push(s);
    this.live.add(s);
    const blocked = this.blockedReason();
    if (blocked) s.fail(blocked);
    else s.start();
    return s;
  }

  blockedReason() {
    if (!this.online) return 'network is down';
    if (this.suspended) return 'interrupted';
    return null;
  }

  /**
   * Plain HTTP(S) request after the request rewrite.
   * @returns {Promise<{status: number, headers: object, body: Buffer}>}
   */
  request({ url, method, headers, body, timeout }) {
    const target = this.requestRewrite(url);
    this.requests.push({ pageUrl: url, url: target, method, headers, body });
    return new Promise((resolve, reject) => {
      const blocked = this.blockedReason();
      if (blocked) return setImmediate(() => reject(new Error(blocked)));
      let u;
      try {
        u = new URL(target);
      } catch (err) {
        return setImmediate(() => reject(new Error('invalid url')));
      }
      if (!this.allowExternal && !isLoopback(target)) {
        return setImmediate(() => reject(new Error(`emulator: ${target} is not a loopback URL (add a requestRewrite)`)));
      }
      const lib = u.protocol === 'https:' ? https : http;
      const req = lib.request(u, { method, headers, timeout: timeout || 60000 }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', reject);
      if (body !== undefined && body !== null) req.write(body);
      req.end();
    });
  }

  hide() {
    if (this.hidden) return;
    this.hidden = true;
    this.emit('hide');
    clearTimeout(this.hideTimer);
    this.hideTimer = setTimeout(() => {
      this.suspended = true;
      for (const s of [...this.live]) s.interrupt(1000, 'interrupted');
      this.emit('suspend');
    }, this.hideCloseDelay);
  }

  show() {
    clearTimeout(this.hideTimer);
    this.hideTimer = null;
    if (!this.hidden) return;
    this.hidden = false;
    this.suspended = false;
    this.emit('show');
  }

  setOnline(online, networkType) {
    online = !!online;
    if (online === this.online) return;
    this.online = online;
    this.networkType = online ? networkType || 'wifi' : 'none';
    if (!online) for (const s of [...this.live]) s.fail('network is down');
    this.emit('network', { isConnected: online, networkType: this.networkType });
  }

  /** Closes the sockets opened by `owner` (all when omitted) and the hide timer; idempotent. */
  dispose(owner) {
    if (owner === undefined) clearTimeout(this.hideTimer);
    for (const s of [...this.live]) if (owner === undefined || s.owner === owner) s.interrupt(1001, 'disposed');
  }
}

module.exports = { Device, makeRewriter };
