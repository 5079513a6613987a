'use strict';
/**
 * Wire arithmetic for the boundary sweep, written from the MQTT specification (3.1.1 §2.2.3,
 * 5.0 §1.5.5, §3.3), independently of the core's codec: Remaining Length sizes, the payload
 * size that puts a PUBLISH's Remaining Length exactly on a value, PUBLISH frames built by
 * hand, and a payload pattern that shows a shift.
 */

/** Remaining Length values on both sides of each change in its encoded size (1 → 2 → 3 → 4 bytes). */
const RL_BOUNDARIES = [127, 128, 16383, 16384, 2097151, 2097152];
/** The largest Remaining Length (and so the largest packet body) MQTT can encode. */
const VARINT_MAX = 268435455;

/** Bytes of a Variable Byte Integer holding `n`. */
function varintLength(n) {
  if (n < 0 || n > VARINT_MAX) throw new RangeError(`${n} does not fit a Variable Byte Integer`);
  return n < 128 ? 1 : n < 16384 ? 2 : n < 2097152 ? 3 : 4;
}

function varint(n) {
  const out = [];
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 128;
    out.push(byte);
  } while (n > 0);
  return Buffer.from(out);
}

/** Bytes of a PUBLISH before its payload, past the fixed header (topic, packet id, v5 properties). */
function publishHeaderLength({ topic, qos, version, propertiesLength = 0 }) {
  const v5 = version === 5 ? varintLength(propertiesLength) + propertiesLength : 0;
  return 2 + Buffer.byteLength(topic) + (qos > 0 ? 2 : 0) + v5;
}

/** The payload size whose PUBLISH has Remaining Length exactly `remainingLength`. */
function payloadForRemainingLength(remainingLength, shape) {
  const n = remainingLength - publishHeaderLength(shape);
  if (n < 0) throw new RangeError(`Remaining Length ${remainingLength} cannot hold the PUBLISH header of ${JSON.stringify(shape)}`);
  return n;
}

/** The size of the whole packet (fixed header included) for a Remaining Length. */
function packetSize(remainingLength) {
  return 1 + varintLength(remainingLength) + remainingLength;
}

/**
 * A PUBLISH built by hand. `properties` is the v5 property section's body (Buffer), empty by
 * default.
 */
function publishFrame({ topic, qos, id = 0, version, payload, retain = false, dup = false, properties = Buffer.alloc(0) }) {
  const topicBytes = Buffer.from(topic, 'utf8');
  const parts = [Buffer.from([topicBytes.length >> 8, topicBytes.length & 255]), topicBytes];
  if (qos > 0) parts.push(Buffer.from([id >> 8, id & 255]));
  if (version === 5) parts.push(varint(properties.length), properties);
  const head = Buffer.concat(parts);
  const remainingLength = head.length + payload.length;
  const first = 0x30 | (dup ? 8 : 0) | (qos << 1) | (retain ? 1 : 0);
  return Buffer.concat([Buffer.from([first]), varint(remainingLength), head, Buffer.from(payload.buffer, payload.byteOffset, payload.length)]);
}

/**
 * Position-dependent payload bytes: byte i is the top byte of (i + seed·16777619) times the
 * golden-ratio constant. Neighbouring bytes always differ (by 0x9E or 0x9F), so a payload
 * shifted by one byte differs everywhere, and each seed gives another sequence. Plain ES5 so
 * it can also run in the pages (its source is inlined there).
 */
function pattern(n, seed) {
  var b = new Uint8Array(n);
  var base = Math.imul(seed, 16777619);
  for (var i = 0; i < n; i++) b[i] = Math.imul(base + i, 0x9e3779b1) >>> 24;
  return b;
}

/**
 * Compares a received payload with what was sent: null when equal, else a description of the
 * first difference, with the shift it looks like (the received byte found at a nearby offset).
 */
function payloadDifference(actual, expected) {
  const a = Buffer.from(actual.buffer, actual.byteOffset, actual.byteLength);
  const e = Buffer.from(expected.buffer, expected.byteOffset, expected.byteLength);
  if (a.length === e.length && a.equals(e)) return null;
  const n = Math.min(a.length, e.length);
  let i = 0;
  while (i < n && a[i] === e[i]) i++;
  let shift = null;
  const from = Math.min(i + 8, n); // past the first differing bytes, where a shift has settled
  for (const d of [1, -1, 2, -2]) {
    let run = 0;
    while (run < 64 && from + run < a.length && from + d + run >= 0 && from + d + run < e.length && a[from + run] === e[from + d + run]) run++;
    if (run === 64) {
      shift = d;
      break;
    }
  }
  let wrong = 0;
  for (let k = 0; k < n; k++) if (a[k] !== e[k]) wrong++;
  return {
    length: a.length,
    expectedLength: e.length,
    firstDifference: i,
    wrongBytes: wrong + Math.abs(a.length - e.length),
    got: a.subarray(i, i + 4).toString('hex'),
    expected: e.subarray(i, i + 4).toString('hex'),
    shift, // received[i] === sent[i + shift] over 64 bytes
  };
}

module.exports = {
  RL_BOUNDARIES,
  VARINT_MAX,
  varint,
  varintLength,
  publishHeaderLength,
  payloadForRemainingLength,
  packetSize,
  publishFrame,
  pattern,
  payloadDifference,
};
