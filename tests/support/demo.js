'use strict';
/**
 * The demo (run by scripts/demo after setup and build): copies the dist into both example
 * mini-apps, starts a local broker (aedes over WebSocket, verifying Aliyun signatures and
 * Easemob user tokens) and a fake Easemob REST server, then runs the WeChat and the Alipay
 * example page in the emulated runtimes: connect, subscribe, publish, receive, unsubscribe,
 * end. Prints what a developer would see and a summary; exit code 0 only if every step passed.
 *
 *   node tests/support/demo.js [--broker ws://host:port/path] [--dist DIR] [--timeout MS]
 *
 * With --broker the pages' wss:// hosts are mapped onto that broker instead (it sees the
 * Aliyun and Easemob credentials but nothing checks them); the Easemob token endpoints stay local.
 */
const path = require('path');
const { runPage, Device } = require('../emulation/runner');
const { startAedes } = require('./aedes');
const { startEasemob } = require('./easemob');
const { aliyunVerifier } = require('./aliyun');
const { installDist, originRewrite, REPO, EXAMPLES } = require('./page');

function parseArgs(argv) {
  const out = { broker: null, dist: path.join(REPO, 'dist'), timeout: 15000 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--broker') out.broker = val();
    else if (a === '--dist') out.dist = path.resolve(val());
    else if (a === '--timeout') out.timeout = Number(val());
    else if (a === '-h' || a === '--help') out.help = true;
    else throw new Error(`unknown argument ${a}`);
  }
  if (out.broker && !/^wss?:\/\//.test(out.broker)) throw new Error('--broker takes a ws:// or wss:// URL');
  return out;
}

/** The two example apps and the names of their tap handlers for each step. */
const apps = (examplesDir) => [
  {
    name: 'wechat',
    dir: path.join(examplesDir, 'wechat'),
    steps: { publish: 'publish', unsubscribe: 'unsubscribe', end: 'disconnect' },
  },
  {
    name: 'alipay',
    dir: path.join(examplesDir, 'alipay'),
    steps: { publish: 'pubMsg', unsubscribe: 'unSubscribe', end: 'end' },
  },
];

async function runApp(app, env, out) {
  const config = require(path.join(app.dir, 'config.js'));
  const results = [];
  const say = (line) => out(`[${app.name}] ${line}`);
  const device = new Device({
    hideCloseDelay: 5000,
    allowExternal: !!env.broker,
    rewrite: env.broker ? (url) => (/^wss:\/\//.test(url) ? env.broker : url) : originRewrite(config.brokerUrl, env.localUrl),
    requestRewrite: config.restApiUrl ? { [config.restApiUrl]: env.easemob.restApiUrl } : undefined,
  });
  device.on('socket-open', (s) => say(`socket open: ${s.pageUrl} (emulated → ${s.url}, sub-protocol "${s.protocol}")`));
  device.on('socket-error', (s, msg) => say(`socket error: ${msg}`));
  device.on('socket-close', (s) => say(`socket closed: code ${s.closeInfo.code}${s.closeInfo.reason ? ' "' + s.closeInfo.reason + '"' : ''}`));
  let page = null;
  const step = async (label, fn) => {
    try {
      await fn();
      results.push({ app: app.name, step: label, ok: true });
      return true;
    } catch (err) {
      results.push({ app: app.name, step: label, ok: false, error: err.message });
      say(`FAILED at "${label}": ${err.message}`);
      return false;
    }
  };
  // States can pass quickly (connected -> subscribed): look at every setData since the last step.
  let mark = 0;
  const waitState = async (state) => {
    await page.waitFor(
      () => {
        const seen = page.history.slice(mark).map((h) => h.patch.state);
        if (seen.includes('error') && state !== 'error') throw new Error(page.data.statusText);
        return seen.includes(state);
      },
      { timeout: env.timeout, what: `state "${state}"` },
    );
    mark = page.history.findIndex((h, i) => i >= mark && h.patch.state === state) + 1;
  };
  try {
    const loaded = await step('load page', async () => {
      page = await runPage(app.dir, 'pages/index/index', {
        device,
        onConsole: (e) => say(e.text.replace(/^\[[a-z]+\] /, '')),
      });
    });
    if (!loaded) return results;
    (await step('connect', () => waitState('connected'))) &&
      (await step('subscribe', () => waitState('subscribed'))) &&
      (await step('publish', () => {
        page.tap(app.steps.publish);
        return waitState('received');
      })) &&
      (await step('receive', async () => {
        const got = page.data.messages[page.data.messages.length - 1];
        if (!got || got.topic !== config.topic || got.text !== config.message) {
          throw new Error(`expected "${config.message}" on ${config.topic}, got ${JSON.stringify(got)}`);
        }
      })) &&
      (await step('unsubscribe', () => {
        page.tap(app.steps.unsubscribe);
        return waitState('unsubscribed');
      })) &&
      (await step('end', () => {
        page.tap(app.steps.end);
        return waitState('ended');
      }));
  } finally {
    if (page) page.close();
    device.dispose();
  }
  return results;
}

/**
 * @param {string[]} argv
 * @param {(line: string) => void} [out]
 * @param {{examplesDir?: string}} [where]  tests run copies of example-miniapp/
 * @returns {Promise<number>} exit code
 */
async function main(argv, out = console.log, where = {}) {
  const args = parseArgs(argv);
  const examplesDir = where.examplesDir || EXAMPLES;
  const APPS = apps(examplesDir);
  if (args.help) {
    out('usage: scripts/demo [--broker ws://host:port/path] [--dist DIR] [--timeout MS]');
    return 0;
  }
  for (const app of APPS) {
    const copied = installDist(args.dist, app.dir);
    out(`[demo] copied ${copied.join(', ')} from ${path.relative(REPO, args.dist) || '.'} into ${path.relative(REPO, app.dir)}/utils/`);
  }
  const wechatConfig = require(path.join(examplesDir, 'wechat', 'config.js'));
  const alipayConfig = require(path.join(examplesDir, 'alipay', 'config.js'));
  const easemob = await startEasemob({
    appId: alipayConfig.appId,
    appClientId: alipayConfig.appClientId,
    appClientSecret: alipayConfig.appClientSecret,
  });
  const d = wechatConfig.device;
  const aliyunOk = aliyunVerifier({ [`${d.productKey}/${d.deviceName}`]: d.deviceSecret });
  let broker = null;
  const results = [];
  try {
    if (!args.broker) {
      broker = await startAedes({
        path: ['/', '/mqtt'],
        authenticate: (client, username, password) => {
          const how = String(username).includes('&') ? 'Aliyun HMAC-SHA1 signature' : 'Easemob user token';
          const ok = how.startsWith('Aliyun') ? aliyunOk(client.id, username, password) : easemob.checkMqttLogin(client.id, username, password);
          out(`[broker] ${client.id}: ${how} ${ok ? 'valid' : 'INVALID'} for user ${username}`);
          return ok;
        },
      });
      out(`[broker] aedes listening on ${broker.url.replace(/\/mqtt$/, '')} (paths / and /mqtt, sub-protocol mqtt required)`);
    } else {
      out(`[broker] using ${args.broker}`);
    }
    out(`[easemob] fake REST API on ${easemob.restApiUrl}`);
    for (const app of APPS) {
      results.push(...(await runApp(app, { broker: args.broker, localUrl: broker && `ws://127.0.0.1:${broker.port}`, easemob, timeout: args.timeout }, out)));
    }
  } finally {
    if (broker) await broker.stop();
    await easemob.stop();
  }
  out('');
  out('Summary');
  for (const app of APPS) {
    const mine = results.filter((r) => r.app === app.name);
    const failed = mine.find((r) => !r.ok);
    const marks = mine.map((r) => `${r.step} ${r.ok ? 'ok' : 'FAILED'}`).join(', ');
    out(`  ${app.name.padEnd(7)} ${failed ? 'FAIL' : 'PASS'}  ${marks}${failed ? `\n          ${failed.error}` : ''}`);
  }
  const expected = APPS.length * 7;
  const passed = results.filter((r) => r.ok).length === expected && results.every((r) => r.ok);
  out(passed ? 'demo passed: both mini-apps connected, subscribed, published, received, unsubscribed and ended' : 'demo FAILED');
  return passed ? 0 : 1;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      console.error(`[demo] ${err.message}`);
      process.exitCode = 2;
    },
  );
}

module.exports = { main, parseArgs };
