'use strict';
/**
 * Plays conversations to MQTT.js and to mpmqtt (in turn, same scripted broker), compares,
 * classifies a divergence against KNOWN_OPEN, and shrinks an unexplained one.
 */
const fs = require('fs');
const path = require('path');
const { play, startBrokers } = require('./player');
const { compare, DIFFERENCES } = require('./compare');
const { KNOWN_OPEN } = require('./known-open');

const REPO = path.resolve(__dirname, '..', '..');
const REGRESSIONS = path.join(__dirname, 'regressions');

/** `fn()` once, on first use. */
function lazy(fn) {
  let value;
  let done = false;
  return () => {
    if (!done) {
      value = fn();
      done = true;
    }
    return value;
  };
}

function clients() {
  const mqttjs = require('mqtt');
  const mpmqtt = lazy(() => require(path.join(REPO, 'dist', 'mqtt.min.js')));
  return [
    { name: 'mqtt.js', connect: (url, o) => mqttjs.connect(url, o) },
    { name: 'mpmqtt', connect: (url, o) => mpmqtt().connect(url, o) },
  ];
}

/** The KNOWN_OPEN entry a divergence matches, if any. */
function knownOpen(conv, diff) {
  return KNOWN_OPEN.find((k) => k.matches(diff, conv)) || null;
}

/** Plays `conv` to both clients; returns {diff, obs}. */
async function runOne(conv, shared, pair) {
  const [a, b] = pair;
  const oa = await play(conv, a, shared);
  const ob = await play(conv, b, shared);
  return { diff: compare(oa, ob, conv), obs: [oa, ob] };
}

/**
 * Drops steps while the conversation still diverges with the same signature (delta
 * debugging: halves, then quarters, ... then single steps; repeated until nothing goes).
 */
async function shrink(conv, signature, shared, pair, { maxPlays = 150, log = () => {} } = {}) {
  let best = conv;
  let plays = 0;
  const stillFails = async (candidate) => {
    plays++;
    const { diff } = await runOne(candidate, shared, pair);
    return diff && diff.signature === signature;
  };
  let chunk = Math.max(1, Math.floor(best.steps.length / 2));
  while (plays < maxPlays) {
    let removed = false;
    for (let i = 0; i < best.steps.length && plays < maxPlays; ) {
      const steps = best.steps.slice(0, i).concat(best.steps.slice(i + chunk));
      if (steps.length && (await stillFails(Object.assign({}, best, { steps })))) {
        best = Object.assign({}, best, { steps });
        removed = true;
        log(`shrink: ${best.steps.length} steps`);
      } else i += chunk;
    }
    if (!removed) {
      if (chunk === 1) break;
      chunk = Math.max(1, Math.floor(chunk / 2));
    }
  }
  // The broker's answers to filters the shrunk conversation no longer uses are noise.
  const used = new Set();
  for (const s of best.steps) {
    if (s.filters) s.filters.forEach((f) => used.add(f.topic));
    if (s.topics) s.topics.forEach((t) => used.add(t));
  }
  const pick = (codes) => Object.fromEntries(Object.entries(codes).filter(([f]) => used.has(f)));
  return { conv: Object.assign({}, best, { subCodes: pick(best.subCodes), unsubCodes: pick(best.unsubCodes) }), plays };
}

/** Regression cases: {name, bug?: KNOWN_OPEN id or deliberate difference id, expect, conversation}. */
function loadRegressions() {
  if (!fs.existsSync(REGRESSIONS)) return [];
  return fs
    .readdirSync(REGRESSIONS)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => Object.assign({ file: f }, JSON.parse(fs.readFileSync(path.join(REGRESSIONS, f), 'utf8'))));
}

/**
 * Runs `count` generated conversations from `seed`. Divergences matching KNOWN_OPEN are
 * counted per entry; others are shrunk (unless `shrinkUnknown` is false) and returned.
 */
async function runMany({ seed, count, generate, shared, pair, shrinkUnknown = true, log = () => {}, deadline = Infinity }) {
  const stats = { played: 0, agreed: 0, deliberate: {}, known: {}, unknown: [], steps: 0 };
  for (let i = 0; i < count; i++) {
    if (Date.now() > deadline) break;
    const conv = generate((seed + i) >>> 0);
    stats.played++;
    stats.steps += conv.steps.length;
    const { diff } = await runOne(conv, shared, pair);
    if (!diff) {
      stats.agreed++;
      continue;
    }
    const deliberate = DIFFERENCES.find((d) => d.matches && d.matches(diff, conv));
    if (deliberate) {
      stats.deliberate[deliberate.id] = (stats.deliberate[deliberate.id] || 0) + 1;
      continue;
    }
    const known = knownOpen(conv, diff);
    if (known) {
      stats.known[known.id] = (stats.known[known.id] || 0) + 1;
      continue;
    }
    log(`seed ${conv.seed}: ${diff.text}`);
    const entry = { seed: conv.seed, signature: diff.signature, text: diff.text, conv };
    if (shrinkUnknown) {
      const shrunk = await shrink(conv, diff.signature, shared, pair, { log });
      entry.conv = shrunk.conv;
      const again = await runOne(shrunk.conv, shared, pair);
      entry.text = again.diff ? again.diff.text : entry.text;
    }
    stats.unknown.push(entry);
  }
  return stats;
}

module.exports = { clients, runOne, shrink, runMany, knownOpen, loadRegressions, startBrokers, REGRESSIONS };
