'use strict';
/**
 * Debian's mosquitto as a test broker on 127.0.0.1: a WebSocket listener (for the emulated
 * mini-programs) and a TCP listener (for mosquitto_pub/sub and other peers), on free ports.
 *
 *   const m = await startMosquitto({ persistence: true });
 *   m.wsUrl      // 'ws://127.0.0.1:PORT'
 *   m.tcpPort
 *   await m.restart();   // same ports, same persistence file (clean=false sessions survive)
 *   await m.kill();      // SIGKILL, as a crash (nothing saved); restart() works afterwards
 *   await m.stop();      // SIGTERM, waits for exit, removes the temp dir
 *
 * Nothing outlives the test process: every broker has a watchdog (`sh` reading a pipe from
 * this process) that SIGKILLs it when the pipe closes, which the kernel does however this
 * process dies, SIGKILL included; normal exits also run a synchronous exit hook.
 * Started as root, mosquitto drops to user `mosquitto`, so its temp dir is handed to it.
 */
const { spawn, execFileSync } = require('child_process');
const fs = require('fs');
const net = require('net');
const os = require('os');
const path = require('path');

const running = new Set();
process.on('exit', () => {
  for (const b of running) b.killSync();
});

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function canConnect(port) {
  return new Promise((resolve) => {
    const s = net.connect({ port, host: '127.0.0.1' });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

function mosquittoBinary() {
  for (const p of ['/usr/sbin/mosquitto', '/usr/bin/mosquitto']) if (fs.existsSync(p)) return p;
  throw new Error('mosquitto is not installed: run scripts/setup');
}

function mosquittoUser() {
  if (process.getuid && process.getuid() !== 0) return null;
  try {
    return {
      uid: Number(execFileSync('id', ['-u', 'mosquitto']).toString().trim()),
      gid: Number(execFileSync('id', ['-g', 'mosquitto']).toString().trim()),
    };
  } catch (e) {
    return null;
  }
}

/**
 * @param {object} [opts]
 * @param {boolean} [opts.websockets=true]
 * @param {boolean} [opts.persistence=false]
 * @param {string} [opts.extraConfig]  appended to the generated mosquitto.conf
 * @param {number} [opts.startTimeout=10000]
 */
async function startMosquitto(opts = {}) {
  const bin = mosquittoBinary();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mpmqtt-mosquitto-'));
  const owner = mosquittoUser();
  const tcpPort = await freePort();
  const wsPort = opts.websockets === false ? null : await freePort();
  const conf = [
    `pid_file ${path.join(dir, 'mosquitto.pid')}`,
    'log_dest stderr',
    'log_type error',
    'log_type warning',
    'per_listener_settings false',
    'allow_anonymous true',
    `persistence ${opts.persistence ? 'true' : 'false'}`,
    `persistence_location ${dir}${path.sep}`,
    'autosave_interval 0',
    `listener ${tcpPort} 127.0.0.1`,
  ];
  if (wsPort) conf.push(`listener ${wsPort} 127.0.0.1`, 'protocol websockets');
  if (opts.extraConfig) conf.push(opts.extraConfig);
  const confFile = path.join(dir, 'mosquitto.conf');
  fs.writeFileSync(confFile, conf.join('\n') + '\n');
  if (owner) {
    fs.chownSync(dir, owner.uid, owner.gid);
    fs.chownSync(confFile, owner.uid, owner.gid);
  }

  let proc = null;
  let watchdog = null;
  let exited = null;
  let stderr = '';

  async function launch() {
    stderr = '';
    proc = spawn(bin, ['-c', confFile], { stdio: ['ignore', 'ignore', 'pipe'] });
    const child = proc;
    exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    child.stderr.on('data', (d) => {
      stderr += d.toString();
    });
    // The watchdog sees EOF on its stdin when this process goes away, however it dies; it
    // only acts (kill, remove the temp dir) if the broker is still running then.
    watchdog = spawn(
      'sh',
      ['-c', 'cat >/dev/null; if grep -q mosquitto /proc/$0/cmdline 2>/dev/null; then kill -9 $0; rm -rf "$1"; fi', String(child.pid), dir],
      { stdio: ['pipe', 'ignore', 'ignore'] },
    );
    watchdog.unref();
    const deadline = Date.now() + (opts.startTimeout || 10000);
    let early = null;
    exited.then((r) => {
      early = r;
    });
    for (;;) {
      if (early) throw new Error(`mosquitto exited at start (${early.code ?? early.signal}): ${stderr.trim()}`);
      const ok = (await canConnect(tcpPort)) && (!wsPort || (await canConnect(wsPort)));
      if (ok) return;
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`mosquitto did not start within ${opts.startTimeout || 10000} ms: ${stderr.trim()}`);
      }
      await new Promise((r) => setTimeout(r, 30));
    }
  }

  function endWatchdog() {
    if (watchdog) {
      watchdog.stdin.end();
      watchdog = null;
    }
  }

  async function halt(signal) {
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) {
      endWatchdog();
      return;
    }
    proc.kill(signal);
    // Mosquitto writes its persistence file on SIGTERM; on a loaded machine that can take
    // seconds. A SIGKILL before it finishes loses acknowledged messages, which a test would
    // blame on the client: wait long, and count the times it was needed.
    const timer = setTimeout(() => {
      if (signal !== 'SIGKILL') handle.forcedKills++;
      proc.kill('SIGKILL');
    }, 20000);
    await exited;
    clearTimeout(timer);
    endWatchdog();
  }

  const handle = {
    wsUrl: wsPort ? `ws://127.0.0.1:${wsPort}` : null,
    wsPort,
    tcpPort,
    dir,
    get pid() {
      return proc && proc.pid;
    },
    get stderr() {
      return stderr;
    },
    /** Stops that needed a SIGKILL after SIGTERM: persistence may not have been saved. */
    forcedKills: 0,
    /** SIGTERM (mosquitto saves persistence), then start again on the same ports. */
    async restart() {
      await halt('SIGTERM');
      await launch();
    },
    /** SIGKILL: a crash, nothing saved. */
    async kill() {
      await halt('SIGKILL');
    },
    async stop() {
      running.delete(handle);
      await halt('SIGTERM');
      fs.rmSync(dir, { recursive: true, force: true });
    },
    killSync() {
      if (proc && proc.exitCode === null && proc.signalCode === null) {
        try {
          process.kill(proc.pid, 'SIGKILL');
        } catch (e) {
          // already gone
        }
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  running.add(handle);
  try {
    await launch();
  } catch (err) {
    running.delete(handle);
    endWatchdog();
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return handle;
}

module.exports = { startMosquitto, freePort };
