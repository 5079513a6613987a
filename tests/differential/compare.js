'use strict';
/**
 * Compares what a page and the broker observed of MQTT.js and of mpmqtt in one conversation.
 * Only the documented differences below are normalised (or kept out of the generator); each
 * is also listed, with its reason, in docs/compat.md.
 */

/**
 * Every known difference between mpmqtt and MQTT.js 5.x that this test normalises or avoids.
 * `how`: 'normalised' (the comparison ignores it, see the code named) or 'not generated'
 * (generator.js leaves the pattern out, since it changes everything after it).
 */
const DIFFERENCES = [
  { id: 'client-id', how: 'normalised', where: 'player.js normPacket', what: 'client id in CONNECT (fixed by the test; only "fixed" vs "other" is compared)' },
  { id: 'packet-id-choice', how: 'normalised', where: 'player.js normPacket', what: 'which packet id a PUBLISH/SUBSCRIBE/UNSUBSCRIBE gets (the spec leaves it free): ids are replaced by the page publish they belong to, SUBSCRIBE/UNSUBSCRIBE ids dropped' },
  { id: 'error-text', how: 'normalised', where: 'player.js errCode', what: 'error messages and string error codes: only "an error" or its numeric reason code is compared' },
  { id: 'reconnect-attempts', how: 'normalised', where: 'compare.js', what: 'how many "reconnect" events (attempts) a pause between drop and the next CONNACK produces, and connection attempts the broker never answered; both depend on timers' },
  { id: 'connect-after-replay', how: 'normalised', where: 'compare.js connectFirst', what: 'MQTT.js emits "connect" only after every stored message replayed on that connection is acknowledged (after their callbacks); mpmqtt emits it on CONNACK. The comparison moves "connect" ahead of the publish callbacks just before it' },
  { id: 'replay-one-at-a-time', how: 'not generated', where: 'generator.js accept()', what: 'after a reconnect MQTT.js resends stored QoS 1/2 messages one at a time, each after the previous one\'s acknowledgement, and holds new ones until then; mpmqtt resends them all at once (up to Receive Maximum). The broker script acknowledges the replay in order before anything else' },
  { id: 'suback-refusal-report', how: 'normalised', where: 'compare.js pageEntry', what: 'a SUBACK refusing a filter: MQTT.js 5.16 calls back an Error without a numeric code (ErrorWithSubackPacket drops it) and a granted list that repeats the requested QoS, on 3.1.1 and 5.0 alike; mpmqtt reports granted[i].qos = the code, on 5.0 with an error whose code is the first refusal, on 3.1.1 without an error (as MQTT.js 4). Compared: "refused" or not, and the granted list only when nothing was refused' },
  { id: 'qos2-alias-topic', how: 'normalised', where: 'player.js message', what: 'MQTT.js 5.16 delivers a QoS 2 PUBLISH that arrived with an empty topic and a Topic Alias with topic "" (it stores the packet before resolving the alias; a bug in MQTT.js); mpmqtt delivers the aliased topic. The player puts the topic the broker meant in MQTT.js\' entry' },
  { id: 'late-pubrec-answered', how: 'normalised', where: 'player.js pubrel', what: 'a duplicate PUBREC for a QoS 2 flow that is complete: mpmqtt answers PUBREL (5.0: reason 0x92 Packet Identifier not found, issue 18), MQTT.js ignores it. Such PUBRELs are left out of the comparison' },
  { id: 'offline-close-order', how: 'normalised', where: 'compare.js pageEntries', what: 'OPEN: on a lost connection MQTT.js 5.16 emits "offline" then "close", mpmqtt "close" then "offline". The comparison treats the pair as unordered' },
  { id: 'dup-on-redelivery', how: 'normalised', where: 'compare.js sentStreams', what: 'DUP flag of a QoS 1/2 PUBLISH sent again after a reconnect: mpmqtt sets it when the broker kept the session [MQTT-3.3.1-1], MQTT.js 5.16 never does. Not compared on resent PUBLISHes' },
  { id: 'reconnect-burst-order', how: 'normalised', where: 'compare.js sentStreams/pageStreams', what: 'after a reconnect the two send resubscriptions, replayed and queued messages (PUBLISH and PUBREL) in a different interleaving, and MQTT.js resubscribes one filter per SUBSCRIBE where mpmqtt groups filters with equal properties. Compared: each kind in its own order (PUBLISHes; PUBRELs as a set; SUBSCRIBE filters; UNSUBSCRIBE; acks of broker messages; the rest), and on the page: events and messages; publish callbacks; subscribe/unsubscribe callbacks' },
  { id: 'takeover-detection', how: 'normalised', where: 'player.js options', what: 'mpmqtt stops reconnecting (error client_id_taken) after 3 connections in a row closed by the broker within 2 s of CONNACK; MQTT.js reconnects forever. The test passes sameClientIdLimit (an mpmqtt option MQTT.js ignores) so the script may drop at will' },
  { id: 'refused-sibling-kept', how: 'normalised + not generated', where: 'compare.js forgottenByConnection/sentStreams; generator.js mqttjsSubscriptions', what: 'a SUBACK refusing one filter of a SUBSCRIBE: MQTT.js 5.16 forgets every filter of that SUBSCRIBE (3.1.1: a resubscription holding one refused filter, subscribed offline, makes it forget its whole table), so after a reconnect without session it stops resubscribing the granted ones and the page silently loses their messages; mpmqtt keeps what the broker granted. Normalised: mpmqtt\'s burst SUBSCRIBE of exactly such a filter (as MQTT.js sent it) where MQTT.js\' burst has none. Not generated: a later subscribe() of such a filter at no higher QoS (MQTT.js sends it, mpmqtt skips it as already subscribed, which changes everything after it)' },
  { id: 'resubscribe-order', how: 'normalised', where: 'compare.js burstSubscriptions (burst bounds: player.js burstEnd)', what: 'the order of SUBSCRIBEs in a reconnect burst: MQTT.js sends the subscribe() calls queued offline, then its table in key order (one SUBSCRIBE per filter on 5.0); mpmqtt resubscribes granted filters in the order first granted, grouped by properties, then sends the queued calls. Compared: what each filter ends with after the burst (its last SUBSCRIBE entry), and for a filter that ends unsubscribed, the SUBSCRIBEs of it that went before' },
  { id: 'subscribe-callback-delay', how: 'normalised', where: 'compare.js mqttjsCallOrder (step of each entry: player.js record)', what: 'MQTT.js 5.16 calls a subscribe() callback through a promise chain (granted: a few microtasks after the SUBACK, refused: one more) and an unsubscribe() callback at once, so acks handled in one turn (a reconnect burst) call back out of call order; mpmqtt calls back in the order the acks arrive. MQTT.js\' adjacent pairs inverted by exactly that rule within one step are put back' },
  { id: 'offline-subscribe-twice', how: 'normalised', where: 'compare.js sentStreams', what: 'a subscribe() made while disconnected: MQTT.js 5.16 sends it twice after the reconnect (once queued, once as a resubscription); mpmqtt once. A filter repeated at the same QoS with the same properties on one connection is compared once' },
  {
    id: 'session-present-on-clean-start',
    how: 'diverges (deliberate)',
    where: 'diff.js runMany',
    what: 'CONNACK Session Present 1 in answer to Clean Start 1 (v5) / Clean Session 1 (3.1.1): mpmqtt closes the connection with an error [MQTT-3.2.2-4]; MQTT.js accepts it. A conversation whose first difference is this counts as deliberate',
    matches: (diff) => diff.stream === 'page' && Array.isArray(diff.a) && diff.a[0] === 'connect' && diff.a[1] === 1 && Array.isArray(diff.b) && diff.b[0] === 'error',
  },
  { id: 'pubrec-then-session-lost', how: 'not generated', where: 'generator.js accept()', what: 'QoS 2 publish PUBREC\'d, then reconnect with Session Present 0: mpmqtt completes it (the broker took it), MQTT.js sends PUBREL again' },
  { id: 'end-while-reconnecting', how: 'not generated', where: 'generator.js end', what: 'end() during the reconnect pause, then reconnect(): MQTT.js 5.16 sometimes sends DISCONNECT right after the next CONNACK (its end() races with its reconnect timer; seen comparing MQTT.js with itself), so there is no single behaviour to compare with' },
  { id: 'force-end-in-flight', how: 'not generated', where: 'generator.js end', what: 'end(true) with QoS 1/2 in flight, then reconnect(): both keep the messages, MQTT.js swaps in fresh stores and never resends them or calls back, mpmqtt resends them and calls back' },
];

