/*
 * One MQTT round trip through the public mqtt.min.js API, written in ES5 so the same file
 * runs in every matrix environment: a mini-program page (CommonJS), Node, QuickJS (a script:
 * global mpmqttRoundTrip), Chromium (<script>) and bundler builds (import).
 *
 *   roundTrip(mqtt, url, {clientId, topic, timeout}, function (err, report) { ... })
 *
 * connect -> subscribe (QoS 1, SUBACK checked) -> publish a binary + UTF-8 payload (QoS 1)
 * -> receive it byte-exact -> unsubscribe -> publish again and see it NOT delivered (the
 * PUBACK of a later QoS 1 publish bounds the wait) -> end -> 'end'. Any 'error', a
 * close before 'end' or a timeout fails it. report = {ms, core, steps}.
 */
(function (root, factory) {
  if (typeof module === 'object' && module && module.exports) module.exports = factory();
  else root.mpmqttRoundTrip = factory();
})(this, function () {
  'use strict';

  // 0x00, 0xff and a split UTF-8 sequence catch text conversions of binary payloads.
  var PAYLOAD = [0, 1, 2, 127, 128, 255, 0x68, 0xc3, 0xa9, 0x6c, 0x6c, 0x6f, 0x20, 0xe4, 0xb8, 0x96, 0xe7, 0x95, 0x8c];

  function coreKind() {
    if (typeof WXWebAssembly !== 'undefined') return 'WXWebAssembly';
    if (typeof WebAssembly !== 'undefined') return 'WebAssembly';
    return 'wasm2js';
  }

  function sameBytes(payload) {
    if (!payload || payload.length !== PAYLOAD.length) return false;
    for (var i = 0; i < PAYLOAD.length; i++) if (payload[i] !== PAYLOAD[i]) return false;
    return true;
  }

  return function roundTrip(mqtt, url, opts, done) {
    var started = Date.now();
    var steps = [];
    var finished = false;
    var client;
    var timer = setTimeout(function () {
      finish(new Error('timed out after ' + opts.timeout + ' ms; steps: ' + steps.join(' > ')));
    }, opts.timeout || 15000);

    function finish(err) {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      if (err) {
        if (client) client.end(true);
        done(err);
        return;
      }
      done(null, { ms: Date.now() - started, core: opts.core || coreKind(), steps: steps.join(' > ') });
    }
    function step(name) {
      steps.push(name);
    }
    function check(ok, what) {
      if (!ok) finish(new Error(what + ' (steps: ' + steps.join(' > ') + ')'));
      return ok;
    }

    var topic = opts.topic;
    var unsubscribed = false;
    client = mqtt.connect(url, {
      clientId: opts.clientId,
      protocolVersion: 4,
      reconnectPeriod: 0,
      connectTimeout: opts.timeout || 15000,
      forceFallback: !!opts.forceFallback,
    });
    client.on('error', function (err) {
      finish(err instanceof Error ? err : new Error(String(err)));
    });
    client.on('close', function () {
      if (steps[steps.length - 1] !== 'ending') finish(new Error('closed before end (steps: ' + steps.join(' > ') + ')'));
    });
    client.on('message', function (t, payload) {
      if (finished) return;
      if (!check(!unsubscribed, 'a message arrived after unsubscribe')) return;
      if (!check(t === topic, 'message on ' + t + ', expected ' + topic)) return;
      if (!check(sameBytes(payload), 'payload differs: ' + Array.prototype.slice.call(payload || []).join(','))) return;
      step('received');
      client.unsubscribe(topic, function (err) {
        if (!check(!err, 'unsubscribe failed: ' + (err && err.message))) return;
        step('unsubscribed');
        unsubscribed = true;
        client.publish(topic, 'after unsubscribe', { qos: 1 }, function (err2) {
          if (!check(!err2, 'second publish failed: ' + (err2 && err2.message))) return;
          step('not redelivered');
          step('ending');
          client.end(false, function () {
            step('ended');
            finish(null);
          });
        });
      });
    });
    client.on('connect', function (connack) {
      if (!check(connack && connack.returnCode === 0, 'CONNACK ' + (connack && connack.returnCode))) return;
      step('connected');
      client.subscribe(topic, { qos: 1 }, function (err, granted) {
        if (!check(!err, 'subscribe failed: ' + (err && err.message))) return;
        if (!check(granted && granted[0] && granted[0].qos === 1, 'granted ' + JSON.stringify(granted))) return;
        step('subscribed');
        client.publish(topic, new Uint8Array(PAYLOAD), { qos: 1 }, function (err2) {
          if (!check(!err2, 'publish failed: ' + (err2 && err2.message))) return;
          step('published');
        });
      });
    });
  };
});
