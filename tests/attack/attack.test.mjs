// The attack suite (issue 9): each finding of the attack run as a scripted attack on the
// real binaries, as a hostile client or a hostile upstream (the fake's fault script)
// would make it. Each asserts the answer the gateway owes, that the process is still
// alive, and that its RSS and descriptors come back to their level.
//
// One gateway ("main") takes most attacks in turn and is measured before the first and
// after the last; attacks that need their own fd limit or config start their own
// gateway in front of the same fake. If an attack kills main, the next attack starts a
// new one (so one crash does not hide the other findings) and the last test fails.
//
// Binaries: GATEWAY_BIN and FAKE_BIN (set by CTest), else build/<name>.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import {
  apiRequests, binary, fake, repoRoot, startGateway, startStack, stopStack, waitFor,
} from '../e2e/stack.mjs';
import {
  KEY, asanOptions, assertApiError, cpuSeconds, describeLevel, rawExchange, request,
  settle, snapshot, watchPeak, writeConfig,
} from './lib.mjs';

const MODEL = 'claude-sonnet-4-5';
const HEADER_LIMIT = 16 * 1024;
const hello = () => ({ model: MODEL, max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] });
const short = (text) => (text.length > 300 ? `${text.slice(0, 300)}...` : text);
const jsonHeaders = (who = 'alice') => ({ 'x-api-key': KEY[who], 'content-type': 'application/json' });

// How far an attack may leave the process above its level. Under ASan a quiet gateway
// drifts by a few MiB; the findings were tens to hundreds of MiB.
const RSS_TOLERANCE_MIB = 12;
const FD_TOLERANCE = 4;

const dir = mkdtempSync(path.join(tmpdir(), 'gw-attack-'));
const gatewayEnv = { ASAN_OPTIONS: asanOptions() };
const ctx = { stack: null, main: null, deaths: [], baseline: null };

function mainConfig() {
  return writeConfig(dir, 'main', {
    upstream: { stream_idle_timeout: '300s' },
    limits: { max_header_bytes: HEADER_LIMIT },
  });
}

async function startMain() {
  const started = await startGateway(ctx.stack, {
    config: mainConfig(), gatewayEnv, dataDir: path.join(dir, 'data'), name: 'claude-gateway (main)',
  });
  ctx.main = started;
  ctx.stack.gateway = started.gateway;
  ctx.stack.gatewayURL = started.url;
}

// The first request of each kind allocates for good (TLS to the fake, SQLite caches,
// the JSON parsers' buffers): done once, before the level is taken.
async function warmUp(url) {
  for (let i = 0; i < 3; i++) {
    await request(url, { path: '/healthz' });
    await request(url, { method: 'POST', path: '/v1/messages', headers: jsonHeaders(), body: hello() });
    await request(url, { method: 'POST', path: '/v1/messages', headers: jsonHeaders(),
      body: { ...hello(), stream: true } });
    await request(url, { path: '/gateway/v1/sessions', headers: jsonHeaders() });
    await request(url, { path: '/nowhere' });
    await request(url, { path: '/metrics' });
    // A body of some MiB (refused for max_tokens) sizes the allocator for attack 6's.
    await request(url, { method: 'POST', path: '/gateway/v1/sessions', headers: jsonHeaders(),
      body: { max_tokens: 'none', metadata: { blob: 'w'.repeat(3_900_000) } } });
  }
}

async function healthz(url) {
  try {
    return (await request(url, { path: '/healthz', timeoutMs: 5000 })).status;
  } catch (e) {
    return `no answer (${e.code ?? e.message})`;
  }
}

function logs(gateway) {
  return `\n${gateway.tail(30)}`;
}

// SIGTERM: a clean exit, which under ASan also means LeakSanitizer found nothing.
async function assertCleanExit(gateway) {
  const exit = await gateway.stop();
  assert.deepEqual(exit, { code: 0, signal: null }, `${gateway.name} exits 0 on SIGTERM${logs(gateway)}`);
}

async function assertAlive(gateway, url, what) {
  assert.ok(gateway.running(), `${what}: the gateway died: ${JSON.stringify(gateway.exited)}${logs(gateway)}`);
  assert.equal(await healthz(url), 200, `${what}: GET /healthz${logs(gateway)}`);
}

