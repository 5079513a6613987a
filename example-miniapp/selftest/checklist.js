/**
 * The self-test checklist both self-test pages run (WeChat: wechat/pages/selftest, Alipay:
 * alipay/pages/selftest), and tests/js/emulation/selftest.test.js runs in the emulations.
 * Plain ES2017 CommonJS: no globalThis, TextEncoder, Proxy or BigInt, which the logic layers
 * may lack. Copied into each project's utils/ with the library (example-miniapp/README.md).
 *
 * Each line: PASS/FAIL, its name, milliseconds and a detail. The client is given the
 * platform API through a wrapper (the `wx`/`my` option) that keeps the last SocketTask, so
 * "reconnect" can close the socket under the client, and a wrapper of the wasm engine, so
 * "core" can tell the WebAssembly core from the wasm2js fallback.
 */

var DEFAULT_BROKER = 'wss://broker.emqx.io:8084/mqtt';
var ONE_MIB = 1024 * 1024;

function now() {
  return Date.now();
}

/** Rejects after ms with a timeout error naming what was awaited. */
function within(ms, what, promise) {
  var timer;
  var timeout = new Promise(function (resolve, reject) {
    timer = setTimeout(function () {
      reject(new Error('no ' + what + ' within ' + ms + ' ms'));
    }, ms);
  });
  return Promise.race([promise, timeout]).then(
    function (v) {
      clearTimeout(timer);
      return v;
    },
    function (e) {
      clearTimeout(timer);
      throw e;
    }
  );
}

/** A payload whose every byte depends on its position and length (a truncation or shift shows). */
function pattern(size) {
  var bytes = new Uint8Array(size);
  for (var i = 0; i < size; i++) bytes[i] = (i * 31 + (i >>> 8) + size) & 255;
  return bytes;
}

