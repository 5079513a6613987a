'use strict';
/**
 * The benchmark's picture (docs/bench.svg): for every rate row, mpmqtt ÷ its MQTT.js anchor
 * of the same run — a dot at the median of the per-repetition ratios, a line over their
 * min–max — on a log scale with 1× marked. Two panels side by side: Node (anchor MQTT.js
 * 5.16.0) and the JIT-less engines (anchor MQTT.js 4.2.1). Written by bench/run.js from the
 * figures it just printed; never edited by hand.
 */
const { summarize } = require('./stats');

const PANELS = [
  { title: 'Node (V8 with JIT), ÷ MQTT.js 5.16.0', groups: ['throughput', 'large', 'fallback'], anchor: 'mqttjs5' },
  { title: 'Without JIT (jsc --useJIT=false, node --jitless), ÷ MQTT.js 4.2.1', groups: ['jitless'], anchor: 'mqttjs4' },
];
const GROUP_PREFIX = { throughput: 'ws ', large: '', fallback: 'wasm2js ', jitless: '' };
const ROW_H = 15;
const LABEL_W = 250;
const PLOT_W = 300;
const PANEL_W = LABEL_W + PLOT_W + 30;
const MIN_R = 0.125;
const MAX_R = 64;

function esc(s) {
  return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Per-repetition ratios ours[i] ÷ anchor[i] (repetitions interleave, so pairs share a moment). */
function ratios(row, anchor) {
  const a = row.values[anchor];
  const o = row.values.ours;
  if (!Array.isArray(a) || !Array.isArray(o)) return null;
  const r = [];
  for (let i = 0; i < Math.min(a.length, o.length); i++) if (a[i] > 0 && o[i] > 0) r.push(o[i] / a[i]);
  return r.length ? summarize(r) : null;
}

function shortSection(row) {
  if (!row.engine) return '';
  return (row.engine === 'jsc' ? 'jsc ' : 'node ') + (row.core === 'wasm' ? 'wasm' : 'wasm2js') + ': ';
}

/**
 * @param {{name: string, rows: object[]}[]} groups  bench/run.js' groups
 * @param {string} caption  run date and machine
 * @returns {string} SVG text, or '' when no row has a ratio
 */
function renderChart(groups, caption) {
  const panels = PANELS.map((p) => {
    const rows = [];
    for (const g of groups.filter((x) => p.groups.includes(x.name))) {
      for (const row of g.rows) {
        if (row.unit !== 'msg/s') continue;
        const s = ratios(row, p.anchor);
        if (s) rows.push({ label: GROUP_PREFIX[g.name] + shortSection(row) + row.name.replace(/ \(window \d+\)/, ''), s });
      }
    }
    return Object.assign({ rows }, p);
  });
  const n = Math.max(...panels.map((p) => p.rows.length));
  if (n === 0) return '';
  const top = 58;
  const height = top + n * ROW_H + 40;
  const width = PANEL_W * 2 + 20;
  const x = (r) => LABEL_W + (Math.log(Math.min(MAX_R, Math.max(MIN_R, r)) / MIN_R) / Math.log(MAX_R / MIN_R)) * PLOT_W;
  const out = [];
  out.push('<svg xmlns="http://www.w3.org/2000/svg" width="' + width + '" height="' + height + '" viewBox="0 0 ' + width + ' ' + height + '" font-family="sans-serif" font-size="10">');
  out.push('<rect width="100%" height="100%" fill="#fff"/>');
  out.push('<text x="10" y="16" font-size="13" font-weight="bold">mpmqtt ÷ MQTT.js, same run: dot = median of the per-repetition ratios, line = min–max (log scale; right of 1× is faster)</text>');
  out.push('<text x="10" y="30" fill="#555">' + esc(caption) + '</text>');
  panels.forEach((p, pi) => {
    const ox = 10 + pi * (PANEL_W + 10);
    out.push('<g transform="translate(' + ox + ',0)">');
    out.push('<text x="0" y="48" font-size="11" font-weight="bold">' + esc(p.title) + '</text>');
    for (const t of [0.25, 0.5, 1, 2, 4, 8, 16, 32]) {
      out.push('<line x1="' + x(t).toFixed(1) + '" y1="' + (top - 4) + '" x2="' + x(t).toFixed(1) + '" y2="' + (top + p.rows.length * ROW_H) + '" stroke="' + (t === 1 ? '#000' : '#ddd') + '" stroke-width="' + (t === 1 ? 1.2 : 0.6) + '"/>');
      out.push('<text x="' + x(t).toFixed(1) + '" y="' + (top + p.rows.length * ROW_H + 12) + '" text-anchor="middle" fill="#555">' + t + '×</text>');
    }
    p.rows.forEach((r, i) => {
      const y = top + i * ROW_H + ROW_H / 2;
      const good = r.s.median >= 1;
      const colour = good ? '#1a7f37' : '#cf222e';
      if (i % 2 === 0) out.push('<rect x="0" y="' + (y - ROW_H / 2) + '" width="' + (LABEL_W + PLOT_W) + '" height="' + ROW_H + '" fill="#f6f8fa"/>');
      out.push('<text x="' + (LABEL_W - 6) + '" y="' + (y + 3.5) + '" text-anchor="end">' + esc(r.label) + '</text>');
      out.push('<line x1="' + x(r.s.min).toFixed(1) + '" y1="' + y + '" x2="' + x(r.s.max).toFixed(1) + '" y2="' + y + '" stroke="' + colour + '" stroke-width="2"/>');
      out.push('<circle cx="' + x(r.s.median).toFixed(1) + '" cy="' + y + '" r="3.5" fill="' + colour + '"/>');
      out.push('<text x="' + (LABEL_W + PLOT_W + 4) + '" y="' + (y + 3.5) + '" fill="#333">' + (r.s.median >= 10 ? r.s.median.toFixed(0) : r.s.median.toFixed(2)) + '×</text>');
    });
    out.push('</g>');
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}

module.exports = { renderChart, ratios };