// One attack on main: `fn(url, stack, before)` runs it and asserts its answer; then main must be
// alive, and back within the tolerances of its RSS and descriptors.
function attack(name, fn, { timeout = 30000, rssMiB = RSS_TOLERANCE_MIB, fds = FD_TOLERANCE } = {}) {
  it(name, { timeout }, async (t) => {
    if (!ctx.main.gateway.running()) {
      ctx.deaths.push(ctx.main.gateway.exited);
      await startMain();
    }
    const { gateway, url } = ctx.main;
    await fake.reset(ctx.stack);
    const before = snapshot(gateway.pid);
    try {
      await fn(url, ctx.stack, before);
    } catch (e) {
      if (e && typeof e.message === 'string') e.message += logs(gateway);
      throw e;
    }
    await assertAlive(gateway, url, name);
    const now = await settle(gateway.pid, before, { rssMiB, fds });
    t.diagnostic(describeLevel(before, now));
    assert.ok(now.fds <= before.fds + fds, `descriptors came back: ${describeLevel(before, now)}`);
    assert.ok(now.rssKiB <= before.rssKiB + rssMiB * 1024,
      `memory came back (within ${rssMiB} MiB): ${describeLevel(before, now)}`);
  });
}

function rawHead(method, target, headers) {
  return `${method} ${target} HTTP/1.1\r\nHost: attack\r\n${headers.map((h) => `${h}\r\n`).join('')}\r\n`;
}

function chunk(text) {
  return `${Buffer.byteLength(text).toString(16)}\r\n${text}\r\n`;
}

// Sessions of a key, as its owner sees them.
async function sessionsOf(url, who) {
  const r = await request(url, { path: '/gateway/v1/sessions?limit=100', headers: jsonHeaders(who) });
  assert.equal(r.status, 200, `list ${who}'s sessions: ${r.text}`);
  return r.json.data;
}