const same = (x, y) => JSON.stringify(x) === JSON.stringify(y);

/** A short label of an observation entry, for signatures. */
function label(entry) {
  if (entry === undefined) return 'nothing';
  if (Array.isArray(entry)) {
    const [kind] = entry;
    if (kind === 'error' || kind === 'disconnect') return `${kind}(${entry[1]})`;
    if (kind === 'cb-pub' || kind === 'cb-unsub') return `${kind}(${entry[2] === null ? 'ok' : entry[2]})`;
    if (kind === 'cb-sub') return `cb-sub(${entry[2] === null ? 'ok' : entry[2]})`;
    if (kind === 'connect') return `connect(sp=${entry[1]})`;
    if (kind === 'skip') return 'broker-step-skipped';
    return String(kind);
  }
  if (entry && entry.cmd) return entry.cmd + (entry.rc ? `(${entry.rc})` : '');
  return JSON.stringify(entry);
}

/** A page entry with compat 'suback-refusal-report' applied. */
function pageEntry(entry) {
  if (entry[0] !== 'cb-sub') return entry;
  const [, id, err, granted] = entry;
  const refused = err !== null || (granted || []).some(([, qos]) => qos >= 0x80);
  if (!refused) return entry;
  return Object.defineProperty(['cb-sub', id, 'refused', (granted || []).map(([t]) => t)], 'step', { value: entry.step });
}

