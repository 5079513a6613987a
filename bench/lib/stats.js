'use strict';
/**
 * Summaries of repeated measurements. These machines are noisy: every figure is reported as
 * a median with its spread, never as a single run.
 */

/** Linear-interpolated quantile of sorted numbers, q in [0, 1]. */
function quantile(sorted, q) {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/**
 * @param {number[]} values  one value per repetition
 * @returns {{n: number, median: number, min: number, max: number, q1: number, q3: number, values: number[]}}
 */
function summarize(values) {
  const v = values.filter((x) => Number.isFinite(x));
  const sorted = v.slice().sort((a, b) => a - b);
  return {
    n: sorted.length,
    median: quantile(sorted, 0.5),
    min: sorted.length ? sorted[0] : NaN,
    max: sorted.length ? sorted[sorted.length - 1] : NaN,
    q1: quantile(sorted, 0.25),
    q3: quantile(sorted, 0.75),
    values: v,
  };
}

/** A figure that does not vary between runs (file sizes): same shape as summarize(). */
function exact(value) {
  return { n: 1, median: value, min: value, max: value, q1: value, q3: value, values: [value], exact: true };
}

/** Formats with thousands separators and a precision that suits the magnitude. */
function num(x) {
  if (!Number.isFinite(x)) return 'n/a';
  const abs = Math.abs(x);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  return x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** "median (min–max)", or the bare value for exact figures. */
function fmtSummary(s) {
  if (!s || !s.n) return 'n/a';
  if (s.exact || s.min === s.max) return num(s.median);
  return num(s.median) + ' (' + num(s.min) + '–' + num(s.max) + ')';
}

/** ours ÷ anchor of the medians, as "0.42×". */
function fmtRatio(ours, anchor) {
  if (!ours || !anchor || !ours.n || !anchor.n || !anchor.median) return '';
  const r = ours.median / anchor.median;
  return (r >= 10 ? r.toFixed(0) : r >= 1 ? r.toFixed(2) : r.toFixed(3)) + '×';
}

module.exports = { quantile, summarize, exact, num, fmtSummary, fmtRatio };
