/*
 * The benchmarks' broker inside a JIT-less engine (bench/jitless.js): the same interface as
 * tests/matrix/jsc/broker.js (`broker.connect(send, close)`, reached through the fake
 * wx.connectSocket of tests/matrix/jsc/wx.js) but built to cost little per message, since it
 * runs in the same engine as the client under test and its time counts against every client
 * alike: packets are reassembled from frames (MQTT.js 4 writes one packet as several frames),
 * PUBACKs are pre-encoded, and an echo reuses the received bytes (QoS 0 unchanged, QoS 1 with
 * the broker's packet id written into a copy). Exact-topic subscriptions only.
 *
 * `broker.received` counts PUBLISH packets received; `broker.onPublish`, when set, is called
 * after each one (the session's QoS 0 publish window).
 */
var broker = (function () {
  var CONNACK = new Uint8Array([0x20, 2, 0, 0]);
  var PINGRESP = new Uint8Array([0xd0, 0]);
  var conns = [];
  var api = { received: 0, onPublish: null, log: [] };

  function u16(b, i) {
    return (b[i] << 8) | b[i + 1];
  }
  function ascii(b, from, to) {
    var s = '';
    for (var i = from; i < to; i++) s += String.fromCharCode(b[i]);
    return s;
  }
  function ack(type, id) {
    return new Uint8Array([type, 2, id >> 8, id & 255]);
  }

  /** Length of the packet starting at b[off], or -1 when its header is incomplete. */
  function packetLength(b, off, end) {
    var mult = 1;
    var len = 0;
    for (var i = off + 1; i < end && i < off + 5; i++) {
      len += (b[i] & 127) * mult;
      if (!(b[i] & 128)) return i + 1 - off + len;
      mult *= 128;
    }
    return -1;
  }

  function handle(c, p) {
    var type = p[0] >> 4;
    var at = 1;
    while (p[at] & 128) at++;
    at++; // first byte of the variable header
    switch (type) {
      case 1:
        c.send(CONNACK);
        return;
      case 3: {
        var qos = (p[0] >> 1) & 3;
        var topicEnd = at + 2 + u16(p, at);
        var topic = ascii(p, at + 2, topicEnd);
        api.received++;
        if (qos === 1) c.send(ack(0x40, u16(p, topicEnd)));
        var sub = c.subs[topic];
        if (sub !== undefined) {
          if (qos === 0 || sub === 0) {
            // QoS 0 out: a QoS 1 packet would need its id removed; the sessions never ask for that.
            if (qos !== 0) throw new Error('downgrade not supported');
            c.send(p);
          } else {
            var out = new Uint8Array(p.length);
            out.set(p);
            var id = c.nextId;
            c.nextId = id === 65535 ? 1 : id + 1;
            out[topicEnd] = id >> 8;
            out[topicEnd + 1] = id & 255;
            out[0] &= 0xf7; // never DUP
            c.send(out);
          }
        }
        if (api.onPublish) api.onPublish();
        return;
      }
      case 4: // PUBACK of a delivery
        return;
      case 8: {
        var sid = u16(p, at);
        var j = at + 2;
        var granted = [];
        while (j < p.length) {
          var fEnd = j + 2 + u16(p, j);
          var q = Math.min(p[fEnd], 1);
          c.subs[ascii(p, j + 2, fEnd)] = q;
          granted.push(q);
          j = fEnd + 1;
        }
        var suback = new Uint8Array(4 + granted.length);
        suback[0] = 0x90;
        suback[1] = 2 + granted.length;
        suback[2] = sid >> 8;
        suback[3] = sid & 255;
        for (var g = 0; g < granted.length; g++) suback[4 + g] = granted[g];
        c.send(suback);
        return;
      }
      case 12:
        c.send(PINGRESP);
        return;
      case 14:
        c.close(1000, '');
        return;
      default:
        throw new Error('unexpected packet type ' + type);
    }
  }

  /** Whole packets out of one frame, joining with what earlier frames left over. */
  function receive(c, frame) {
    var b = frame;
    if (c.rest) {
      b = new Uint8Array(c.rest.length + frame.length);
      b.set(c.rest);
      b.set(frame, c.rest.length);
      c.rest = null;
    }
    var off = 0;
    while (off < b.length) {
      var len = packetLength(b, off, b.length);
      if (len < 0 || off + len > b.length) {
        c.rest = b.subarray(off);
        return;
      }
      handle(c, b.subarray(off, off + len));
      off += len;
    }
  }

  api.connect = function (send, close) {
    var c = { subs: {}, nextId: 1, rest: null, send: send, close: close };
    conns.push(c);
    return {
      receive: function (bytes) {
        try {
          receive(c, bytes);
        } catch (e) {
          api.log.push('protocol error: ' + e.message);
          c.close(1002, 'protocol error');
        }
      },
      gone: function () {
        conns.splice(conns.indexOf(c), 1);
      },
    };
  };
  return api;
})();
