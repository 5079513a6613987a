/*
 * The session the JavaScriptCore rows run (after prelude.js, broker.js, wx.js and the bundle):
 * connect, subscribe QoS 2, then one publish per QoS 0/1/2 with a binary payload: each
 * completed (its callback: PUBACK, or PUBREC/PUBREL/PUBCOMP) and received back byte-exact at
 * its own QoS, with the client's side of the broker's delivery done too; unsubscribe; end. Prints one line `JSC-RESULT {...}` and quits.
 */
(function () {
  var started = Date.now();
  var steps = [];
  var done = false;
  var client;
  function finish(err) {
    if (done) return;
    done = true;
    var result = err
      ? { ok: false, error: String(err && err.message || err) + ' (steps: ' + steps.join(' > ') + '; broker: ' + broker.log.slice(-6).join(' | ') + ')' }
      : { ok: true, ms: Date.now() - started, steps: steps.join(' > '), core: JSC_CONFIG.wxWebAssembly ? 'WXWebAssembly' : 'wasm2js' };
    if (err && client) client.end(true);
    print('JSC-RESULT ' + JSON.stringify(result));
    quit();
  }
  setTimeout(function () {
    finish(new Error('timed out after ' + JSC_CONFIG.timeout + ' ms'));
  }, JSC_CONFIG.timeout);

  var topic = 'mpmqtt/jsc/' + Date.now();
  // 0x00, 0xff and a UTF-8 sequence split across bytes catch text conversions.
  function payload(qos) {
    return new Uint8Array([qos, 0, 255, 128, 0xe4, 0xb8, 0x96, 10, 13, 0]);
  }
  function same(a, b) {
    if (!a || a.length !== b.length) return false;
    for (var i = 0; i < b.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }
  var expecting = -1;
  var published = false;
  var received = false;
  function next() {
    steps.push('qos' + expecting + (expecting > 0 ? ' (both flows acknowledged)' : ''));
    publishNext(expecting + 1);
  }
  function publishNext(qos) {
    if (qos > 2) {
      if (!(wx.socketsOpened() === 1)) return finish(new Error(wx.socketsOpened() + ' sockets were opened, expected 1'));
      client.unsubscribe(topic, function (err) {
        if (err) return finish(err);
        steps.push('unsubscribed');
        client.end(false, function () {
          steps.push('ended');
          finish(null);
        });
      });
      return;
    }
    expecting = qos;
    published = false;
    received = false;
    client.publish(topic, payload(qos), { qos: qos }, function (err) {
      if (err) return finish(err);
      // QoS 1: after PUBACK, QoS 2: after PUBCOMP, QoS 0: once written.
      published = true;
      if (received) next();
    });
  }
  client = mqtt.connect('wxs://broker.test/mqtt', { clientId: 'jsc-nojit', protocolVersion: 4, reconnectPeriod: 0, connectTimeout: JSC_CONFIG.timeout });
  client.on('error', finish);
  client.on('close', function () {
    if (steps[steps.length - 1] !== 'unsubscribed') finish(new Error('closed before the end'));
  });
  client.on('message', function (t, p, packet) {
    if (t !== topic) return finish(new Error('message on ' + t));
    if (packet.qos !== expecting) return finish(new Error('message at QoS ' + packet.qos + ', expected ' + expecting));
    if (!same(p, payload(expecting))) return finish(new Error('payload differs: ' + Array.prototype.join.call(p, ',')));
    // The client's side of the broker's delivery (PUBACK, or PUBREC then PUBCOMP) must be done
    // before the next publish; poll briefly for it.
    var tries = 0;
    (function waitAcked() {
      if (expecting === 0 || broker.log.indexOf(expecting === 1 ? 'PUBACK' : 'PUBCOMP') >= 0) {
        received = true;
        if (published) next();
        return;
      }
      if (++tries > 200) return finish(new Error('the client never completed the QoS ' + expecting + ' delivery'));
      setTimeout(waitAcked, 5);
    })();
  });
  client.on('connect', function (connack) {
    if (connack.returnCode !== 0) return finish(new Error('CONNACK ' + connack.returnCode));
    steps.push('connected');
    client.subscribe(topic, { qos: 2 }, function (err, granted) {
      if (err) return finish(err);
      if (!granted || granted[0].qos !== 2) return finish(new Error('granted ' + JSON.stringify(granted)));
      steps.push('subscribed');
      publishNext(0);
    });
  });
})();
