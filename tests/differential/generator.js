'use strict';
/**
 * Seeded generator of random but valid broker conversations for the differential test.
 *
 * A conversation is plain JSON (so a failing one prints as a regression case):
 *   { seed, v: 4|5, clean, aliasMax, subCodes: {filter: code}, unsubCodes: {filter: code}, steps: [...] }
 * Steps are played in order by player.js; broker steps name client packets symbolically
 * ("the PUBLISH of page publish k"), never by time:
 *   page:   pub {k, qos, retain, size, props?} | sub {filters: [{topic, qos}], props?} |
 *           unsub {topics} | end {force} | reconnect
 *   broker: accept {sp, props?} | drop {how} | disconnect {rc} |
 *           ack {kind: puback|pubrec|pubcomp, k, rc} | send {n, topic, qos, retain, dup, size, alias?, props?}
 *
 * The generator keeps a model of the session (connected, each publish's state, aliases) so
 * that every step is one a well-behaved broker could take at that point. Patterns where the
 * two clients differ on purpose are left out here; each is listed in compat.js DIFFERENCES.
 */

/** mulberry32: a small, fast, seedable PRNG (uint32 seed -> floats in [0, 1)). */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Deterministic payload bytes for (conversation seed, label, size). */
function payloadBytes(seed, label, size) {
  const rand = prng((seed * 31 + label * 7919) >>> 0);
  const out = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i += 4) {
    const word = (rand() * 4294967296) >>> 0;
    for (let j = 0; j < 4 && i + j < size; j++) out[i + j] = (word >>> (8 * j)) & 0xff;
  }
  return out;
}

// Remaining Length boundaries sit at 127/128 and 16,383/16,384 bytes of packet body.
const SMALL_SIZES = [0, 1, 2, 5, 16, 100, 117, 118, 119, 120, 121, 122, 123, 124, 125, 126, 127, 128];
const MEDIUM_SIZES = [1000, 4096, 16371, 16372, 16373, 16374, 16375, 16380, 16384, 65535, 65536];

function makeRandom(seed) {
  const rand = prng(seed);
  const r = {
    rand,
    int: (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1)),
    chance: (p) => rand() < p,
    pick: (list) => list[Math.floor(rand() * list.length)],
    size: () => {
      const x = rand();
      if (x < 0.7) return r.pick(SMALL_SIZES);
      if (x < 0.93) return r.pick(MEDIUM_SIZES) + r.int(-2, 2);
      return r.int(100 * 1024, 300 * 1024); // a few in every ~15 conversations
    },
  };
  return r;
}

const FILTERS = ['f/a', 'f/b', 'f/+', 'f/#', 'g/x'];
const PUBACK_FAILURES = [0x80, 0x83, 0x87, 0x90, 0x97, 0x99];
const SUBACK_FAILURES = [0x80, 0x83, 0x87, 0x8f, 0x91, 0x97, 0x9e];

function publishProps(r) {
  const props = {};
  if (r.chance(0.5)) props.userProperties = { k: r.pick(['1', 'two', '']) };
  if (r.chance(0.3)) props.contentType = 'text/x';
  if (r.chance(0.3)) props.messageExpiryInterval = r.int(1, 3600);
  if (r.chance(0.3)) props.responseTopic = 'reply/x';
  if (r.chance(0.3)) props.correlationData = Buffer.from([r.int(0, 255), 0, 255]).toString('hex');
  return Object.keys(props).length ? props : undefined;
}

/**
 * MQTT.js 5.16's subscription table (`_resubscribeTopics`), as far as compat.js
 * 'refused-sibling-kept' needs it: a SUBACK refusing any filter makes MQTT.js forget every
 * filter of that SUBSCRIBE, the granted ones too (`forgotten`), where mpmqtt keeps the granted
 * ones. A later subscribe() of a forgotten filter at no higher QoS is sent by MQTT.js and
 * skipped by mpmqtt ("already subscribed"), which changes everything after it (MQTT.js may
 * lower the broker's QoS, resubscribes at the new one), so the generator leaves it out.
 * The broker answers at once, so a SUBSCRIBE made while connected is settled at once; one made
 * offline is settled after the next CONNACK, before the resubscription (sent after the queue).
 */
