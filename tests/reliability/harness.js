'use strict';
/**
 * Shared pieces of the reliability tests: the shipped bundle (dist/mqtt.min.js, loaded as a
 * Node user loads it), waiting, message ledgers that count loss and duplicates, and a look at
 * the process's live handles (sockets and timers left behind).
 */
const fs = require('fs');
const path = require('path');

const REPO = path.resolve(__dirname, '..', '..');
const DIST = path.join(REPO, 'dist', 'mqtt.min.js');

function haveMosquitto() {
  return ['/usr/sbin/mosquitto', '/usr/bin/mosquitto'].some((p) => fs.existsSync(p));
}

/** `skip` value for node:test: a reason when the bundle (or mosquitto, if asked) is missing. */
function skipUnless({ mosquitto = false } = {}) {
  if (!fs.existsSync(DIST) || !fs.existsSync(path.join(REPO, 'dist', 'mqtt.wasm'))) {
    return 'dist/mqtt.min.js is missing: run scripts/build-wasm && node scripts/bundle.js';
  }
  if (mosquitto && !haveMosquitto()) return 'mosquitto is not installed: run scripts/setup';
  return false;
}

let mqtt = null;
/** The shipped bundle, as `require('mqtt')` users load MQTT.js. */
function loadMqtt() {
  if (!mqtt) mqtt = require(DIST);
  return mqtt;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls `pred` every 10 ms; rejects after `timeout` with `what` in the message. */
function waitFor(pred, timeout = 5000, what = 'condition') {
  return new Promise((resolve, reject) => {
    const start = Date.now();
    const tick = () => {
      let r;
      try {
        r = pred();
      } catch (e) {
        return reject(e);
      }
      if (r) return resolve(r);
      if (Date.now() - start > timeout) return reject(new Error(`timed out after ${timeout} ms waiting for ${what}`));
      setTimeout(tick, 10);
    };
    tick();
  });
}

const once = (emitter, name, timeout = 5000) =>
  new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no '${name}' event within ${timeout} ms`)), timeout);
    emitter.once(name, (...a) => {
      clearTimeout(t);
      resolve(a);
    });
  });

/**
 * Counts one stream of numbered messages: what was published, whether each publish callback
 * fired exactly once and without error, and how often each message arrived.
 */
class Ledger {
  constructor(name) {
    this.name = name;
    this.sent = 0;
    this.callbacks = new Map(); // seq -> calls
    this.callbackErrors = [];
    this.arrivals = new Map(); // seq -> times received
    this.outOfOrder = 0;
    this.lastSeen = -1;
  }

  /** Returns the callback to hand to publish() for message `seq`. */
  published(seq) {
    this.sent++;
    this.callbacks.set(seq, 0);
    return (err) => {
      this.callbacks.set(seq, (this.callbacks.get(seq) || 0) + 1);
      if (err) this.callbackErrors.push(`${seq}: ${err.message}`);
    };
  }

  received(seq) {
    this.arrivals.set(seq, (this.arrivals.get(seq) || 0) + 1);
    if (seq < this.lastSeen) this.outOfOrder++;
    this.lastSeen = Math.max(this.lastSeen, seq);
  }

  get pendingCallbacks() {
    let n = 0;
    for (const c of this.callbacks.values()) if (c === 0) n++;
    return n;
  }

  summary() {
    let lost = 0;
    let duplicated = 0;
    let extraCallbacks = 0;
    for (const seq of this.callbacks.keys()) if (!this.arrivals.has(seq)) lost++;
    for (const n of this.arrivals.values()) if (n > 1) duplicated += n - 1;
    for (const c of this.callbacks.values()) if (c > 1) extraCallbacks += c - 1;
    let unknown = 0;
    for (const seq of this.arrivals.keys()) if (!this.callbacks.has(seq)) unknown++;
    return {
      stream: this.name,
      sent: this.sent,
      received: this.arrivals.size,
      lost,
      duplicated,
      unknown,
      outOfOrder: this.outOfOrder,
      callbacksMissing: this.pendingCallbacks,
      callbacksExtra: extraCallbacks,
      callbackErrors: this.callbackErrors.length,
    };
  }
}

/** Live sockets and timers of this process, by type (process._getActiveHandles()). */
function activeHandles() {
  const counts = {};
  for (const h of process._getActiveHandles()) {
    const name = h && h.constructor ? h.constructor.name : typeof h;
    if (name === 'WriteStream' || name === 'ReadStream') continue; // stdio
    counts[name] = (counts[name] || 0) + 1;
  }
  return counts;
}

/** Collects everything a client emits, for assertions and reports. */
function record(client, names = ['connect', 'reconnect', 'close', 'offline', 'error', 'end', 'disconnect']) {
  const events = [];
  for (const n of names) client.on(n, (a) => events.push({ name: n, at: Date.now(), arg: a }));
  return events;
}

module.exports = { REPO, DIST, skipUnless, loadMqtt, sleep, waitFor, once, Ledger, activeHandles, record, haveMosquitto };
