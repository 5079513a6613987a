'use strict';
/**
 * Plays one conversation (generator.js) to one client through a scripted broker and records
 * what a page and the broker observe. Scripting is keyed on what the client sends: an ack for
 * page publish k uses the packet id the client gave the PUBLISH of topic `p/<k>`; the broker
 * answers SUBSCRIBE/UNSUBSCRIBE/PUBREC/PINGREQ itself. Between steps a barrier (a QoS 1
 * PUBLISH to `sync` the client must acknowledge, twice) makes sure the client has processed
 * everything before the next step, so nothing depends on wall-clock timing.
 */
const crypto = require('crypto');
const mqttPacket = require('mqtt-packet');
const { startFakeBroker } = require('../reliability/fake-broker');
const { payloadBytes } = require('./generator');

const SYNC_TOPIC = 'sync';
const SYNC_ID_BASE = 50000;
const CLIENT_ID = 'diffclient';
const WAIT_MS = 1500; // a bound for things that should take a millisecond; reached only on a divergence

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const turn = () => new Promise((r) => setImmediate(r));

/** Two fake brokers (one per protocol version, as the broker's parser needs it), shared by many plays. */
async function startBrokers() {
  const brokers = {};
  for (const v of [4, 5]) {
    const b = { route: null };
    b.fake = await startFakeBroker({
      protocolVersion: v,
      onConnection: (conn) => (b.route ? b.route(conn) : conn.terminate()),
    });
    brokers[v] = b;
  }
  return {
    brokers,
    stop: async () => {
      await brokers[4].fake.stop();
      await brokers[5].fake.stop();
    },
  };
}

const hash = (buf) => crypto.createHash('sha1').update(buf).digest('hex').slice(0, 12);

/** Properties as comparable JSON: binary values as hex. */
function normProps(props) {
  if (!props) return undefined;
  const out = {};
  for (const key of Object.keys(props).sort()) {
    const val = props[key];
    if (val === undefined) continue;
    out[key] = val instanceof Uint8Array ? Buffer.from(val).toString('hex') : val;
  }
  return Object.keys(out).length ? out : undefined;
}

function pageProps(props) {
  if (!props) return undefined;
  const out = Object.assign({}, props);
  if (typeof out.correlationData === 'string') out.correlationData = Buffer.from(out.correlationData, 'hex');
  return out;
}

/** An error as the page can compare it: a numeric reason code, or 'E'. */
const errCode = (err) => (err ? (typeof err.code === 'number' ? err.code : 'E') : null);

/**
 * @param {object} conv a conversation
 * @param {{name: string, connect: (url: string, opts: object) => object}} client how to create the client
 * @param {object} shared startBrokers() result
 */