function mqttjsSubscriptions(conv) {
  const table = new Map(); // filter -> requested QoS, from the subscribe() call
  const forgotten = new Map(); // filter -> the QoS mpmqtt still has it at
  const pending = []; // offline subscribe()/unsubscribe() calls, in order
  const refused = (topic) => topic in conv.subCodes && conv.subCodes[topic] >= 0x80;
  const settle = (op) => {
    if (op.unsub) return op.unsub.forEach((t) => forgotten.delete(t));
    if (!op.sent.some((t) => refused(t))) return op.sent.forEach((t) => forgotten.delete(t));
    for (const t of op.sent) {
      if (!refused(t)) forgotten.set(t, table.get(t));
      table.delete(t);
    }
  };
  return {
    /** Whether subscribe() of `topic` at `qos` is the pattern: mpmqtt skips it, MQTT.js sends it. */
    skippedByMpmqttOnly: (topic, qos) => forgotten.has(topic) && qos <= forgotten.get(topic),
    subscribe(filters, connected) {
      // MQTT.js skips a filter already in its table at this QoS or higher (so does mpmqtt).
      const sent = filters.filter((f) => !table.has(f.topic) || table.get(f.topic) < f.qos).map((f) => f.topic);
      filters.forEach((f) => sent.includes(f.topic) && table.set(f.topic, f.qos));
      if (!sent.length) return;
      if (connected) settle({ sent });
      else pending.push({ sent });
    },
    unsubscribe(topics, connected) {
      topics.forEach((t) => table.delete(t));
      if (connected) settle({ unsub: topics });
      else pending.push({ unsub: topics });
    },
    /** A CONNACK; `resubscribes`: not the first connection, and no session (clean, or Session Present 0). */
    connected(resubscribes) {
      const resubscription = new Map(table); // sent after the queued calls, before their SUBACKs
      pending.splice(0).forEach(settle);
      // 3.1.1: one SUBSCRIBE for the whole table, so one refused filter in it (subscribed
      // offline) makes MQTT.js forget them all; 5.0: one SUBSCRIBE per filter.
      if (!resubscribes || ![...resubscription.keys()].some(refused)) return;
      for (const [t, qos] of resubscription) {
        if (conv.v === 5 && !refused(t)) continue;
        if (!refused(t)) forgotten.set(t, qos);
        table.delete(t);
      }
    },
  };
}

/**
 * @param {number} seed
 * @param {{maxSteps?: number}} [opts]
 */
