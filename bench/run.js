#!/usr/bin/env node
'use strict';
/**
 * Runs every benchmark in one process and one broker, then prints ONE markdown table:
 * each figure as "median (min–max)" over the repetitions, for mpmqtt, MQTT.js 5.16.0 and
 * the section's other anchor (MQTT.js 4.2.1, the bare ws limit or mqtt-packet), with the
 * ratios ours ÷ anchor. Normally started by scripts/bench (which builds dist/ first).
 *
 *   node bench/run.js [--quick] [--only size,throughput,...] [--json FILE] [--svg FILE]
 *
 * The chart of the ratios (bench/lib/chart.js) goes to --svg FILE; a run of every benchmark
 * writes it to docs/bench.svg unless told otherwise.
 */
const fs = require('fs');
const os = require('os');
const { startBroker } = require('./lib/broker');
const { summarize, fmtSummary, fmtRatio } = require('./lib/stats');
const { LABELS, ROOT } = require('./lib/impls');
const { renderChart } = require('./lib/chart');
const path = require('path');

const BENCHMARKS = ['size', 'throughput', 'large', 'fallback', 'jitless', 'latency', 'codec', 'copies', 'memory', 'coldstart'];
const NEEDS_BROKER = new Set(['throughput', 'large', 'fallback', 'latency']);
/** The third column of each section. */
const OTHER_ANCHOR = { size: 'mqttjs4', throughput: 'raw', large: 'raw', fallback: 'wasm', jitless: 'mqttjs4', latency: 'raw', codec: 'mqtt-packet', copies: null, memory: null, coldstart: 'mqttjs4' };

function parseArgs(argv) {
  const o = { quick: false, only: BENCHMARKS, json: null, svg: undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') o.quick = true;
    else if (a === '--only' && argv[i + 1]) o.only = argv[++i].split(',');
    else if (a === '--json' && argv[i + 1]) o.json = argv[++i];
    else if (a === '--svg' && argv[i + 1]) o.svg = argv[++i];
    else throw new Error('usage: bench/run.js [--quick] [--only ' + BENCHMARKS.join(',') + '] [--json FILE] [--svg FILE] (bad argument ' + a + ')');
  }
  const unknown = o.only.filter((b) => !BENCHMARKS.includes(b));
  if (unknown.length) throw new Error('unknown benchmark ' + unknown.join(', ') + '; known: ' + BENCHMARKS.join(', '));
  if (o.svg === undefined) o.svg = o.only === BENCHMARKS ? path.join(ROOT, 'docs', 'bench.svg') : null;
  return o;
}

function render(groups) {
  const lines = [];
  const head = ['Metric', LABELS.ours, LABELS.mqttjs5, 'ours ÷ 5.16', 'other anchor', 'ours ÷ other', 'better'];
  lines.push('| ' + head.join(' | ') + ' |');
  lines.push('|' + head.map((h, i) => (i === 0 ? ':--' : '--:')).join('|') + '|');
  for (const g of groups) {
    let section = null;
    for (const row of g.rows) {
      if (row.section !== section) {
        section = row.section;
        lines.push('| **' + section + '** |  |  |  |  |  |  |');
      }
      const s = {};
      for (const [who, v] of Object.entries(row.values)) s[who] = Array.isArray(v) ? summarize(v) : v;
      const other = g.other && s[g.other] ? LABELS[g.other] + ': ' + fmtSummary(s[g.other]) : '';
      const name = row.name + (row.notes && row.notes.length ? ' (' + row.notes.join('; ') + ')' : '');
      lines.push('| ' + [
        name,
        fmtSummary(s.ours),
        fmtSummary(s.mqttjs5),
        fmtRatio(s.ours, s.mqttjs5),
        other,
        g.other ? fmtRatio(s.ours, s[g.other]) : '',
        row.better === 'higher' ? '↑' : '↓',
      ].join(' | ') + ' |');
    }
  }
  return lines.join('\n');
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const started = Date.now();
  const log = (msg) => process.stderr.write('[bench ' + ((Date.now() - started) / 1000).toFixed(0).padStart(3) + 's] ' + msg + '\n');
  const ctx = {
    quick: opts.quick,
    reps: 5,
    durationMs: opts.quick ? 400 : 1000,
    warmupMs: opts.quick ? 150 : 250,
    latencySamples: opts.quick ? 200 : 500,
    impls: ['ours', 'mqttjs5', 'raw'],
    log,
    broker: null,
  };
  let broker = null;
  const stop = async () => {
    if (broker) {
      const b = broker;
      broker = null;
      await b.stop();
    }
  };
  for (const sig of ['SIGINT', 'SIGTERM']) {
    process.on(sig, () => {
      log('interrupted: stopping the broker');
      stop().finally(() => process.exit(130));
    });
  }
  const groups = [];
  try {
    if (opts.only.some((b) => NEEDS_BROKER.has(b))) {
      broker = await startBroker();
      ctx.broker = broker;
      log('mosquitto on ' + broker.wsUrl + ' (ws) and tcp ' + broker.tcpPort);
    }
    for (const name of BENCHMARKS) {
      if (!opts.only.includes(name)) continue;
      const t = Date.now();
      log(name + ' …');
      let rows;
      try {
        rows = await require('./' + name).run(ctx);
      } catch (err) {
        // One broken benchmark must not lose the figures of the others.
        log(name + ' FAILED: ' + (err && err.stack ? err.stack : err));
        rows = [{ section: name + ' (failed: ' + String((err && err.message) || err).split('\n')[0] + ')', name: 'no figures', better: 'higher', values: {} }];
      }
      groups.push({ name, other: OTHER_ANCHOR[name], rows });
      log(name + ' done in ' + ((Date.now() - t) / 1000).toFixed(1) + ' s');
      // The broker goes as soon as the last benchmark that needs it is done.
      if (!BENCHMARKS.slice(BENCHMARKS.indexOf(name) + 1).some((b) => opts.only.includes(b) && NEEDS_BROKER.has(b))) await stop();
    }
  } finally {
    await stop();
  }
  const header =
    '<!-- ' + new Date().toISOString() + ', ' + os.cpus().length + '× ' + (os.cpus()[0] || {}).model + ', Node ' + process.version +
    ', ' + (opts.quick ? 'quick' : 'full') + ' run, ' + ctx.reps + ' repetitions, ' + ((Date.now() - started) / 1000).toFixed(0) + ' s -->';
  process.stdout.write(header + '\n' + render(groups) + '\n');
  if (opts.svg) {
    const caption = new Date().toISOString().slice(0, 10) + ', ' + os.cpus().length + '× ' + (os.cpus()[0] || {}).model + ', Node ' + process.version + ', ' + (opts.quick ? 'quick' : 'full') + ' run of scripts/bench';
    const svg = renderChart(groups, caption);
    if (svg) {
      fs.writeFileSync(opts.svg, svg);
      log('chart written to ' + opts.svg);
    }
  }
  if (opts.json) fs.writeFileSync(opts.json, JSON.stringify({ date: new Date().toISOString(), quick: opts.quick, node: process.version, groups }, null, 1));
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write('bench: ' + (err && err.stack ? err.stack : err) + '\n');
    process.exit(1);
  }
);