async function play(conv, client, shared) {
  const v = conv.v;
  const broker = shared.brokers[v].fake;
  const route = shared.brokers[v];
  const obs = { client: client.name, page: [], conns: [], log: [], reconnects: 0, normalised: [] };
  let lastSend = null; // the last broker PUBLISH step (its topic, for aliases)
  const completed = new Set(); // page publishes k whose QoS 2 flow the broker finished (PUBCOMP sent)
  const conns = []; // every connection of this play: {conn, packets, connect, accepted, closed}
  const tagIds = new Map(); // page publish k -> {id, rec}
  const idTags = new Map(); // packet id -> k (the last PUBLISH that used it)
  const resentIds = new Set(); // page publishes already seen once
  const syncWaiters = new Map();
  let current = null; // the accepted, open connection
  let acceptedCount = 0;
  let syncCounter = 0;
  let recording = true;
  let stepIndex = -1;
  // The step an entry was observed in rides along outside its JSON (compat 'subscribe-callback-delay').
  const record = (entry) => recording && obs.page.push(Object.defineProperty(entry, 'step', { value: stepIndex }));

  route.route = (conn) => {
    const rec = { conn, packets: [], connectPacket: null, accepted: false, closed: false, pubrels: new Set() };
    conns.push(rec);
    const parser = mqttPacket.parser({ protocolVersion: v });
    parser.on('packet', (p) => onPacket(rec, p));
    parser.on('error', (err) => obs.log.push(['broker-parse-error', err.message]));
    conn.ws.on('message', (data) => parser.parse(Buffer.isBuffer(data) ? data : Buffer.concat(data)));
    conn.closed.then(() => {
      rec.closed = true;
      if (current === rec) current = null;
      for (const w of syncWaiters.values()) if (w.rec === rec) w.resolve(false);
    });
  };

  function send(rec, packet) {
    rec.conn.send(mqttPacket.generate(packet, { protocolVersion: v }));
  }

  function onPacket(rec, p) {
    switch (p.cmd) {
      case 'pingreq':
        return send(rec, { cmd: 'pingresp' });
      case 'connect':
        rec.connectPacket = p;
        break;
      case 'puback':
        if (p.messageId >= SYNC_ID_BASE) {
          const w = syncWaiters.get(p.messageId);
          if (w) w.resolve(true);
          return;
        }
        break;
      case 'publish': {
        const m = /^p\/(\d+)$/.exec(p.topic);
        if (m && p.qos > 0) {
          tagIds.set(Number(m[1]), { id: p.messageId, rec });
          idTags.set(p.messageId, Number(m[1]));
        }
        break;
      }
      case 'pubrel': {
        rec.pubrels.add(p.messageId);
        const k = idTags.get(p.messageId);
        // compat 'late-pubrec-answered': an answer to a PUBREC for a flow already complete.
        if (k !== undefined && completed.has(k)) {
          obs.normalised.push('late-pubrec-answered');
          return;
        }
        break;
      }
      case 'pubrec':
        send(rec, { cmd: 'pubrel', messageId: p.messageId });
        break;
      case 'subscribe': {
        const granted = p.subscriptions.map((s) => (s.topic in conv.subCodes ? conv.subCodes[s.topic] : s.qos));
        send(rec, { cmd: 'suback', messageId: p.messageId, granted });
        break;
      }
      case 'unsubscribe': {
        const ack = { cmd: 'unsuback', messageId: p.messageId };
        if (v === 5) ack.granted = p.unsubscriptions.map((t) => conv.unsubCodes[t] || 0);
        send(rec, ack);
        break;
      }
      default:
    }
    rec.packets.push(normPacket(p, idTags, resentIds));
  }

  /** Resolves once the client has processed everything sent so far (or the link is gone). */
  async function sync() {
    const rec = current;
    if (!rec || rec.closed) {
      await turn();
      await turn();
      return;
    }
    const id = SYNC_ID_BASE + (syncCounter++ % 10000);
    const done = new Promise((resolve) => {
      const timer = setTimeout(() => resolve('timeout'), WAIT_MS);
      syncWaiters.set(id, {
        rec,
        resolve: (x) => {
          clearTimeout(timer);
          resolve(x);
        },
      });
    });
    send(rec, { cmd: 'publish', topic: SYNC_TOPIC, qos: 1, messageId: id, payload: Buffer.alloc(0) });
    const res = await done;
    syncWaiters.delete(id);
    if (res === 'timeout') obs.log.push(['sync-timeout']);
    await turn();
  }

  async function waitFor(pred, ms = WAIT_MS) {
    const start = Date.now();
    while (!pred()) {
      if (Date.now() - start > ms) return false;
      await sleep(1);
    }
    return true;
  }

  // ---- the client ----
  const options = {
    protocolVersion: v,
    clean: conv.clean,
    clientId: CLIENT_ID,
    reconnectPeriod: 10,
    connectTimeout: 10000,
    keepalive: 60,
    // mpmqtt only (MQTT.js ignores it): compat 'takeover-detection' off, the script drops at will.
    sameClientIdLimit: 1000000,
  };
  if (v === 5 && conv.aliasMax) options.properties = { topicAliasMaximum: conv.aliasMax };
  const c = client.connect(broker.url, options);
  const counts = { connect: 0, close: 0, end: 0 };
  c.on('connect', (ack) => {
    counts.connect++;
    const entry = ['connect', ack.sessionPresent ? 1 : 0, v === 5 ? ack.reasonCode : ack.returnCode];
    const props = normProps(ack.properties);
    if (props) entry.push(props);
    record(entry);
  });
  c.on('message', (topic, payload, packet) => {
    if (topic === SYNC_TOPIC) return;
    // compat 'qos2-alias-topic': MQTT.js 5.16 delivers an aliased QoS 2 message with topic ''.
    if (topic === '' && packet.qos === 2 && lastSend && lastSend.alias && lastSend.alias.empty) {
      topic = lastSend.topic;
      obs.normalised.push('qos2-alias-topic');
    }
    const entry = ['message', topic, payload.length, hash(payload), packet.qos, packet.retain ? 1 : 0, packet.dup ? 1 : 0];
    const props = normProps(packet.properties);
    if (props) entry.push(props);
    record(entry);
  });
  c.on('close', () => {
    counts.close++;
    record(['close']);
  });
  c.on('offline', () => record(['offline']));
  c.on('end', () => {
    counts.end++;
    record(['end']);
  });
  c.on('reconnect', () => {
    if (recording) obs.reconnects++;
  });
  c.on('error', (err) => record(['error', errCode(err)]));
  c.on('disconnect', (packet) => record(['disconnect', packet.reasonCode]));

  let subIndex = 0;
  try {
    for (let i = 0; i < conv.steps.length; i++) {
      stepIndex = i;
      await runStep(conv.steps[i], i);
    }
    stepIndex = conv.steps.length;
    await sync();
    await sync();
  } finally {
    recording = false;
    obs.conns = conns.filter((r) => r.accepted).map((r) => r.packets);
    obs.bursts = conns.filter((r) => r.accepted).map((r) => (r.burstEnd === undefined ? r.packets.length : r.burstEnd));
    obs.unanswered = conns.filter((r) => !r.accepted).length;
    await new Promise((resolve) => {
      const t = setTimeout(resolve, 500);
      c.end(true, () => {
        clearTimeout(t);
        resolve();
      });
    });
    for (const r of conns) r.conn.terminate();
    route.route = null;
  }
  return obs;

  async function runStep(step, i) {
    // The reconnect burst (resubscriptions, queued and replayed packets) of the current
    // connection is what it sent before the first step that is not its CONNACK or an
    // acknowledgement of the replay (the generator puts those right after the accept).
    if (step.op !== 'accept' && step.op !== 'ack' && current && current.burstEnd === undefined) current.burstEnd = current.packets.length;
    switch (step.op) {
      case 'accept': {
        let rec = null;
        const found = await waitFor(() => {
          rec = conns.find((r, idx) => idx >= acceptedCount && !r.closed && r.connectPacket);
          return rec;
        });
        if (!found) return obs.log.push(['skip', i]);
        acceptedCount = conns.indexOf(rec) + 1;
        rec.accepted = true;
        current = rec;
        const before = counts.close;
        const ack = { cmd: 'connack', sessionPresent: !!step.sp };
        if (v === 5) {
          ack.reasonCode = 0;
          if (step.props) ack.properties = step.props;
        } else ack.returnCode = 0;
        send(rec, ack);
        // Not the 'connect' event: MQTT.js emits it only once its stored messages are acknowledged.
        await waitFor(() => c.connected || counts.close > before);
        await sync();
        return sync();
      }
      case 'drop':
      case 'disconnect': {
        const rec = current;
        if (!rec) return obs.log.push(['skip', i]);
        const before = counts.close;
        if (step.op === 'disconnect') {
          send(rec, { cmd: 'disconnect', reasonCode: step.rc });
          rec.conn.close(1000, '');
        } else if (step.how === 'close') rec.conn.close(1000, '');
        else rec.conn.terminate();
        current = null;
        await waitFor(() => counts.close > before);
        return sync();
      }
      case 'ack': {
        let target = null;
        const ok = await waitFor(() => {
          const rec = current;
          if (!rec) return false;
          const t = tagIds.get(step.k);
          if (!t) return false;
          if (step.late) return (target = t.id);
          if (t.rec !== rec && step.kind !== 'pubcomp') return false;
          if (step.kind === 'pubcomp' && !rec.pubrels.has(t.id)) return false;
          return (target = t.id);
        }, step.late ? 0 : 300);
        if (!ok) return obs.log.push(['skip', i]);
        const ack = { cmd: step.kind, messageId: target };
        if (v === 5 && step.rc) ack.reasonCode = step.rc;
        if (step.kind === 'pubcomp' || (step.kind === 'pubrec' && step.rc >= 0x80)) completed.add(step.k);
        send(current, ack);
        await sync();
        return sync();
      }
      case 'send': {
        if (!current) return obs.log.push(['skip', i]);
        lastSend = step;
        const packet = {
          cmd: 'publish',
          topic: step.alias && step.alias.empty ? '' : step.topic,
          qos: step.qos,
          retain: !!step.retain,
          dup: !!step.dup,
          payload: payloadBytes(conv.seed, 100000 + step.n, step.size),
        };
        if (step.qos > 0) packet.messageId = step.n;
        if (v === 5) {
          const props = Object.assign({}, pageProps(step.props));
          if (step.alias) props.topicAlias = step.alias.id;
          if (Object.keys(props).length) packet.properties = props;
        }
        send(current, packet);
        await sync();
        return sync();
      }
      case 'pub': {
        const opts = { qos: step.qos, retain: !!step.retain };
        if (step.props) opts.properties = pageProps(step.props);
        c.publish(`p/${step.k}`, payloadBytes(conv.seed, step.k, step.size), opts, (err) => record(['cb-pub', step.k, errCode(err)]));
        await turn();
        await sync();
        return sync();
      }
      case 'sub': {
        const id = ++subIndex;
        const topics = {};
        for (const f of step.filters) topics[f.topic] = { qos: f.qos };
        const opts = step.props ? { properties: step.props } : {};
        c.subscribe(topics, opts, (err, granted) =>
          record(['cb-sub', id, errCode(err), granted ? granted.map((g) => [g.topic, g.qos]) : null]),
        );
        await turn();
        await sync();
        return sync();
      }
      case 'unsub': {
        const id = ++subIndex;
        c.unsubscribe(step.topics, {}, (err) => record(['cb-unsub', id, errCode(err)]));
        await turn();
        await sync();
        return sync();
      }
      case 'end': {
        const before = counts.end;
        c.end(!!step.force, () => record(['cb-end']));
        if (!(await waitFor(() => counts.end > before))) obs.log.push(['end-timeout', i]);
        current = null;
        await sleep(2);
        return;
      }
      case 'reconnect':
        c.reconnect();
        await turn();
        return;
      default:
        throw new Error(`unknown step ${JSON.stringify(step)}`);
    }
  }
}