function generate(seed, opts = {}) {
  const r = makeRandom(seed);
  const v = r.chance(0.5) ? 5 : 4;
  const conv = {
    seed,
    v,
    clean: r.chance(0.6),
    aliasMax: v === 5 && r.chance(0.6) ? r.int(1, 4) : 0,
    subCodes: {},
    unsubCodes: {},
    steps: [],
  };
  for (const f of FILTERS) {
    if (r.chance(0.25)) conv.subCodes[f] = v === 5 ? r.pick(SUBACK_FAILURES) : 0x80;
    else if (r.chance(0.3)) conv.subCodes[f] = r.int(0, 2);
    if (v === 5 && r.chance(0.2)) conv.unsubCodes[f] = r.pick([0x11, 0x80, 0x87]);
  }
  const steps = conv.steps;
  const maxSteps = opts.maxSteps || r.int(6, 22);

  // The session model.
  let connected = false; // CONNACK accepted on the current connection
  let awaitingAccept = true; // a connection attempt the next accept answers
  let ended = false;
  let k = 0;
  let n = 0;
  const pubs = []; // {k, qos, state: 'out' | 'rec' | 'done'}
  let aliases = new Map(); // alias -> topic on this connection
  let everConnected = false;
  const subs = mqttjsSubscriptions(conv);

  const accept = () => {
    // Session present 1 only where a session can exist: clean false, and the broker had it.
    const pubrecd = pubs.some((p) => p.state === 'rec');
    // A PUBREC'd QoS 2 message and a lost session: compat.js 'pubrec-then-session-lost'.
    let sp = !conv.clean && everConnected && (pubrecd || r.chance(0.6)) ? 1 : 0;
    // A broken broker: Session Present 1 for a clean start (compat.js 'session-present-on-clean-start').
    if (conv.clean && r.chance(0.02)) sp = 1;
    const step = { op: 'accept', sp };
    subs.connected(everConnected && (conv.clean || !sp));
    if (v === 5 && r.chance(0.3)) step.props = { receiveMaximum: r.int(20, 100) };
    steps.push(step);
    connected = true;
    awaitingAccept = false;
    everConnected = true;
    aliases = new Map();
    // MQTT.js replays its stored messages one at a time, each after the previous one's
    // acknowledgement (compat.js 'replay-one-at-a-time'): the broker acknowledges them in
    // order before anything else happens on this connection.
    for (const p of pubs) {
      if (p.state === 'rec') {
        steps.push({ op: 'ack', kind: 'pubcomp', k: p.k, rc: 0 });
      } else if (p.state === 'out' && p.qos === 1) {
        steps.push({ op: 'ack', kind: 'puback', k: p.k, rc: 0 });
      } else if (p.state === 'out' && p.qos === 2) {
        steps.push({ op: 'ack', kind: 'pubrec', k: p.k, rc: 0 });
        steps.push({ op: 'ack', kind: 'pubcomp', k: p.k, rc: 0 });
      } else continue;
      p.state = 'done';
    }
  };

  accept();
  while (steps.length < maxSteps) {
    const x = r.rand();
    if (ended) {
      if (r.chance(0.5)) break;
      steps.push({ op: 'reconnect' });
      ended = false;
      awaitingAccept = true;
      continue;
    }
    if (!connected) {
      if (x < 0.55) {
        accept();
        continue;
      }
    }
    const out = pubs.filter((p) => p.state === 'out' && p.qos > 0);
    const rec = pubs.filter((p) => p.state === 'rec');
    const done = pubs.filter((p) => p.state === 'done' && p.qos > 0);
    if (x < 0.3) {
      k++;
      const qos = r.pick([0, 1, 1, 2, 2]);
      const step = { op: 'pub', k, qos, retain: r.chance(0.2), size: r.size() };
      if (v === 5 && r.chance(0.3)) {
        const props = publishProps(r);
        if (props) step.props = props;
      }
      steps.push(step);
      pubs.push({ k, qos, state: qos === 0 ? 'done' : 'out' });
    } else if (x < 0.5 && connected && (out.length || rec.length)) {
      const p = r.pick(out.concat(rec));
      let step;
      if (p.state === 'rec') {
        step = { op: 'ack', kind: 'pubcomp', k: p.k, rc: v === 5 && r.chance(0.15) ? 0x92 : 0 };
        p.state = 'done';
      } else {
        const fail = v === 5 && r.chance(0.25);
        const kind = p.qos === 1 ? 'puback' : 'pubrec';
        step = { op: 'ack', kind, k: p.k, rc: fail ? r.pick(PUBACK_FAILURES) : v === 5 && r.chance(0.1) ? 0x10 : 0 };
        p.state = kind === 'pubrec' && !fail ? 'rec' : 'done';
      }
      steps.push(step);
      // Brokers resend acknowledgements: repeat this one, at once or later.
      if (r.chance(0.3)) steps.push(Object.assign({}, step));
    } else if (x < 0.56 && connected && done.length) {
      // A late duplicate of an acknowledgement whose flow has finished: the id is no longer in flight.
      const p = r.pick(done);
      const kind = p.qos === 1 ? 'puback' : r.pick(['pubrec', 'pubcomp']);
      steps.push({ op: 'ack', kind, k: p.k, rc: 0, late: true });
    } else if (x < 0.68 && connected) {
      n++;
      const qos = r.int(0, 2);
      const step = { op: 'send', n, topic: r.pick(['f/a', 'f/b', 'g/x', 'h/1/2']), qos, retain: r.chance(0.2), dup: qos > 0 && r.chance(0.15), size: r.size() };
      if (v === 5 && conv.aliasMax && r.chance(0.5)) {
        const id = r.int(1, conv.aliasMax);
        const known = aliases.get(id);
        if (known && r.chance(0.7)) {
          step.topic = known;
          step.alias = { id, empty: true };
        } else {
          aliases.set(id, step.topic);
          step.alias = { id, empty: false };
        }
      }
      if (v === 5 && r.chance(0.3)) {
        const props = publishProps(r);
        if (props) step.props = props;
      }
      steps.push(step);
    } else if (x < 0.76) {
      const count = r.int(1, 2);
      const filters = [];
      for (let i = 0; i < count; i++) {
        const topic = r.pick(FILTERS);
        if (filters.some((f) => f.topic === topic)) continue;
        const qos = r.int(0, 2);
        // compat.js 'refused-sibling-kept': a filter MQTT.js forgot (granted beside a refusal) is not subscribed again.
        if (!subs.skippedByMpmqttOnly(topic, qos)) filters.push({ topic, qos });
      }
      const step = { op: 'sub', filters };
      if (v === 5 && r.chance(0.2)) step.props = { userProperties: { s: '1' } };
      if (filters.length) {
        steps.push(step);
        subs.subscribe(filters, connected);
      }
    } else if (x < 0.8) {
      const topics = [r.pick(FILTERS)];
      steps.push({ op: 'unsub', topics });
      subs.unsubscribe(topics, connected);
    } else if (x < 0.88 && connected && !(conv.clean && rec.length)) {
      if (v === 5 && r.chance(0.3)) steps.push({ op: 'disconnect', rc: r.pick([0x80, 0x89, 0x8b, 0x93]) });
      else steps.push({ op: 'drop', how: r.pick(['terminate', 'close']) });
      connected = false;
      awaitingAccept = true;
    } else if (x < 0.92 && connected) {
      // end() only while connected (MQTT.js' end() during its reconnect pause races with the
      // reconnect timer: compat.js 'end-while-reconnecting'); forced, or graceful once nothing is
      // in flight (MQTT.js waits for acks that a
      // script that has ended would never send).
      const inFlight = pubs.some((p) => p.state === 'out' || p.state === 'rec');
      const force = inFlight || r.chance(0.4);
      if (force && inFlight) {
        // compat.js 'force-end-in-flight': both keep the messages, but a later reconnect() resends
        // them only in mpmqtt (MQTT.js swaps in fresh stores), so the callbacks differ.
        continue;
      }
      steps.push({ op: 'end', force });
      ended = true;
      connected = false;
      awaitingAccept = false;
    } else if (!connected && awaitingAccept) {
      accept();
    }
  }
  if (!connected && awaitingAccept && !ended) accept();
  return conv;
}

module.exports = { generate, prng, payloadBytes };
