'use strict';
/**
 * One fault against a page-like publisher (issue 19): a clean=false client publishing QoS 1
 * and QoS 2 streams through the fault proxy, a clean=false subscriber connected straight to
 * the broker, a Ledger per stream. The fault is a function that breaks something and
 * resolves when it healed; the report has what docs/reliability.md tabulates.
 *
 *   const r = await runFaultScenario({ mqtt, broker, proxy, fault: async (ctx) => {...} });
 */
const { Ledger, sleep, waitFor, once } = require('./harness');

/**
 * @param {object} o
 * @param {object} o.mqtt         the bundle
 * @param {object} o.broker       startMosquitto({persistence: true}) handle
 * @param {object} o.proxy        startProxy({targetPort: broker.wsPort}) handle
 * @param {(ctx: object) => Promise<void>} o.fault  resolves when the fault is over
 * @param {number} [o.perTick=1]  messages per stream every 10 ms (1: 200 msg/s in all)
 * @param {number} [o.keepalive=2]
 * @param {object} [o.clientOptions]  more options for the publisher
 */
async function runFaultScenario(o) {
  const { mqtt, broker, proxy } = o;
  const tag = Math.random().toString(16).slice(2, 8);
  const base = `flt/${tag}`;
  const streams = [1, 2].map((qos) => ({ qos, topic: `${base}/qos${qos}`, ledger: new Ledger(`QoS ${qos}`) }));
  const errors = [];
  const events = [];
  const sub = mqtt.connect(broker.wsUrl, { clientId: `flt-${tag}-sub`, clean: false, reconnectPeriod: 200, keepalive: 10 });
  sub.on('error', (e) => errors.length < 50 && errors.push(`sub: ${e.code || ''} ${e.message}`));
  await once(sub, 'connect', 10000);
  await new Promise((resolve, reject) => sub.subscribe(`${base}/#`, { qos: 2 }, (err) => (err ? reject(err) : resolve())));
  sub.on('message', (topic, payload) => {
    const s = streams.find((x) => x.topic === topic);
    if (s) s.ledger.received(Number(payload.toString()));
  });
  const keepalive = o.keepalive || 2;
  const pub = mqtt.connect(
    proxy.url,
    Object.assign({ clientId: `flt-${tag}-pub`, clean: false, reconnectPeriod: 500, connectTimeout: 1000, keepalive }, o.clientOptions),
  );
  for (const name of ['connect', 'close', 'reconnect', 'offline']) pub.on(name, () => events.push({ name, at: Date.now() }));
  pub.on('error', (e) => errors.length < 50 && errors.push(`pub: ${e.code || ''} ${e.message}`));
  await once(pub, 'connect', 10000);

  let seq = 0;
  const perTick = o.perTick || 1;
  const timer = setInterval(() => {
    for (let i = 0; i < perTick; i++) {
      for (const s of streams) pub.publish(s.topic, String(seq), { qos: s.qos }, s.ledger.published(seq));
      seq++;
    }
  }, 10);
  const ctx = { pub, sub, broker, proxy, events, keepalive, faultAt: 0, healedAt: 0 };
  try {
    await sleep(1500);
    ctx.faultAt = Date.now();
    await o.fault(ctx);
    ctx.healedAt = Date.now();
    await waitFor(() => pub.connected, 15000, 'the publisher reconnected');
    await sleep(1500);
    clearInterval(timer);
    await waitFor(
      () => streams.every((s) => s.ledger.pendingCallbacks === 0 && s.ledger.summary().lost === 0),
      20000,
      'the last messages and publish callbacks',
    ).catch(() => {});
    await sleep(300);
  } finally {
    clearInterval(timer);
    await Promise.all([pub, sub].map((c) => new Promise((r) => c.end(true, r))));
  }
  const after = (name, t) => events.find((e) => e.name === name && e.at >= t);
  const closed = after('close', ctx.faultAt);
  const back = after('connect', ctx.healedAt) || after('connect', ctx.faultAt);
  const attempts = events.filter((e) => e.name === 'reconnect' && e.at >= ctx.faultAt && (!back || e.at <= back.at)).length;
  const outageS = back ? Math.max(0.001, (back.at - ctx.faultAt) / 1000) : null;
  const summaries = streams.map((s) => s.ledger.summary());
  const total = (k) => summaries.reduce((n, s) => n + s[k], 0);
  return {
    streams: summaries,
    sent: total('sent'),
    delivered: total('received'),
    lost: total('lost'),
    duplicatedQos1: summaries[0].duplicated,
    duplicatedQos2: summaries[1].duplicated,
    callbacksMissing: total('callbacksMissing'),
    callbacksExtra: total('callbacksExtra'),
    callbackErrors: total('callbackErrors'),
    detectMs: closed ? closed.at - ctx.faultAt : null,
    recoverMs: back ? Math.max(0, back.at - ctx.healedAt) : null,
    attempts,
    attemptsPerS: outageS ? Number((attempts / outageS).toFixed(2)) : null,
    errors,
  };
}

module.exports = { runFaultScenario };
