/*
 * `wx` inside the JavaScriptCore shell: connectSocket returns a SocketTask (the shapes of
 * tests/emulation/wx.js: wss:// only, send({data: string | ArrayBuffer}), close({code 1000 or
 * 3000..4999, reason}), onOpen/onMessage/onError/onClose) whose other end is the broker
 * script (broker.js). Every event is delivered from a timer, as a runtime would.
 */
var wx = (function () {
  var socketsOpened = 0;
  function later(fn) {
    setTimeout(fn, 0);
  }
  function settle(o, ok, res) {
    later(function () {
      if (o && typeof (ok ? o.success : o.fail) === 'function') (ok ? o.success : o.fail)(res);
      if (o && typeof o.complete === 'function') o.complete(res);
    });
  }
  function on() {
    var fns = [];
    return {
      add: function (fn) {
        if (typeof fn === 'function') fns.push(fn);
      },
      emit: function (res) {
        fns.slice().forEach(function (fn) {
          fn(res);
        });
      },
    };
  }
  function connectSocket(o) {
    var h = { Open: on(), Message: on(), Error: on(), Close: on() };
    var state = 'connecting';
    var task = {};
    Object.keys(h).forEach(function (k) {
      task['on' + k] = h[k].add;
    });
    function closed(code, reason) {
      if (state === 'closed') return;
      state = 'closed';
      conn.gone();
      later(function () {
        h.Close.emit({ code: code, reason: reason });
      });
    }
    var conn = broker.connect(
      function (bytes) {
        later(function () {
          if (state !== 'open') return;
          var copy = new ArrayBuffer(bytes.length);
          new Uint8Array(copy).set(bytes);
          h.Message.emit({ data: copy });
        });
      },
      function (code, reason) {
        closed(code, reason);
      }
    );
    task.send = function (s) {
      var data = s && s.data;
      if (typeof data !== 'string' && !(data instanceof ArrayBuffer)) {
        return settle(s, false, { errMsg: 'sendSocketMessage:fail parameter error: parameter.data should be String or ArrayBuffer instead of ' + Object.prototype.toString.call(data).slice(8, -1) + ';' });
      }
      if (state !== 'open') return settle(s, false, { errMsg: 'sendSocketMessage:fail WebSocket is not connected' });
      if (typeof data === 'string') {
        // A text frame to an MQTT broker: it closes the connection.
        closed(1002, 'text frame');
        return settle(s, true, { errMsg: 'sendSocketMessage:ok' });
      }
      var bytes = new Uint8Array(data.slice(0));
      later(function () {
        conn.receive(bytes);
      });
      settle(s, true, { errMsg: 'sendSocketMessage:ok' });
    };
    task.close = function (c) {
      c = c || {};
      var code = c.code === undefined ? 1000 : c.code;
      if (state === 'closed') return settle(c, false, { errMsg: 'closeSocket:fail WebSocket is not connected' });
      if (code !== 1000 && !(code >= 3000 && code <= 4999)) return settle(c, false, { errMsg: 'closeSocket:fail The code must be either 1000, or between 3000 and 4999. ' + code + ' is neither.' });
      closed(code, c.reason === undefined ? '' : String(c.reason));
      settle(c, true, { errMsg: 'closeSocket:ok' });
    };
    if (!o || typeof o.url !== 'string' || !/^wss:\/\//.test(o.url)) {
      settle(o, false, { errMsg: 'connectSocket:fail invalid url "' + (o && o.url) + '"' });
      state = 'closed';
      conn.gone();
      later(function () {
        h.Error.emit({ errMsg: 'connectSocket:fail invalid url' });
        h.Close.emit({ code: 1006, reason: 'abnormal closure' });
      });
      return task;
    }
    socketsOpened++;
    settle(o, true, { errMsg: 'connectSocket:ok' });
    later(function () {
      if (state !== 'connecting') return;
      state = 'open';
      h.Open.emit({ header: {} });
    });
    return task;
  }
  function listener() {}
  return {
    connectSocket: connectSocket,
    onAppShow: listener,
    offAppShow: listener,
    onAppHide: listener,
    offAppHide: listener,
    onNetworkStatusChange: listener,
    offNetworkStatusChange: listener,
    socketsOpened: function () {
      return socketsOpened;
    },
  };
})();
