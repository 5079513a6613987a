#!/usr/bin/env node
'use strict';
/**
 * Long differential run against MQTT.js 5.16 (the bounded one is in
 * tests/js/differential/differential.test.js):
 *
 *   node tests/differential/run.js [--count 5000] [--seed N] [--minutes M] [--no-shrink]
 *   node tests/differential/run.js --self          MQTT.js against itself: proves the test is deterministic
 *   node tests/differential/run.js --replay FILE   one conversation (a regression case or a printed one)
 *
 * Prints counts (played, agreed, each KNOWN_OPEN bug, unexplained) and, for each unexplained
 * divergence, the shrunk conversation as a JSON regression case for tests/differential/regressions/.
 * Exits 1 when a divergence is unexplained.
 */
const fs = require('fs');
const { generate } = require('./generator');
const { clients, runOne, runMany, knownOpen, startBrokers } = require('./diff');

function parseArgs(argv) {
  const o = { count: 5000, seed: (Date.now() % 1e9) >>> 0, minutes: Infinity, shrink: true, self: false, replay: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--count') o.count = Number(next());
    else if (a === '--seed') o.seed = Number(next()) >>> 0;
    else if (a === '--minutes') o.minutes = Number(next());
    else if (a === '--no-shrink') o.shrink = false;
    else if (a === '--self') o.self = true;
    else if (a === '--replay') o.replay = next();
    else throw new Error(`unknown option ${a} (see the comment at the top of ${__filename})`);
  }
  if (!Number.isInteger(o.count) || o.count < 1) throw new Error('--count must be a positive integer');
  return o;
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const shared = await startBrokers();
  let pair = clients();
  if (o.self) pair = [pair[0], Object.assign({}, pair[0], { name: 'mqtt.js (again)' })];
  const started = Date.now();
  try {
    if (o.replay) {
      const json = JSON.parse(fs.readFileSync(o.replay, 'utf8'));
      const conv = json.conversation || json;
      const { diff, obs } = await runOne(conv, shared, pair);
      for (const ob of obs) console.log(`${ob.client}: ${JSON.stringify(ob, null, 0)}`);
      console.log(diff ? `DIVERGES ${diff.text}\nsignature: ${diff.signature}` : 'AGREE');
      const known = diff && knownOpen(conv, diff);
      if (known) console.log(`known open bug: ${known.id}`);
      return diff && !known ? 1 : 0;
    }
    console.log(`differential: seed ${o.seed}, up to ${o.count} conversations${Number.isFinite(o.minutes) ? `, ${o.minutes} min` : ''}${o.self ? ' (MQTT.js against itself)' : ''}`);
    const stats = await runMany({
      seed: o.seed,
      count: o.count,
      generate,
      shared,
      pair,
      shrinkUnknown: o.shrink,
      deadline: started + o.minutes * 60000,
      log: (line) => console.log(line),
    });
    const secs = ((Date.now() - started) / 1000).toFixed(1);
    console.log(`\nplayed ${stats.played} conversations (${stats.steps} steps) in ${secs} s: ${stats.agreed} agreed`);
    for (const [id, n] of Object.entries(stats.deliberate)) console.log(`  deliberate difference ${id}: ${n}`);
    for (const [id, n] of Object.entries(stats.known)) console.log(`  known open bug ${id}: ${n}`);
    console.log(`  unexplained divergences: ${stats.unknown.length}`);
    for (const u of stats.unknown) {
      console.log(`\n--- seed ${u.seed}: ${u.signature}\n${u.text}\nregression case:`);
      console.log(JSON.stringify({ name: `seed-${u.seed}`, expect: 'agree', conversation: u.conv }, null, 1));
    }
    return stats.unknown.length ? 1 : 0;
  } finally {
    await shared.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err && err.stack ? err.stack : err);
    process.exit(2);
  },
);
