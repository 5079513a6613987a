'use strict'
// packetsend / packetreceive: the packets the core describes (src/wasm/packet_record.rs), as
// MQTT.js emits them. The core reports packets only while someone listens: an event per
// packet is a cost the hot path pays for nobody otherwise.
const EV = require('../core/events')
const payload = require('./payload')
const record = require('../core/record')
const { PACKET_RECORDS } = require('../build-flags')

const PACKET_EVENTS = ['packetsend', 'packetreceive']
// Packet names by MQTT packet type (1-15), for a core that describes no packet.
const CMD = ',connect,connack,publish,puback,pubrec,pubrel,pubcomp,subscribe,suback,unsubscribe,unsuback,pingreq,pingresp,disconnect,auth'.split(',')

/** Turns the core's packet events on once a listener is there (and the core loaded). */
function syncPacketEvents (client) {
  const core = client._core
  if (core && !client._packetEvents && PACKET_EVENTS.some((name) => client.listenerCount(name))) {
    client._packetEvents = true
    core.set_packet_events(true)
  }
}

/**
 * Emits the current PACKET_SENT / PACKET_RECEIVED event's packet. MQTT.js writes its first
 * CONNECT inside mqtt.connect(), before a page can listen: `client._hideConnect` (set until
 * that connection's CONNECT or a reconnect) keeps ours from the page as well.
 */
function emitPacket (client, core, kind) {
  const packet = (PACKET_RECORDS && core.ev_packet(record.decode, payload.toPayload)) || { cmd: CMD[core.ev_code()] }
  if (packet.cmd === 'connect' && client._hideConnect) client._hideConnect = false
  else client.emit(kind === EV.PACKET_SENT ? 'packetsend' : 'packetreceive', packet)
}

module.exports = { PACKET_EVENTS, syncPacketEvents, emitPacket }