/** compat 'offline-close-order': the pair in mpmqtt's order. */
function closeFirst(page) {
  const out = page.slice();
  for (let i = 0; i + 1 < out.length; i++) {
    if (out[i][0] === 'offline' && out[i + 1][0] === 'close') out.splice(i, 2, out[i + 1], out[i]);
  }
  return out;
}

/** compat 'connect-after-replay': 'connect' moved ahead of the publish callbacks right before it. */
function connectFirst(page) {
  const out = page.slice();
  for (let i = 0; i < out.length; i++) {
    if (out[i][0] !== 'connect') continue;
    let j = i;
    while (j > 0 && out[j - 1][0] === 'cb-pub') j--;
    if (j < i) out.splice(j, 0, out.splice(i, 1)[0]);
  }
  return out;
}

/**
 * compat 'subscribe-callback-delay': MQTT.js 5.16 calls a subscribe() callback through a
 * promise chain (Promise.all(...).then(cb).catch(cb)), a few microtasks after its SUBACK, one
 * more when refused, and an unsubscribe() callback at once; acks handled in one turn (a
 * reconnect burst) therefore call back out of order. Undone here: an adjacent pair out of call
 * order, observed during one step, whose later call MQTT.js calls back sooner by that rule
 * (unsubscribe before subscribe, granted before refused) is put back. Any other order
 * difference stays visible (a skipped subscribe() is called back at once by both: not this).
 */
function mqttjsCallOrder(callbacks, hits) {
  const delay = (e) => (e[0] === 'cb-unsub' ? 0 : e[2] === null ? 1 : 2);
  const out = callbacks.slice();
  for (let swapped = true; swapped; ) {
    swapped = false;
    for (let i = 0; i + 1 < out.length; i++) {
      const [x, y] = [out[i], out[i + 1]];
      if (x.step === y.step && x[1] > y[1] && delay(x) < delay(y)) {
        out[i] = y;
        out[i + 1] = x;
        swapped = true;
        hits.push('subscribe-callback-delay');
      }
    }
  }
  return out;
}

/** compat 'reconnect-burst-order': the page's observations, one ordered list per kind. */
function pageStreams(page, mqttjs, opts) {
  const streams = { page: [], 'page publish callbacks': [], 'page subscribe callbacks': [] };
  for (const e of page) {
    if (e[0] === 'cb-pub') streams['page publish callbacks'].push(e);
    else if (e[0] === 'cb-sub' || e[0] === 'cb-unsub') streams['page subscribe callbacks'].push(e);
    else streams.page.push(e);
  }
  if (mqttjs && !opts.off.has('subscribe-callback-delay')) {
    streams['page subscribe callbacks'] = mqttjsCallOrder(streams['page subscribe callbacks'], opts.hits);
  }
  return streams;
}

