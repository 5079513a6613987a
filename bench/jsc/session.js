/*
 * The benchmark session inside a JIT-less engine (bench/jitless.js), after
 * tests/matrix/jsc/prelude.js, bench/jsc/broker.js, tests/matrix/jsc/wx.js and the client's
 * bundle (any of them defines the global `mqtt`). JSC_CONFIG.cases lists
 * {kind: 'publish'|'echo', qos, size}; each runs `warmupMs` then `durationMs` with at most
 * `window` messages outstanding:
 *   publish  QoS 0: counted when the broker has parsed the packet; QoS 1: when the client
 *            reports the PUBACK (the publish callback)
 *   echo     the broker sends each publish back on the same connection; counted at the
 *            client's 'message' event
 * Startup is JSC_T0 (set before the bundle was evaluated) to 'connect'; heap is the engine's
 * GC heap after a full collection once connected. Prints `BENCH-RESULT {...}` and quits.
 */
(function () {
  var cfg = JSC_CONFIG;
  var out = { ok: false, startupMs: NaN, heapBytes: NaN, cases: [] };
  var client;
  var finished = false;
  function finish(err) {
    if (finished) return;
    finished = true;
    if (err) out.error = String((err && err.message) || err) + (broker.log.length ? ' (broker: ' + broker.log.slice(-3).join(' | ') + ')' : '');
    else out.ok = true;
    print('BENCH-RESULT ' + JSON.stringify(out));
    quit();
  }
  setTimeout(function () {
    finish(new Error('timed out after ' + cfg.timeout + ' ms'));
  }, cfg.timeout);

  function heap() {
    if (typeof fullGC === 'function') fullGC();
    else if (typeof gc === 'function') gc();
    return typeof gcHeapSize === 'function' ? gcHeapSize() : NaN;
  }

  function payloadOf(size) {
    var p = new Uint8Array(size);
    for (var i = 0; i < size; i++) p[i] = 97 + (i % 26);
    return p;
  }

  var messages = 0;
  var onMessage = null;
  function runCase(c, next) {
    var topic = 'bench/' + c.kind + '/' + c.qos + '/' + c.size;
    var payload = payloadOf(c.size);
    var window = c.size > 8192 ? 10 : 100;
    var sent = 0;
    var done = 0;
    var running = true;
    var t0 = Date.now();
    var mark = null;
    function completed() {
      done++;
      if (running) pump();
    }
    function acked(err) {
      if (err) return finish(err);
      completed();
    }
    function pump() {
      while (running && sent - done < window) {
        sent++;
        if (c.kind === 'publish' && c.qos === 1) client.publish(topic, payload, { qos: 1 }, acked);
        else client.publish(topic, payload, { qos: c.qos });
      }
    }
    var baseReceived = broker.received;
    broker.onPublish = c.kind === 'publish' && c.qos === 0 ? function () {
      done = broker.received - baseReceived;
      if (running) pump();
    } : null;
    onMessage = c.kind === 'echo' ? completed : null;
    function start() {
      (function watch() {
        var now = Date.now();
        if (!mark && now - t0 >= cfg.warmupMs) mark = { t: now, done: done };
        if (mark && now - mark.t >= cfg.durationMs) {
          running = false;
          out.cases.push({ kind: c.kind, qos: c.qos, size: c.size, rate: ((done - mark.done) * 1000) / (now - mark.t) });
          return drain(Date.now());
        }
        setTimeout(watch, 5);
      })();
      pump();
    }
    // The next case starts once everything of this one has come back (or after 3 s).
    function drain(since) {
      if (done >= sent || Date.now() - since > 3000) {
        broker.onPublish = null;
        onMessage = null;
        return next();
      }
      setTimeout(function () {
        drain(since);
      }, 5);
    }
    if (c.kind === 'echo') {
      client.subscribe(topic, { qos: c.qos }, function (err) {
        if (err) return finish(err);
        start();
      });
    } else start();
  }

  client = mqtt.connect('wxs://broker.test/mqtt', { clientId: 'bench-' + cfg.impl, protocolVersion: 4, reconnectPeriod: 0, keepalive: 60, connectTimeout: cfg.timeout });
  client.on('error', finish);
  client.on('message', function () {
    messages++;
    if (onMessage) onMessage();
  });
  client.once('connect', function () {
    out.startupMs = Date.now() - JSC_T0;
    out.heapBytes = heap();
    var i = 0;
    (function nextCase() {
      if (i >= cfg.cases.length) {
        out.messages = messages;
        client.end(true);
        return finish(null);
      }
      runCase(cfg.cases[i++], nextCase);
    })();
  });
})();
