/*
 * A small MQTT 3.1.1 broker that lives inside the JavaScriptCore shell (which has no sockets):
 * the fake wx.connectSocket (wx.js) hands it each binary frame and delivers what it answers.
 * Enough for the matrix session: CONNECT, SUBSCRIBE (+ and # filters), UNSUBSCRIBE, PUBLISH at
 * QoS 0/1/2 both ways with their acknowledgements, PINGREQ, DISCONNECT. Anything else, or a
 * malformed packet, closes the connection. `broker.open` counts the deliveries the client has
 * not yet acknowledged, so a session can check that it completed every QoS 1/2 flow.
 */
var broker = (function () {
  var conns = [];
  var log = [];

  function u16(b, i) {
    return (b[i] << 8) | b[i + 1];
  }
  function str(b, i) {
    var n = u16(b, i);
    var s = '';
    for (var k = 0; k < n; k++) s += String.fromCharCode(b[i + 2 + k]);
    // Topics in this session are ASCII; anything else is decoded as UTF-8 for matching.
    try {
      s = decodeURIComponent(escape(s));
    } catch (e) {
      throw new Error('topic is not UTF-8');
    }
    return { s: s, next: i + 2 + n };
  }
  function utf8(s) {
    var e = unescape(encodeURIComponent(s));
    var out = [];
    for (var i = 0; i < e.length; i++) out.push(e.charCodeAt(i));
    return out;
  }
  function packet(first, body) {
    var len = body.length;
    var head = [first];
    do {
      var d = len % 128;
      len = Math.floor(len / 128);
      head.push(len > 0 ? d | 128 : d);
    } while (len > 0);
    var out = new Uint8Array(head.length + body.length);
    out.set(head, 0);
    out.set(body, head.length);
    return out;
  }
  function matches(filter, topic) {
    var f = filter.split('/');
    var t = topic.split('/');
    for (var i = 0; i < f.length; i++) {
      if (f[i] === '#') return true;
      if (i >= t.length) return false;
      if (f[i] !== '+' && f[i] !== t[i]) return false;
    }
    return f.length === t.length;
  }

  function deliver(topic, payload, qos) {
    conns.forEach(function (c) {
      var best = -1;
      Object.keys(c.subs).forEach(function (f) {
        if (matches(f, topic) && c.subs[f] > best) best = c.subs[f];
      });
      if (best < 0) return;
      var q = Math.min(best, qos);
      var name = utf8(topic);
      var body = [name.length >> 8, name.length & 255].concat(name);
      if (q > 0) {
        var id = c.nextId++;
        body.push(id >> 8, id & 255);
        c.outgoing[id] = q;
      }
      for (var i = 0; i < payload.length; i++) body.push(payload[i]);
      log.push('deliver q' + q + ' ' + topic);
      c.send(packet(0x30 | (q << 1), body));
    });
  }

  function handle(c, b) {
    var type = b[0] >> 4;
    var flags = b[0] & 15;
    var i = 1;
    var mult = 1;
    var len = 0;
    var d;
    do {
      d = b[i++];
      len += (d & 127) * mult;
      mult *= 128;
    } while (d & 128);
    if (i + len !== b.length) throw new Error('one frame must hold exactly one packet');
    var p = b.subarray(i);
    if (!c.connected && type !== 1) throw new Error('first packet is not CONNECT');
    switch (type) {
      case 1: {
        var name = str(p, 0);
        var level = p[name.next];
        log.push('CONNECT ' + name.s + ' ' + level);
        c.connected = true;
        c.send(packet(0x20, [0, name.s === 'MQTT' && level === 4 ? 0 : 1]));
        return;
      }
      case 3: {
        var qos = (flags >> 1) & 3;
        var t = str(p, 0);
        var at = t.next;
        var pid = 0;
        if (qos > 0) {
          pid = u16(p, at);
          at += 2;
        }
        var payload = Array.prototype.slice.call(p.subarray(at));
        log.push('PUBLISH q' + qos + ' ' + t.s + ' ' + payload.length + 'B');
        if (qos === 1) c.send(packet(0x40, [pid >> 8, pid & 255]));
        if (qos === 2) {
          c.incoming[pid] = { topic: t.s, payload: payload };
          c.send(packet(0x50, [pid >> 8, pid & 255]));
          return;
        }
        deliver(t.s, payload, qos);
        return;
      }
      case 4: // PUBACK of a QoS 1 delivery
        if (c.outgoing[u16(p, 0)] !== 1) throw new Error('PUBACK for no QoS 1 delivery');
        delete c.outgoing[u16(p, 0)];
        log.push('PUBACK');
        return;
      case 5: // PUBREC of a QoS 2 delivery
        if (c.outgoing[u16(p, 0)] !== 2) throw new Error('PUBREC for no QoS 2 delivery');
        c.outgoing[u16(p, 0)] = 'rel';
        c.send(packet(0x62, [p[0], p[1]]));
        return;
      case 6: {
        // PUBREL of a QoS 2 publish: deliver it now, exactly once
        var held = c.incoming[u16(p, 0)];
        delete c.incoming[u16(p, 0)];
        c.send(packet(0x70, [p[0], p[1]]));
        if (held) deliver(held.topic, held.payload, 2);
        return;
      }
      case 7:
        if (c.outgoing[u16(p, 0)] !== 'rel') throw new Error('PUBCOMP for no released delivery');
        delete c.outgoing[u16(p, 0)];
        log.push('PUBCOMP');
        return;
      case 8: {
        var sid = u16(p, 0);
        var granted = [];
        for (var j = 2; j < p.length; ) {
          var f = str(p, j);
          var q = p[f.next];
          c.subs[f.s] = Math.min(q, 2);
          granted.push(Math.min(q, 2));
          j = f.next + 1;
        }
        log.push('SUBSCRIBE ' + granted.join(','));
        c.send(packet(0x90, [sid >> 8, sid & 255].concat(granted)));
        return;
      }
      case 10: {
        for (var k = 2; k < p.length; ) {
          var uf = str(p, k);
          delete c.subs[uf.s];
          k = uf.next;
        }
        c.send(packet(0xb0, [p[0], p[1]]));
        return;
      }
      case 12:
        c.send(packet(0xd0, []));
        return;
      case 14:
        log.push('DISCONNECT');
        c.close(1000, '');
        return;
      default:
        throw new Error('unexpected packet type ' + type);
    }
  }

  return {
    log: log,
    /** A new connection; `send(bytes)` and `close(code, reason)` reach the client's socket. */
    connect: function (send, close) {
      var c = { subs: {}, outgoing: {}, incoming: {}, nextId: 1, connected: false, send: send, close: close };
      conns.push(c);
      return {
        receive: function (bytes) {
          try {
            handle(c, bytes);
          } catch (e) {
            log.push('protocol error: ' + e.message);
            c.close(1002, 'protocol error');
          }
        },
        gone: function () {
          conns.splice(conns.indexOf(c), 1);
        },
        unacknowledged: function () {
          return Object.keys(c.outgoing).length;
        },
      };
    },
  };
})();