describe('attack suite', { concurrency: 1 }, () => {
  before(async () => {
    ctx.stack = await startStack({ config: mainConfig(), gatewayEnv, dataDir: path.join(dir, 'data') });
    ctx.main = { gateway: ctx.stack.gateway, url: ctx.stack.gatewayURL };
    await warmUp(ctx.main.url);
    ctx.baseline = snapshot(ctx.main.gateway.pid);
  });

  after(async () => {
    if (ctx.stack) await stopStack(ctx.stack);
    rmSync(dir, { recursive: true, force: true });
  });

  // --- 1. headers over limits.max_header_bytes -----------------------------------------

  attack('1. a header field over max_header_bytes gets 431 and the gateway lives on', async (url) => {
    const head = rawHead('GET', '/healthz', [`X-Big: ${'a'.repeat(17000)}`]);
    const r = await rawExchange(url, [head]);
    assert.ok(r.response, `an answer (closed: ${r.closed}, error: ${r.error?.message})`);
    assert.equal(r.response.status, 431);
    assertApiError(assert, r.response, 'invalid_request_error', '431');
    // The crash came within a second of the answer.
    await sleep(1500);
  });

  attack('1. an 18,000-byte header block (1,700-byte URL + 16,300 bytes of fields) gets 431', async (url) => {
    const target = `/healthz?pad=${'a'.repeat(1700 - '/healthz?pad='.length)}`;
    const fields = [];
    for (let i = 0; fields.join('\r\n').length < 16300; i++) fields.push(`X-Pad-${i}: ${'b'.repeat(900)}`);
    const head = rawHead('GET', target, fields);
    assert.ok(head.length > 18000 && head.length < 18500, `block size ${head.length}`);
    const r = await rawExchange(url, [head]);
    assert.ok(r.response, `an answer (closed: ${r.closed}, error: ${r.error?.message})`);
    assert.equal(r.response.status, 431, `status for a ${head.length}-byte header block`);
    assertApiError(assert, r.response, 'invalid_request_error', '431');
  });

  // --- 2. chunked trailers ---------------------------------------------------------------

  attack('2. a flood of chunked trailer lines gets 431 after about the header limit', async (url, stack, before) => {
    const head = rawHead('POST', '/v1/messages', [`x-api-key: ${KEY.alice}`,
      'content-type: application/json', 'Transfer-Encoding: chunked']);
    const line = `X-Trailer-Flood: ${'t'.repeat(1000)}\r\n`;
    const block = Buffer.from(line.repeat(64));  // ~64 KiB
    const total = 50 * 1024 * 1024;
    function* parts() {
      yield head + chunk('{}') + '0\r\n';
      for (let sent = 0; sent < total; sent += block.length) yield block;
      yield '\r\n';
    }
    const peak = watchPeak(stack.gateway.pid);
    const r = await rawExchange(url, parts(), { timeoutMs: 20000 });
    const peakKiB = peak();
    const figures = `${(r.sent / 1048576).toFixed(1)} MiB sent; RSS ${(before.rssKiB / 1024).toFixed(1)} MiB, ` +
      `peak ${(peakKiB / 1024).toFixed(1)} MiB`;
    assert.ok(r.response, `an answer (${figures}; closed: ${r.closed}, error: ${r.error?.message})`);
    assert.equal(r.response.status, 431, `${figures}: ${r.response.text}`);
    assertApiError(assert, r.response, 'invalid_request_error', '431');
    // Socket buffers take some MiB whoever reads them; the whole flood sent means the answer
    // came only after it (the gateway then reads and drops what still comes, for a while).
    assert.ok(r.sent < 24 * 1024 * 1024, `the answer came while the flood was going: ${figures}`);
    assert.ok(peakKiB <= before.rssKiB + 8 * 1024, `memory stayed at its level: ${figures}`);
  }, { rssMiB: 8 });

  attack('2. a well-formed trailer field is refused with 400, not merged into the headers', async (url, stack) => {
    const body = JSON.stringify(hello());
    const head = rawHead('POST', '/v1/messages', [`x-api-key: ${KEY.alice}`,
      'content-type: application/json', 'Transfer-Encoding: chunked']);
    const r = await rawExchange(url, [`${head}${chunk(body)}0\r\nX-Trailer: 1\r\n\r\n`]);
    assert.ok(r.response, `an answer (closed: ${r.closed}, error: ${r.error?.message})`);
    assert.equal(r.response.status, 400, short(r.response.text));
    assertApiError(assert, r.response, 'invalid_request_error', 'trailer');
    assert.equal((await apiRequests(stack)).length, 0, 'nothing was sent upstream');
  });

  // --- 3. EMFILE in the accept loop --------------------------------------------------------

  it('3. a flood past the descriptor limit: descriptors never run out, no spinning, no log flood, new clients still answered', { timeout: 60000 }, async (t) => {
    const config = writeConfig(dir, 'emfile', { limits: { max_connections: 200 } });
    const { gateway, url } = await startGateway(ctx.stack, {
      config, gatewayEnv, dataDir: path.join(dir, 'data-emfile'), name: 'claude-gateway (ulimit -n 256)',
      wrap: ['sh', '-c', 'ulimit -n 256 && exec "$@"', 'sh'],
    });
    const sockets = [];
    try {
      await request(url, { path: '/healthz' });
      const before = snapshot(gateway.pid);
      const outputBefore = gateway.outputBytes;
      const { port } = new URL(url);
      let closed = 0;
      await Promise.all(Array.from({ length: 400 }, () => new Promise((resolve) => {
        const s = net.connect({ host: '127.0.0.1', port: Number(port) });
        s.on('error', () => {});
        s.on('connect', resolve);
        s.on('close', () => { closed += 1; resolve(); });
        sockets.push(s);
      })));
      // The flood has met the gateway's cap once it has closed the idle connections over it
      // (each newcomer past it sheds the oldest). Shed sockets hold descriptors until they
      // have closed, and accepting past them ran the process out of descriptors: then the
      // store, upstream and the sanitizers' own checks failed (UBSan reported a valid object
      // as having an invalid vptr, for want of a pipe). The gateway now waits for them.
      const cap = Number(/"msg":"listening".*"max_connections":"(\d+)"/.exec(gateway.stderr)[1]);
      await waitFor('the flood to meet the connection cap', gateway,
        () => closed >= sockets.length - cap || /"msg":"accept failed/.test(gateway.stderr));
      const acceptFailed = /"msg":"accept failed/.test(gateway.stderr);

      // Measured first, asserted after, so that a failure shows every figure.
      const cpuNow = () => (gateway.running() ? cpuSeconds(gateway.pid) : NaN);
      const status = await healthz(url);
      const cpu0 = cpuNow();
      await sleep(2000);
      const cpu = cpuNow() - cpu0;
      const written = gateway.outputBytes - outputBefore;
      const figures = `new client: ${status}; CPU over 2 s: ${cpu.toFixed(2)} s; ` +
        `log output during the flood: ${written} bytes` +
        (gateway.running() ? '' : `; the gateway died: ${JSON.stringify(gateway.exited)}`);
      t.diagnostic(figures);
      assert.ok(status === 200 || status === 503, `a new client is answered within 5 s: ${figures}${logs(gateway)}`);
      assert.ok(gateway.running(), `alive: ${figures}${logs(gateway)}`);
      assert.ok(!acceptFailed, `descriptors never ran out (no accept failure): ${figures}${logs(gateway)}`);
      assert.ok(cpu < 0.5, `no spinning: ${figures}${logs(gateway)}`);
      assert.ok(written < 100 * 1024, `no log flood: ${figures}${logs(gateway)}`);

      for (const s of sockets) s.destroy();
      sockets.length = 0;
      await assertAlive(gateway, url, 'after the flood');
      const now = await settle(gateway.pid, before, { rssMiB: 64, fds: FD_TOLERANCE });
      assert.ok(now.fds <= before.fds + FD_TOLERANCE, `descriptors came back: ${describeLevel(before, now)}`);
      await assertCleanExit(gateway);
    } finally {
      for (const s of sockets) s.destroy();
      await gateway.stop();
    }
  });

  // --- 4. upstream retry-after ---------------------------------------------------------------

  it('4. an upstream 429 with retry-after: 100000 waits only retry.max_retry_after', { timeout: 40000 }, async () => {
    const config = writeConfig(dir, 'retry', { retry: { max_retry_after: '2s' } });
    const { gateway, url } = await startGateway(ctx.stack, {
      config, gatewayEnv, dataDir: path.join(dir, 'data-retry'), name: 'claude-gateway (max_retry_after 2s)',
    });
    try {
      await fake.reset(ctx.stack);
      await fake.faults(ctx.stack, [{ kind: 'status', status: 429, retry_after: 100000, count: 1 }]);
      let r;
      try {
        r = await request(url, { method: 'POST', path: '/v1/messages', headers: jsonHeaders(),
          body: hello(), timeoutMs: 15000 });
      } catch (e) {
        assert.fail(`no answer within 15 s (${e.code ?? e.message})${logs(gateway)}`);
      }
      assert.equal(r.status, 200, short(r.text));
      const metrics = (await request(url, { path: '/metrics' })).text;
      const capped = metrics.split('\n')
        .filter((l) => l.startsWith('gateway_upstream_retry_after_capped_total'))
        .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
      assert.equal(capped, 1, 'gateway_upstream_retry_after_capped_total');
      await assertAlive(gateway, url, 'after the 429');
      await assertCleanExit(gateway);
    } finally {
      await fake.reset(ctx.stack);
      await gateway.stop();
    }
  });

  // --- 5. JSON depth --------------------------------------------------------------------------

  attack('5. a tool input_schema nesting 15 object levels is not refused for depth', async (url) => {
    const schema = { type: 'object', properties: {} };
    let inner = schema;
    for (let level = 1; level < 15; level++) {
      const next = { type: 'object', properties: {} };
      inner.properties.a = next;
      inner = next;
    }
    const body = { ...hello(), tools: [{ name: 'deep', description: 'nested', input_schema: schema }] };
    const r = await request(url, { method: 'POST', path: '/v1/messages', headers: jsonHeaders(), body });
    assert.equal(r.status, 200, short(r.text));
  });

  attack('5. a 100,000-deep [[[[ body gets 400', async (url, stack) => {
    const r = await request(url, { method: 'POST', path: '/v1/messages', headers: jsonHeaders(),
      body: '['.repeat(100000) });
    assert.equal(r.status, 400, short(r.text));
    assertApiError(assert, r, 'invalid_request_error', 'depth bomb');
    assert.equal((await apiRequests(stack)).length, 0, 'nothing was sent upstream');
  });

  // --- 6. session metadata ----------------------------------------------------------------

  attack('6. 3.9 MB of session metadata gets 400 and nothing is stored', async (url) => {
    const stored = await sessionsOf(url, 'mallory');
    const body = { metadata: { blob: 'm'.repeat(3_900_000) } };
    const r = await request(url, { method: 'POST', path: '/gateway/v1/sessions', headers: jsonHeaders('mallory'), body });
    assert.equal(r.status, 400, short(r.text));
    assertApiError(assert, r, 'invalid_request_error', 'metadata');
    assert.deepEqual(await sessionsOf(url, 'mallory'), stored, 'no session was stored');
  }, { rssMiB: 24 });  // the 3.9 MB body itself passes through memory a few times

  // --- 7. upstream stream dropped after its head -------------------------------------------

  attack('7. a stream dropped by upstream right after its 200 head is retried at once', async (url, stack) => {
    // The fake sends the 200 and the SSE head, then closes without an event.
    await fake.faults(stack, [{ kind: 'drop_mid_stream', after_events: 0 }]);
    let r;
    try {
      r = await request(url, { method: 'POST', path: '/v1/messages', headers: jsonHeaders(),
        body: { ...hello(), stream: true }, timeoutMs: 15000 });
    } catch (e) {
      assert.fail(`the stream did not complete within 15 s (stream_idle_timeout is 300 s): ${e.code ?? e.message}`);
    }
    assert.equal(r.status, 200, short(r.text));
    assert.match(r.text, /event: message_stop/, 'a complete stream');
    assert.equal((await apiRequests(stack)).length, 2, 'the dropped attempt and its retry');
  });

  // --- 8. non-finite numbers ----------------------------------------------------------------

  attack('8. 1e400 in a /v1/messages body gets 400 naming the field; nothing goes upstream', async (url, stack) => {
    const body = JSON.stringify(hello()).replace('"max_tokens":16', '"max_tokens":16,"temperature":1e400');
    const r = await request(url, { method: 'POST', path: '/v1/messages', headers: jsonHeaders(), body });
    assert.equal(r.status, 400, short(r.text));
    const e = assertApiError(assert, r, 'invalid_request_error', '1e400');
    assert.match(e.error.message, /temperature/, 'the message names the field');
    assert.equal((await apiRequests(stack)).length, 0, 'nothing was sent upstream');
  });

  attack('8. 1e400 in session metadata gets 400 naming the field; nothing is stored', async (url) => {
    const stored = await sessionsOf(url, 'mallory');
    const r = await request(url, { method: 'POST', path: '/gateway/v1/sessions', headers: jsonHeaders('mallory'),
      body: '{"metadata":{"n":1e400}}' });
    assert.equal(r.status, 400, short(r.text));
    const e = assertApiError(assert, r, 'invalid_request_error', '1e400');
    assert.match(e.error.message, /metadata/, 'the message names the field');
    assert.deepEqual(await sessionsOf(url, 'mallory'), stored, 'no session was stored');
  });

  // --- 9. the low ones ------------------------------------------------------------------------

  attack('9. a bad chunk size gets a 400 JSON answer', async (url, stack) => {
    const head = rawHead('POST', '/v1/messages', [`x-api-key: ${KEY.alice}`,
      'content-type: application/json', 'Transfer-Encoding: chunked']);
    const r = await rawExchange(url, [`${head}zz\r\n`]);
    assert.ok(r.response, `an answer (closed: ${r.closed}, error: ${r.error?.message})`);
    assert.equal(r.response.status, 400, short(r.response.text));
    assertApiError(assert, r.response, 'invalid_request_error', 'bad chunk size');
    assert.equal((await apiRequests(stack)).length, 0, 'nothing was sent upstream');
  });

  attack('9. a path with a raw 0xFF byte gets a 404 (or, under /v1/, a 400) whose body is valid UTF-8 JSON', async (url) => {
    // Under /v1/ a path is forwarded, unless it is no URI: then it stays here.
    for (const [target, status, type] of [
      ['/gateway/v1/\xff', 404, 'not_found_error'],
      ['/\xff', 404, 'not_found_error'],
      ['/v1/\xff', 400, 'invalid_request_error'],
    ]) {
      const r = await rawExchange(url, [rawHead('GET', target, [`x-api-key: ${KEY.alice}`])]);
      assert.ok(r.response, `${JSON.stringify(target)}: an answer (closed: ${r.closed}, error: ${r.error?.message})`);
      assert.equal(r.response.status, status, short(r.response.text));
      let text;
      try {
        text = new TextDecoder('utf-8', { fatal: true }).decode(r.response.body);
      } catch {
        assert.fail(`${JSON.stringify(target)}: the body is not UTF-8: ${r.response.body.toString('latin1')}`);
      }
      const parsed = JSON.parse(text);
      assert.equal(parsed.error?.type, type, text);
    }
  });

  attack('9. after=<another key\'s session> answers as after=<unknown id>', async (url) => {
    const create = async (who) => {
      const r = await request(url, { method: 'POST', path: '/gateway/v1/sessions', headers: jsonHeaders(who), body: {} });
      assert.equal(r.status, 201, r.text);
      return r.json.id;
    };
    await create('bob');  // older than alice's: a page after alice's id would list it
    const alices = await create('alice');
    const list = (after) => request(url, { path: `/gateway/v1/sessions?after=${after}`, headers: jsonHeaders('bob') });
    const foreign = await list(alices);
    const unknown = await list('ses_doesnotexist');
    assert.equal(foreign.status, unknown.status, `status: foreign ${foreign.text} / unknown ${unknown.text}`);
    if (unknown.status === 200) {
      assert.deepEqual(foreign.json, unknown.json, 'the same page');
    } else {
      assert.equal(foreign.json?.error?.type, unknown.json?.error?.type, 'the same error type');
    }
  });

  attack('9. Transfer-Encoding: gzip, chunked gets 501', async (url, stack) => {
    const head = rawHead('POST', '/v1/messages', [`x-api-key: ${KEY.alice}`,
      'content-type: application/json', 'Transfer-Encoding: gzip, chunked']);
    const r = await rawExchange(url, [`${head}${chunk(JSON.stringify(hello()))}0\r\n\r\n`]);
    assert.ok(r.response, `an answer (closed: ${r.closed}, error: ${r.error?.message})`);
    assert.equal(r.response.status, 501, short(r.response.text));
    assert.equal(JSON.parse(r.response.text).type, 'error', r.response.text);
    assert.equal((await apiRequests(stack)).length, 0, 'nothing was sent upstream');
  });

  attack('9. Transfer-Encoding: xchunked with a Content-Length gets 400', async (url, stack) => {
    const body = JSON.stringify(hello());
    const head = rawHead('POST', '/v1/messages', [`x-api-key: ${KEY.alice}`,
      'content-type: application/json', 'Transfer-Encoding: xchunked', `Content-Length: ${body.length}`]);
    const r = await rawExchange(url, [`${head}${body}`]);
    assert.ok(r.response, `an answer (closed: ${r.closed}, error: ${r.error?.message})`);
    assert.equal(r.response.status, 400, short(r.response.text));
    assertApiError(assert, r.response, 'invalid_request_error', 'xchunked');
    assert.equal((await apiRequests(stack)).length, 0, 'nothing was sent upstream');
  });

  it('9. listen: "localhost:<port>" passes --check-config and the gateway then serves on it', { timeout: 30000 }, async () => {
    const port = await new Promise((resolve) => {
      const srv = net.createServer().listen(0, '127.0.0.1', () => {
        const p = srv.address().port;
        srv.close(() => resolve(p));
      });
    });
    const config = writeConfig(dir, 'localhost', { listen: `localhost:${port}` });
    const env = { ...process.env, ANTHROPIC_BASE_URL: ctx.stack.fakeURL, ANTHROPIC_API_KEY: ctx.stack.upstreamKey,
      GATEWAY_UPSTREAM_CA_FILE: ctx.stack.certs.ca, GATEWAY_DATA_DIR: path.join(dir, 'data-localhost') };
    execFileSync(binary('GATEWAY_BIN', 'claude-gateway'), ['--check-config', config],
      { cwd: repoRoot, env, stdio: 'pipe' });  // throws unless it exits 0
    let started;
    try {
      started = await startGateway(ctx.stack, { config, gatewayEnv, dataDir: path.join(dir, 'data-localhost'),
        name: 'claude-gateway (localhost)' });
    } catch (e) {
      assert.fail(`--check-config accepted the file, but the gateway did not start: ${e.message}`);
    }
    try {
      assert.equal(await healthz(`http://127.0.0.1:${port}`), 200, `GET http://127.0.0.1:${port}/healthz`);
      await assertCleanExit(started.gateway);
    } finally {
      await started.gateway.stop();
    }
  });

  // --- and finding 1 again: the main gateway after all of it ---------------------------------

  it('after every attack: main is the same process, alive, at its level, and exits clean', async (t) => {
    const { gateway, url } = ctx.main;
    assert.deepEqual(ctx.deaths, [], 'main died during the suite (and was restarted)');
    await assertAlive(gateway, url, 'after the suite');
    const now = await settle(gateway.pid, ctx.baseline, { rssMiB: 2 * RSS_TOLERANCE_MIB, fds: FD_TOLERANCE });
    t.diagnostic(`since the start: ${describeLevel(ctx.baseline, now)}`);
    assert.ok(now.fds <= ctx.baseline.fds + FD_TOLERANCE, `descriptors: ${describeLevel(ctx.baseline, now)}`);
    assert.ok(now.rssKiB <= ctx.baseline.rssKiB + 2 * RSS_TOLERANCE_MIB * 1024,
      `memory: ${describeLevel(ctx.baseline, now)}`);
    await assertCleanExit(gateway);
  });
});
