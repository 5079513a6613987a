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
/** `context()`, when given, adds what was seen so far to the timeout's message. */
function waitFor(pred, timeout = 5000, what = 'condition', context) {
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
      if (Date.now() - start > timeout) return reject(new Error(`timed out after ${timeout} ms waiting for ${what}${context ? ' (' + context() + ')' : ''}`));
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

/** Per-sequence-number counters in a growable byte array (compact for long soaks). */
class Counts {
  constructor() {
    this.a = new Uint8Array(1024);
    this.max = -1;
  }
  inc(i) {
    if (i >= this.a.length) {
      const b = new Uint8Array(Math.max(this.a.length * 2, i + 1));
      b.set(this.a);
      this.a = b;
    }
    if (this.a[i] < 255) this.a[i]++;
    this.max = Math.max(this.max, i);
    return this.a[i];
  }
  get(i) {
    return i < this.a.length ? this.a[i] : 0;
  }
}

/**
 * Counts one stream of messages numbered 0, 1, 2...: what was published, whether each publish
 * callback fired exactly once and without error, and how often each message arrived.
 */
class Ledger {
  constructor(name) {
    this.name = name;
    this.sent = 0;
    this.sentSeqs = new Counts();
    this.callbacks = new Counts();
    this.arrivals = new Counts();
    this.callbackErrors = [];
    this.outOfOrder = 0;
    this.lastSeen = -1;
    this.unknown = 0;
  }

  /** Records that message `seq` is published; returns the callback to hand to publish(). */
  published(seq) {
    this.sent++;
    this.sentSeqs.inc(seq);
    return (err) => {
      this.callbacks.inc(seq);
      if (err && this.callbackErrors.length < 100) this.callbackErrors.push(`${seq}: ${err.message}`);
    };
  }

  received(seq) {
    if (!Number.isInteger(seq) || seq < 0 || !this.sentSeqs.get(seq)) {
      this.unknown++;
      return;
    }
    this.arrivals.inc(seq);
    if (seq < this.lastSeen) this.outOfOrder++;
    this.lastSeen = Math.max(this.lastSeen, seq);
  }

  get pendingCallbacks() {
    let n = 0;
    for (let i = 0; i <= this.sentSeqs.max; i++) if (this.sentSeqs.get(i) && !this.callbacks.get(i)) n++;
    return n;
  }

  summary() {
    let received = 0;
    let lost = 0;
    let duplicated = 0;
    let callbacksMissing = 0;
    let callbacksExtra = 0;
    for (let i = 0; i <= this.sentSeqs.max; i++) {
      if (!this.sentSeqs.get(i)) continue;
      const n = this.arrivals.get(i);
      if (n) received++;
      else lost++;
      if (n > 1) duplicated += n - 1;
      const c = this.callbacks.get(i);
      if (!c) callbacksMissing++;
      if (c > 1) callbacksExtra += c - 1;
    }
    return {
      stream: this.name,
      sent: this.sent,
      received,
      lost,
      duplicated,
      unknown: this.unknown,
      outOfOrder: this.outOfOrder,
      callbacksMissing,
      callbacksExtra,
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