/** A client packet as comparable JSON: no client id, packet ids only where they name something. */
function normPacket(p, idTags, resent) {
  const out = { cmd: p.cmd };
  switch (p.cmd) {
    case 'connect':
      Object.assign(out, { v: p.protocolVersion, clean: p.clean, keepalive: p.keepalive, id: p.clientId === CLIENT_ID ? 'fixed' : 'other' });
      if (p.will) out.will = true;
      if (p.username !== undefined) out.username = p.username;
      break;
    case 'publish': {
      const m = /^p\/(\d+)$/.exec(p.topic);
      Object.assign(out, { topic: p.topic, qos: p.qos, retain: p.retain ? 1 : 0, dup: p.dup ? 1 : 0, size: p.payload.length, hash: hash(p.payload) });
      if (p.qos > 0) out.id = m ? `p${m[1]}` : 'other';
      if (p.qos > 0 && resent.has(out.id)) out.resent = 1;
      if (p.qos > 0) resent.add(out.id);
      break;
    }
    case 'pubrel': {
      const k = idTags.get(p.messageId);
      out.id = k === undefined ? 'unknown' : `p${k}`;
      break;
    }
    case 'puback':
    case 'pubrec':
    case 'pubcomp':
      out.id = p.messageId; // ids the broker chose
      break;
    case 'subscribe':
      out.subs = p.subscriptions.map((s) => [s.topic, s.qos, s.nl ? 1 : 0, s.rap ? 1 : 0, s.rh || 0]);
      break;
    case 'unsubscribe':
      out.topics = p.unsubscriptions;
      break;
    default:
  }
  if (p.reasonCode) out.rc = p.reasonCode;
  const props = normProps(p.properties);
  if (props) out.props = props;
  return out;
}

module.exports = { play, startBrokers, CLIENT_ID };