function sameBytes(a, b) {
  if (!a || a.length !== b.length) return false;
  for (var i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The platform API object with connectSocket recording its SocketTask; everything else is
 * the API's own (prototype).
 */
function recordingApi(api, sockets) {
  var wrapper = Object.create(api);
  wrapper.connectSocket = function (req) {
    var task = api.connectSocket(req);
    sockets.push(task);
    return task;
  };
  return wrapper;
}

/** Wraps a wasm engine (WXWebAssembly or WebAssembly) so a call to instantiate is seen. */
function recordingEngine(engine, name, seen) {
  var wrapper = Object.create(engine);
  wrapper.instantiate = function (source, imports) {
    seen.push(typeof source === 'string' ? name + ' ' + source : name);
    return engine.instantiate(source, imports);
  };
  return wrapper;
}

/**
 * Runs the checklist.
 * @param {object} env
 * @param {Function} env.mqtt          the library (require('mpmqtt') or utils/mqtt.min.js)
 * @param {string} env.platform        'wx' or 'my'
 * @param {object} env.api             the platform API object (wx, my)
 * @param {object} [env.engine]        the wasm engine global (WXWebAssembly, WebAssembly), if any
 * @param {string} [env.url]           broker URL (default DEFAULT_BROKER)
 * @param {(line: object) => void} env.onLine  called as each line starts and ends
 * @param {() => Promise<void>} env.hideShow   resolves once the app was hidden and shown again
 * @param {object} [env.timeouts]      ms per step: step (10000), big (60000), hideShow (120000)
 * @returns {Promise<object[]>} the lines
 */
function runChecklist(env) {
  var url = env.url || DEFAULT_BROKER;
  var t = env.timeouts || {};
  var stepMs = t.step || 10000;
  var bigMs = t.big || 60000;
  var hideShowMs = t.hideShow || 120000;
  var lines = [];
  var sockets = [];
  var engines = [];
  var client = null;
  var clientId = 'mpmqtt-selftest-' + Math.random().toString(16).slice(2, 10);
  var topic = 'mpmqtt/selftest/' + clientId;
  var waiting = {};
  var reconnects = 0;

  function onMessage(t2, payload) {
    var w = waiting[t2];
    if (!w) return;
    delete waiting[t2];
    w(payload);
  }

  /** Publishes to our own topic and resolves with the payload that comes back. */
  function roundTrip(suffix, payload, qos) {
    var tp = topic + '/' + suffix;
    var back = new Promise(function (resolve) {
      waiting[tp] = resolve;
    });
    var sent = new Promise(function (resolve, reject) {
      client.publish(tp, payload, { qos: qos }, function (err) {
        if (err) reject(err);
        else resolve();
      });
    });
    return Promise.all([sent, back]).then(function (r) {
      return r[1];
    });
  }

  function checkRoundTrip(suffix, text, qos) {
    return roundTrip(suffix, text, qos).then(function (payload) {
      if (payload.toString() !== text) throw new Error('got "' + payload.toString() + '", sent "' + text + '"');
      return 'QoS ' + qos + ' publish came back unchanged';
    });
  }

  function step(name, ms, fn) {
    var line = { name: name, state: 'RUN', ms: 0, detail: '' };
    lines.push(line);
    env.onLine(line);
    var started = now();
    return within(ms, name, Promise.resolve().then(fn)).then(
      function (detail) {
        line.state = 'PASS';
        line.detail = detail || '';
      },
      function (err) {
        line.state = 'FAIL';
        line.detail = String((err && err.message) || err);
      }
    ).then(function () {
      line.ms = now() - started;
      env.onLine(line);
      return line.state === 'PASS';
    });
  }

  function connected() {
    return new Promise(function (resolve, reject) {
      if (client.connected) return resolve();
      client.once('connect', function () {
        resolve();
      });
      client.once('error', reject);
    });
  }

  var options = { clientId: clientId, clean: true, keepalive: 30, reconnectPeriod: 500, connectTimeout: stepMs };
  options[env.platform] = recordingApi(env.api, sockets);
  if (env.engine) options[env.platform === 'wx' ? 'WXWebAssembly' : 'WebAssembly'] = recordingEngine(env.engine, env.platform === 'wx' ? 'WXWebAssembly' : 'WebAssembly', engines);

  var ok = true;
  var chain = step('connect to ' + url, stepMs, function () {
    client = env.mqtt.connect(url, options);
    client.on('message', onMessage);
    client.on('reconnect', function () {
      reconnects++;
    });
    return connected().then(function () {
      return 'client id ' + clientId;
    });
  })
    .then(function (passed) {
      ok = passed;
      // The client loads its core before it opens the socket: known once connected.
      return step('core loaded', stepMs, function () {
        if (!ok) throw new Error('not connected, core unknown');
        return engines.length ? 'WebAssembly core (' + engines[engines.length - 1] + ')' : 'wasm2js fallback core (no WebAssembly here)';
      });
    })
    .then(function () {
      return step('subscribe ' + topic + '/#', stepMs, function () {
        if (!ok) throw new Error('not connected');
        return new Promise(function (resolve, reject) {
          client.subscribe(topic + '/#', { qos: 2 }, function (err, granted) {
            if (err) return reject(err);
            if (!granted || !granted.length || granted[0].qos === 128) return reject(new Error('refused by the broker'));
            resolve('granted QoS ' + granted[0].qos);
          });
        });
      });
    })
    .then(function () {
      return step('QoS 0 round trip', stepMs, function () {
        return checkRoundTrip('q0', 'qos0 ' + now(), 0);
      });
    })
    .then(function () {
      return step('QoS 1 round trip', stepMs, function () {
        return checkRoundTrip('q1', 'qos1 ' + now(), 1);
      });
    })
    .then(function () {
      return step('QoS 2 round trip', stepMs, function () {
        return checkRoundTrip('q2', 'qos2 ' + now(), 2);
      });
    })
    .then(function () {
      return step('1 MiB payload (QoS 1)', bigMs, function () {
        var big = pattern(ONE_MIB);
        return roundTrip('big', big, 1).then(function (payload) {
          if (!sameBytes(payload, big)) throw new Error('came back with ' + (payload ? payload.length : 0) + ' bytes, not the ' + ONE_MIB + ' sent');
          return ONE_MIB + ' bytes back unchanged';
        });
      });
    })
    .then(function () {
      return step('reconnect after the socket is closed', stepMs, function () {
        var task = sockets[sockets.length - 1];
        if (!client.connected || !task) throw new Error('not connected');
        var before = reconnects;
        var again = new Promise(function (resolve) {
          client.once('close', function () {
            resolve(connected());
          });
        });
        // Closed under the client, as a network drop would: the client must come back itself.
        task.close({ code: 1000, reason: 'selftest' });
        return again
          .then(function () {
            return checkRoundTrip('re', 'after reconnect ' + now(), 1);
          })
          .then(function () {
            return 'reconnected (' + (reconnects - before) + ' attempt(s)), QoS 1 round trip after it';
          });
      });
    })
    .then(function () {
      return step('app hide/show', hideShowMs, function () {
        return env
          .hideShow()
          .then(connected)
          .then(function () {
            return checkRoundTrip('hs', 'after show ' + now(), 1);
          })
          .then(function () {
            return 'connected after show, QoS 1 round trip';
          });
      });
    });

  return chain.then(
    function () {
      return end();
    },
    function (err) {
      lines.push({ name: 'checklist', state: 'FAIL', ms: 0, detail: String(err && err.message) });
      return end();
    }
  );

  function end() {
    return new Promise(function (resolve) {
      if (!client) return resolve(lines);
      client.end(true, {}, function () {
        resolve(lines);
      });
    });
  }
}

/** The report a tester copies: one line per check, then a summary. */
function report(lines, meta) {
  var out = ['mpmqtt self-test ' + (meta || '')];
  var failed = 0;
  for (var i = 0; i < lines.length; i++) {
    var l = lines[i];
    if (l.state !== 'PASS') failed++;
    out.push(l.state + ' ' + l.name + ' (' + l.ms + ' ms)' + (l.detail ? ': ' + l.detail : ''));
  }
  out.push(failed ? failed + ' of ' + lines.length + ' FAILED' : 'all ' + lines.length + ' passed');
  return out.join('\n');
}

/**
 * The self-test page's options for Page(), the same on every platform. `env` says what
 * differs: {mqtt, platform: 'wx'|'my', api, engine, label, copy(text)}.
 */
function selfTestPage(env) {
  return {
    data: { url: DEFAULT_BROKER, running: false, lines: [], hint: '', report: '' },

    onLoad: function (query) {
      this.hidden = false;
      this.shown = [];
      if (query && query.url) this.setData({ url: decodeURIComponent(query.url) });
      if (query && query.autorun) this.start();
    },

    onHide: function () {
      this.hidden = true;
    },

    onShow: function () {
      if (!this.hidden) return;
      this.hidden = false;
      var waiting = this.shown;
      this.shown = [];
      waiting.forEach(function (resolve) { resolve(); });
    },

    onUrlInput: function (e) {
      this.setData({ url: e.detail.value });
    },

    start: function () {
      var page = this;
      if (page.data.running) return;
      var lines = [];
      page.setData({ running: true, lines: [], report: '', hint: '' });
      runChecklist({
        mqtt: env.mqtt,
        platform: env.platform,
        api: env.api,
        engine: env.engine,
        url: page.data.url,
        onLine: function (line) {
          if (lines.indexOf(line) < 0) lines.push(line);
          var hideShow = line.name === 'app hide/show' && line.state === 'RUN';
          page.setData({
            lines: lines.map(function (l) { return Object.assign({}, l); }),
            hint: hideShow ? 'Now switch to another app and come back' : ''
          });
        },
        hideShow: function () {
          return new Promise(function (resolve) { page.shown.push(resolve); });
        }
      }).then(function (done) {
        var text = report(done, env.label + ' ' + page.data.url);
        console.log(text);
        page.setData({ running: false, hint: '', report: text });
      });
    },

    copy: function () {
      if (this.data.report) env.copy(this.data.report);
    }
  };
}

module.exports = { runChecklist: runChecklist, report: report, selfTestPage: selfTestPage, DEFAULT_BROKER: DEFAULT_BROKER, ONE_MIB: ONE_MIB };
