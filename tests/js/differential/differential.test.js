'use strict';
/**
 * Differential test against MQTT.js 5.16 (issue 18): the same scripted broker conversations
 * played to MQTT.js and to mpmqtt (dist/mqtt.min.js) must look the same to a page and to the
 * broker, up to the documented differences (tests/differential/compare.js DIFFERENCES,
 * docs/compat.md).
 *
 * KNOWN_OPEN (tests/differential/known-open.js) lists mpmqtt bugs found and not fixed yet.
 * This file FAILS when a KNOWN_OPEN entry's regression case no longer reproduces, so the
 * table cannot go stale: delete the entry once its fix lands.
 *
 * Long run: node tests/differential/run.js --count 5000 --seed N
 */
const test = require('node:test');
const assert = require('node:assert');
const path = require('path');
const { skipUnless } = require('../../reliability/harness');
const { generate } = require('../../differential/generator');
const { DIFFERENCES } = require('../../differential/compare');
const { KNOWN_OPEN } = require('../../differential/known-open');
const diffLib = require('../../differential/diff');

const SEED = 20261207;
const COUNT = 300;
const BUDGET_MS = 75000; // measured: ~18 s for 300 on the 2-core build machine

const skip = skipUnless();
let shared = null;
let pair = null;

test.before(async () => {
  if (skip) return;
  shared = await diffLib.startBrokers();
  pair = diffLib.clients();
});
test.after(async () => {
  if (shared) await shared.stop();
});

test('MQTT.js against itself agrees (the test is deterministic)', { skip }, async () => {
  const self = [pair[0], Object.assign({}, pair[0], { name: 'mqtt.js (again)' })];
  const stats = await diffLib.runMany({ seed: SEED, count: 40, generate, shared, pair: self, shrinkUnknown: false });
  assert.deepStrictEqual(stats.unknown.map((u) => u.text), []);
  assert.strictEqual(stats.agreed, stats.played);
});

for (const reg of diffLib.loadRegressions()) {
  const open = reg.bug && KNOWN_OPEN.find((k) => k.id === reg.bug);
  const title = open ? `regression ${reg.file} still reproduces KNOWN_OPEN ${reg.bug}` : `regression ${reg.file}`;
  test(title, { skip }, async () => {
    const { diff } = await diffLib.runOne(reg.conversation, shared, pair);
    if (open) {
      assert.ok(
        diff && open.matches(diff, reg.conversation),
        `KNOWN_OPEN '${reg.bug}' no longer reproduces (${diff ? diff.text : 'the clients agree'}): ` +
          'if it is fixed, delete the entry from tests/differential/known-open.js and mark it fixed in docs/compat.md',
      );
    } else if (reg.expect === 'agree') {
      assert.strictEqual(diff && diff.text, null);
    } else {
      assert.ok(diff, 'expected the documented divergence, the clients agree');
      assert.strictEqual(diff.signature, reg.expect.diverge);
    }
  });
}

test(`${COUNT} generated conversations (seed ${SEED}): no unexplained divergence`, { skip }, async () => {
  const started = Date.now();
  // No shrinking here (a shrink replays a conversation ~100 times): run.js --seed S --count 1 does it.
  const stats = await diffLib.runMany({ seed: SEED, count: COUNT, generate, shared, pair, shrinkUnknown: false, deadline: started + BUDGET_MS });
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`differential: ${stats.played} conversations (${stats.steps} steps) in ${secs} s; ${stats.agreed} agreed`);
  for (const [id, n] of Object.entries(stats.deliberate)) console.log(`  deliberate difference ${id}: ${n}`);
  for (const [id, n] of Object.entries(stats.known)) console.log(`  KNOWN_OPEN ${id}: ${n}`);
  for (const u of stats.unknown) {
    console.log(`unexplained divergence, seed ${u.seed}: ${u.text}\n(shrink it: node tests/differential/run.js --seed ${u.seed} --count 1)`);
    console.log(JSON.stringify({ name: `seed-${u.seed}`, expect: 'agree', conversation: u.conv }, null, 1));
  }
  assert.strictEqual(stats.played, COUNT, `only ${stats.played} of ${COUNT} conversations within ${BUDGET_MS} ms`);
  assert.deepStrictEqual(stats.unknown.map((u) => `seed ${u.seed}: ${u.text}`), []);
  // Most conversations must be compared in full, or the oracle says little.
  assert.ok(stats.agreed >= COUNT * 0.5, `only ${stats.agreed} of ${COUNT} agreed`);
});

test('every documented difference names where it is handled', () => {
  for (const d of DIFFERENCES) assert.ok(d.id && d.how && d.where && d.what, JSON.stringify(d));
  const ids = new Set(DIFFERENCES.map((d) => d.id));
  assert.strictEqual(ids.size, DIFFERENCES.length);
  for (const k of KNOWN_OPEN) assert.ok(typeof k.matches === 'function' && k.title, k.id);
  // Each KNOWN_OPEN bug has a regression case, so its removal is tested.
  const regs = diffLib.loadRegressions();
  for (const k of KNOWN_OPEN) assert.ok(regs.some((r) => r.bug === k.id), `no regression case for ${k.id} in ${path.relative(process.cwd(), diffLib.REGRESSIONS)}`);
});