/**
 * compat 'refused-sibling-kept': the filters MQTT.js 5.16 has forgotten at the start of each of
 * its connections: granted in a SUBSCRIBE whose SUBACK refused another filter (MQTT.js then
 * deletes every filter of that SUBSCRIBE from _resubscribeTopics; mpmqtt keeps the granted
 * ones), not subscribed or unsubscribed since. Worked out from what MQTT.js sent and the
 * codes the scripted broker answers with: filter -> the entry as MQTT.js sent it.
 */
function forgottenByConnection(mqttjs, conv) {
  const refused = (t) => t in conv.subCodes && conv.subCodes[t] >= 0x80;
  const forgotten = new Map();
  // subscribe() puts the filters in MQTT.js' table when it sends them; a refusing SUBACK
  // deletes them; unsubscribe() deletes at once, and mpmqtt forgets at the UNSUBACK.
  const sent = (p) => p.cmd === 'subscribe' && p.subs.forEach(([t]) => forgotten.delete(t));
  const acked = (p) => {
    if (p.cmd === 'unsubscribe') p.topics.forEach((t) => forgotten.delete(t));
    if (p.cmd !== 'subscribe' || !p.subs.some(([t]) => refused(t))) return;
    for (const sub of p.subs) if (!refused(sub[0])) forgotten.set(sub[0], { cmd: 'subscribe', sub, props: p.props });
  };
  const out = [];
  mqttjs.conns.forEach((packets, c) => {
    out.push(new Map(forgotten));
    // A reconnect burst is sent before its acks arrive (the queued SUBSCRIBEs, then the
    // resubscription); later, the broker answers each request before the next step.
    const burst = c > 0 && mqttjs.bursts ? mqttjs.bursts[c] : 0;
    packets.slice(0, burst).forEach(sent);
    packets.slice(0, burst).forEach(acked);
    for (const p of packets.slice(burst)) {
      sent(p);
      acked(p);
    }
  });
  return out;
}

/**
 * compat 'resubscribe-order': the subscriptions a reconnect burst leaves, one entry per filter
 * in filter order: its last SUBSCRIBE entry, or, when it ends unsubscribed, the SUBSCRIBE
 * entries of it that went before (so a filter subscribed in the burst although the page had
 * unsubscribed it still shows).
 */
function burstSubscriptions(entries) {
  const byFilter = new Map();
  for (const e of entries) {
    const f = e.cmd === 'subscribe' ? e.sub[0] : e.topic;
    if (!byFilter.has(f)) byFilter.set(f, []);
    byFilter.get(f).push(e);
  }
  return [...byFilter.keys()].sort().map((f) => {
    const ops = byFilter.get(f);
    const last = ops[ops.length - 1];
    if (last.cmd === 'subscribe') return last;
    const before = [...new Set(ops.filter((o) => o.cmd === 'subscribe').map((o) => JSON.stringify(o)))].sort();
    return { cmd: 'unsubscribed', topic: f, before };
  });
}

/**
 * compat 'reconnect-burst-order' and 'dup-on-redelivery': one connection's packets, one list per kind.
 * `burst`: how many packets are the connection's reconnect burst, compared as
 * 'resubscribe-order' (0: none, the first connection); `kept`: filter -> entry that
 * 'refused-sibling-kept' takes out of the burst (mpmqtt's resubscription of a filter MQTT.js forgot).
 */
