'use strict';
/**
 * end(true) from a 'message' handler, then reconnect(), against Mosquitto (clean=false). The
 * acknowledgements of what a socket drive reads wait for the end of the job (issue #23); a
 * forced end from a handler hands them to the socket first, unless the page published in that
 * job: then they die with the connection, as what MQTT.js wrote in the turn of its end(true)
 * (docs/decisions.md "Acknowledgements after end(true)"). Nothing may be lost either way, QoS 2
 * stays exactly once (the broker sends the unacknowledged messages again; the core kept the
 * received QoS 2 ids with the session and acknowledges them without a second delivery), and
 * without a publish in the handler QoS 1 is delivered once too (MQTT.js: up to twice). Swept:
 * the end in the handler of the first, a middle and the last message of a burst the publisher
 * sends at once; the handler publishing a reply before end(true) or not.
 */
const test = require('node:test');
const assert = require('node:assert');
const { startMosquitto } = require('../../support/mosquitto');
const h = require('./helpers');

const COUNT = 10;

test('end(true) in a message handler, then reconnect(): nothing lost, QoS 2 exactly once, QoS 1 once unless the handler published first', { skip: h.distMissing, timeout: 60000 }, async (t) => {
  const m = await startMosquitto();
  const clients = [];
  try {
    const { client: peer } = await h.connectPeer(m.wsUrl + '/mqtt');
    clients.push(peer);
    const runs = [1, 2].flatMap((qos) => [0, 4, COUNT - 1].flatMap((endAt) => [false, true].map((reply) => [qos, endAt, reply])));
    for (const [qos, endAt, reply] of runs) {
      const topic = `fe/${qos}/${endAt}/${reply}`;
      const { client } = await h.connectOurs(m.wsUrl + '/mqtt', { clientId: `fe-${qos}-${endAt}-${reply}`, clean: false });
      clients.push(client);
      await h.call(client, 'subscribe', topic, { qos });
      const got = [];
      let ended = false;
      client.on('message', (tp, message) => {
        got.push(String(message));
        if (!ended && got.length === endAt + 1) {
          ended = true;
          if (reply) client.publish('fe/replies', 'r');
          client.end(true, () => client.reconnect());
        }
      });
      for (let i = 0; i < COUNT; i++) peer.publish(topic, 'p' + i, { qos });
      const all = Array.from({ length: COUNT }, (_, i) => 'p' + i);
      await h.waitFor(() => ended && client.connected && all.every((p) => got.includes(p)), `QoS ${qos}, end at ${endAt}: every message`, 15000);
      await h.sleep(300); // a second delivery would show here
      const label = `QoS ${qos}, end(true) in the handler of message ${endAt + 1} of ${COUNT}${reply ? ' after a publish' : ''}`;
      t.diagnostic(`${label}: ${got.length} deliveries`);
      assert.deepStrictEqual([...new Set(got)].sort(), all.slice().sort(), label + ': none lost');
      if (qos === 2 || !reply) assert.strictEqual(got.length, COUNT, label + ': each once (' + got.join(',') + ')');
      await new Promise((resolve) => client.end(resolve));
    }
  } finally {
    for (const c of clients) c.end(true);
    await m.stop();
  }
});
