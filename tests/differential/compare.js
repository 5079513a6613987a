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
  { id: 'force-end-in-flight', how: 'not generated', where: 'generator.js end', what: 'end(true) with QoS 1/2 in flight: mpmqtt fails the callbacks, MQTT.js keeps them in its store without calling back' },
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
  return refused ? ['cb-sub', id, 'refused', (granted || []).map(([t]) => t)] : entry;
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

/** compat 'reconnect-burst-order': the page's observations, one ordered list per kind. */
function pageStreams(page) {
  const streams = { page: [], 'page publish callbacks': [], 'page subscribe callbacks': [] };
  for (const e of page) {
    if (e[0] === 'cb-pub') streams['page publish callbacks'].push(e);
    else if (e[0] === 'cb-sub' || e[0] === 'cb-unsub') streams['page subscribe callbacks'].push(e);
    else streams.page.push(e);
  }
  return streams;
}

/** compat 'reconnect-burst-order' and 'dup-on-redelivery': one connection's packets, one list per kind. */
function sentStreams(packets) {
  const streams = { 'sent publish': [], 'sent pubrel': [], 'sent subscribe': [], 'sent unsubscribe': [], 'sent acks': [], sent: [] };
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
function compare(a, b) {
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
  const norm = (page) => pageStreams(connectFirst(closeFirst(page.map(pageEntry))));
  const pa = norm(a.page);
  const pb = norm(b.page);
  for (const name of Object.keys(pa)) {
    const d = diffList(name, pa[name], pb[name]);
    if (d) return d;
  }
  const conns = Math.max(a.conns.length, b.conns.length);
  for (let c = 0; c < conns; c++) {
    const sa = sentStreams(a.conns[c] || []);
    const sb = sentStreams(b.conns[c] || []);
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

module.exports = { compare, DIFFERENCES, label };