function sentStreams(packets, burst = 0, kept = new Map(), opts = { off: new Set(), hits: [] }) {
  const streams = { 'sent publish': [], 'sent pubrel': [], 'sent subscribe': [], 'sent unsubscribe': [], 'sent acks': [], sent: [] };
  if (burst) {
    const entries = [];
    for (const p of packets.slice(0, burst)) {
      if (p.cmd === 'subscribe') p.subs.forEach((sub) => entries.push({ cmd: 'subscribe', sub, props: p.props }));
      if (p.cmd === 'unsubscribe') p.topics.forEach((topic) => entries.push({ cmd: 'unsubscribe', topic }));
    }
    if (!opts.off.has('refused-sibling-kept')) {
      for (const entry of kept.values()) {
        const i = entries.findIndex((e) => same(e, entry));
        if (i < 0) continue;
        entries.splice(i, 1);
        opts.hits.push('refused-sibling-kept');
      }
    }
    if (opts.off.has('resubscribe-order')) {
      for (const e of entries) if (e.cmd === 'subscribe' && !streams['sent subscribe'].some((x) => same(x, e))) streams['sent subscribe'].push(e);
    } else streams['sent subscribe'].push(...burstSubscriptions(entries));
    // The burst's UNSUBSCRIBEs stay in 'sent unsubscribe' too, in order.
    packets = packets.filter((p, i) => i >= burst || p.cmd !== 'subscribe');
  }
  for (const p of packets) {
    if (p.cmd === 'publish') {
      const q = Object.assign({}, p);
      if (q.resent) delete q.dup;
      streams['sent publish'].push(q);
    } else if (p.cmd === 'pubrel') streams['sent pubrel'].push(p);
    else if (p.cmd === 'subscribe') {
      const list = streams['sent subscribe'];
      for (const sub of p.subs) {
        const entry = { cmd: 'subscribe', sub, props: p.props };
        // compat 'offline-subscribe-twice': MQTT.js sends the queued SUBSCRIBE (its filters
        // together) and its resubscription (one filter each), so the repeat need not be
        // adjacent. Neither client sends one filter twice at one QoS on one connection
        // otherwise (both skip a subscribe() of a filter already granted at that QoS).
        if (!list.some((e) => same(e, entry))) list.push(entry);
      }
    } else if (p.cmd === 'unsubscribe') streams['sent unsubscribe'].push(p);
    else if (p.cmd === 'puback' || p.cmd === 'pubrec' || p.cmd === 'pubcomp') streams['sent acks'].push(p);
    else streams.sent.push(p);
  }
  // PUBRELs answer the broker's PUBRECs, whose order the one-at-a-time replay sets: compared as a set.
  streams['sent pubrel'].sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
  return streams;
}


/**
 * @returns {null | {stream: string, index: number, a: any, b: any, signature: string, text: string}}
 *   the first difference (a = MQTT.js, b = mpmqtt), or null when they agree.
 */
function compare(a, b, conv, opts = {}) {
  opts = { off: new Set(opts.off || []), hits: opts.hits || [] };
  const isMqttJs = (o) => /^mqtt\.js/.test(o.client);
  const diffList = (stream, la, lb) => {
    const n = Math.max(la.length, lb.length);
    for (let i = 0; i < n; i++) {
      if (!same(la[i], lb[i])) {
        return {
          stream,
          index: i,
          a: la[i],
          b: lb[i],
          signature: `${stream}: ${label(la[i])} vs ${label(lb[i])}`,
          text: `${stream}[${i}]: mqtt.js ${JSON.stringify(la[i])} / mpmqtt ${JSON.stringify(lb[i])}`,
        };
      }
    }
    return null;
  };
  const norm = (o) => pageStreams(connectFirst(closeFirst(o.page.map(pageEntry))), isMqttJs(o), opts);
  const pa = norm(a);
  const pb = norm(b);
  for (const name of Object.keys(pa)) {
    const d = diffList(name, pa[name], pb[name]);
    if (d) return d;
  }
  const conns = Math.max(a.conns.length, b.conns.length);
  // compat 'resubscribe-order': every connection but the first starts with a reconnect burst.
  const burst = (o, c) => (c > 0 && o.bursts ? o.bursts[c] || 0 : 0);
  // compat 'refused-sibling-kept', only where MQTT.js is compared with mpmqtt: mpmqtt's
  // resubscription of a filter MQTT.js forgot, where MQTT.js' burst has no SUBSCRIBE of it.
  const forgotten = conv && isMqttJs(a) && !isMqttJs(b) ? forgottenByConnection(a, conv) : [];
  for (let c = 0; c < conns; c++) {
    const kept = new Map();
    const burstA = (a.conns[c] || []).slice(0, burst(a, c));
    const sentByA = new Set(burstA.filter((p) => p.cmd === 'subscribe').flatMap((p) => p.subs.map(([t]) => t)));
    for (const [topic, entry] of forgotten[c] || []) if (!sentByA.has(topic)) kept.set(topic, entry);
    const sa = sentStreams(a.conns[c] || [], burst(a, c), new Map(), opts);
    const sb = sentStreams(b.conns[c] || [], burst(b, c), kept, opts);
    for (const name of Object.keys(sa)) {
      const d = diffList(`${name}(conn ${c})`, sa[name], sb[name]);
      if (d) {
        d.signature = d.signature.replace(/\(conn \d+\)/, '');
        return d;
      }
    }
  }
  return diffList('broker', a.log, b.log);
}

module.exports = { compare, DIFFERENCES, label, burstSubscriptions, mqttjsCallOrder, forgottenByConnection };
