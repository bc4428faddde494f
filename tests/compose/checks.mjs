// Checks of the running compose stack (tests/compose/run starts it): the official SDK
// through nginx and at each replica, Prometheus, and a load that `stop` must not lose.
//
//   node checks.mjs smoke          JSON, stream, round robin, replicas sharing sessions,
//                                  a background turn resumed on the other replica, Prometheus
//   node checks.mjs load FILE      starts streams, writes FILE.started once every stream has
//                                  its first event, reads them to the end, writes FILE
//   node checks.mjs verify FILE    after the stack came back: every stream of FILE complete,
//                                  every acknowledged turn in its session
//
// Environment: STACK_URL (nginx), REPLICA_1_URL, REPLICA_2_URL, PROMETHEUS_URL, CLIENT_KEY.
// A check marked `redis` needs the gateway's Redis store (issue 16 part 1): replicas that
// share nothing fail it.

import { readFileSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

import Anthropic from '../e2e/node_modules/@anthropic-ai/sdk/index.mjs';

const env = process.env;
const stack = env.STACK_URL;
const replicas = [env.REPLICA_1_URL, env.REPLICA_2_URL];
const key = env.CLIENT_KEY;
const model = 'claude-sonnet-4-6';

const sdk = (baseURL) => new Anthropic({ baseURL, apiKey: key, maxRetries: 0, logLevel: 'off' });
const textOf = (m) => m.content.filter((b) => b.type === 'text').map((b) => b.text).join('');

function assert(ok, what) {
  if (!ok) throw new Error(what);
}

async function call(base, method, path, body, headers = {}) {
  const r = await fetch(`${base}${path}`, {
    method,
    headers: { 'x-api-key': key, 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: r.status, text, json };
}

// The SSE events of a response body as it arrives: [{id, event, data}], comments skipped.
async function* sseEvents(body) {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true }).replace(/\r\n?/g, '\n');
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const e = { id: null, event: 'message', data: '' };
      let any = false;
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) continue;
        const at = line.indexOf(':');
        const field = at < 0 ? line : line.slice(0, at);
        const value = at < 0 ? '' : line.slice(at + 1).replace(/^ /, '');
        if (field === 'id') e.id = value;
        else if (field === 'event') e.event = value;
        else if (field === 'data') e.data += (e.data ? '\n' : '') + value;
        else continue;
        any = true;
      }
      if (any) yield e;
    }
  }
}

async function createSession(base) {
  const r = await call(base, 'POST', '/gateway/v1/sessions', {});
  assert(r.status === 201, `create session on ${base}: ${r.status} ${r.text}`);
  return r.json.id;
}

async function requestsServed(base) {
  const r = await fetch(`${base}/metrics`);
  let n = 0;
  for (const line of (await r.text()).split('\n')) {
    if (line.startsWith('gateway_requests_total{') && line.includes('route="messages"')) {
      n += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return n;
}

// --- smoke ------------------------------------------------------------------------------

const smokeChecks = [
  ['core', 'a JSON message through nginx (SDK)', async () => {
    const m = await sdk(stack).messages.create({
      model, max_tokens: 64, messages: [{ role: 'user', content: 'compose hello' }],
    });
    assert(textOf(m).startsWith('You said: compose hello'), `unexpected reply: ${textOf(m)}`);
  }],
  ['core', 'a stream through nginx (SDK)', async () => {
    const stream = sdk(stack).messages.stream({
      model, max_tokens: 1024, messages: [{ role: 'user', content: 'compose stream [[words:40]]' }],
    });
    let deltas = 0;
    stream.on('text', () => { deltas += 1; });
    const m = await stream.finalMessage();
    assert(deltas > 10, `only ${deltas} text deltas`);
    assert(m.stop_reason === 'end_turn', `stop_reason ${m.stop_reason}`);
  }],
  ['core', 'nginx sends requests to both replicas', async () => {
    const before = await Promise.all(replicas.map(requestsServed));
    for (let i = 0; i < 6; i += 1) {
      await sdk(stack).messages.create({
        model, max_tokens: 16, messages: [{ role: 'user', content: `round robin ${i}` }],
      });
    }
    const after = await Promise.all(replicas.map(requestsServed));
    const served = after.map((n, i) => n - before[i]);
    assert(served.every((n) => n > 0), `requests served per replica: ${served.join(', ')}`);
  }],
  ['core', 'Prometheus has both replicas up', async () => {
    let last = '';
    for (let i = 0; i < 60; i += 1) {
      const r = await fetch(`${env.PROMETHEUS_URL}/api/v1/targets?state=active`);
      const targets = (await r.json()).data.activeTargets.filter((t) => t.labels.job === 'gateway');
      last = targets.map((t) => `${t.labels.instance}=${t.health}`).join(' ');
      if (targets.length === 2 && targets.every((t) => t.health === 'up')) return;
      await sleep(500);
    }
    throw new Error(`targets: ${last}`);
  }],
  ['core', 'the Prometheus console page shows both replicas', async () => {
    const r = await fetch(`${env.PROMETHEUS_URL}/consoles/gateway.html`);
    const page = await r.text();
    assert(r.status === 200, `status ${r.status}: ${page.slice(0, 300)}`);
    for (const name of ['gateway-1:8080', 'gateway-2:8080']) {
      assert(page.includes(name), `${name} not on the page`);
    }
  }],
  ['redis', 'a session made on replica 1 is continued on replica 2, and back', async () => {
    const id = await createSession(replicas[0]);
    const path = `/gateway/v1/sessions/${id}/messages`;
    const first = await call(replicas[1], 'POST', path, { content: 'first, on replica 2' });
    assert(first.status === 200, `turn on replica 2: ${first.status} ${first.text}`);
    const second = await call(replicas[0], 'POST', path, { content: 'second, on replica 1' });
    assert(second.status === 200, `turn on replica 1: ${second.status} ${second.text}`);
    const got = await call(stack, 'GET', `/gateway/v1/sessions/${id}`);
    assert(got.json?.message_count === 4, `message_count through nginx: ${got.text}`);
  }],
  ['redis', 'a background turn on replica 1 is resumed on replica 2 (Last-Event-ID)', async () => {
    const id = await createSession(replicas[0]);
    const started = await call(replicas[0], 'POST', `/gateway/v1/sessions/${id}/messages`,
      { content: 'background [[words:300]]', background: true });
    assert(started.status === 202, `background turn: ${started.status} ${started.text}`);
    const url = started.json.events_url;
    // Read a few events on replica 1, leave, and resume on replica 2 after the last one.
    const head = [];
    const ac = new AbortController();
    const r1 = await fetch(`${replicas[0]}${url}`, { signal: ac.signal });
    try {
      for await (const e of sseEvents(r1.body)) {
        head.push(e);
        if (head.length === 5) break;
      }
    } finally {
      ac.abort();
    }
    assert(head.length === 5, `only ${head.length} events on replica 1`);
    const r2 = await fetch(`${replicas[1]}${url}`, { headers: { 'last-event-id': head[4].id } });
    assert(r2.status === 200, `resume on replica 2: ${r2.status}`);
    const tail = [];
    for await (const e of sseEvents(r2.body)) tail.push(e);
    const whole = await fetch(`${replicas[1]}${url}`);
    const once = [];
    for await (const e of sseEvents(whole.body)) once.push(e);
    const ids = (es) => es.map((e) => e.id).join(' ');
    assert(tail.at(-1)?.event === 'turn_committed', `the resumed stream ends with ${tail.at(-1)?.event}`);
    assert(ids([...head, ...tail]) === ids(once),
      'events read on replica 1 then replica 2 differ from one read of the whole turn');
  }],
];

async function smoke() {
  const failed = [];
  for (const [needs, name, check] of smokeChecks) {
    const t0 = Date.now();
    try {
      await check();
      console.log(`ok    [${needs}] ${name} (${Date.now() - t0} ms)`);
    } catch (e) {
      failed.push({ needs, name });
      console.log(`FAIL  [${needs}] ${name}: ${e.message}`);
    }
  }
  return failed;
}

// --- load, then verify after a stop and a start -----------------------------------------

const LOAD_STREAMS = Number(env.LOAD_STREAMS ?? 6);  // pass-through streams (core)
const LOAD_TURNS = Number(env.LOAD_TURNS ?? 6);      // streamed session turns (redis)

// A pass-through stream through nginx: complete when message_stop came.
async function passThroughStream(i, started) {
  const r = await fetch(`${stack}/v1/messages`, {
    method: 'POST',
    headers: { 'x-api-key': key, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
    body: JSON.stringify({ model, max_tokens: 4096, stream: true,
      messages: [{ role: 'user', content: `stop under load ${i} [[words:300]]` }] }),
  });
  const out = { kind: 'stream', i, status: r.status, events: 0, complete: false };
  if (r.status !== 200) return { ...out, error: await r.text() };
  try {
    for await (const e of sseEvents(r.body)) {
      if (out.events++ === 0) started();
      if (e.event === 'message_stop') out.complete = true;
    }
  } catch (e) {
    out.error = String(e);
  }
  return out;
}

// A streamed session turn through nginx: acknowledged when turn_committed came.
async function sessionTurn(i, started) {
  const out = { kind: 'turn', i, events: 0, complete: false, acknowledged: false };
  let id;
  try {
    id = await createSession(stack);
  } catch (e) {
    started();
    return { ...out, error: e.message };
  }
  out.session = id;
  out.content = `turn under load ${i} [[words:300]]`;
  const r = await fetch(`${stack}/gateway/v1/sessions/${id}/messages`, {
    method: 'POST',
    headers: { 'x-api-key': key, 'content-type': 'application/json' },
    body: JSON.stringify({ content: out.content, stream: true }),
  });
  out.status = r.status;
  if (r.status !== 200) {
    started();
    return { ...out, error: await r.text() };
  }
  try {
    for await (const e of sseEvents(r.body)) {
      if (out.events++ === 0) started();
      if (e.event === 'turn_committed') out.acknowledged = out.complete = true;
    }
  } catch (e) {
    out.error = String(e);
  }
  return out;
}

async function load(file) {
  let waiting = LOAD_STREAMS + LOAD_TURNS;
  let signalled = false;
  const started = () => {
    waiting -= 1;
    if (waiting === 0 && !signalled) {
      signalled = true;
      writeFileSync(`${file}.started`, `${new Date().toISOString()}\n`);
    }
  };
  const runs = [];
  for (let i = 0; i < LOAD_STREAMS; i += 1) runs.push(passThroughStream(i, started));
  for (let i = 0; i < LOAD_TURNS; i += 1) runs.push(sessionTurn(i, started));
  const results = await Promise.all(runs);
  writeFileSync(file, JSON.stringify(results, null, 1));
}

async function verify(file) {
  const results = JSON.parse(readFileSync(file, 'utf8'));
  const failed = [];
  const check = async (needs, name, fn) => {
    try {
      await fn();
      console.log(`ok    [${needs}] ${name}`);
    } catch (e) {
      failed.push({ needs, name });
      console.log(`FAIL  [${needs}] ${name}: ${e.message}`);
    }
  };
  const streams = results.filter((r) => r.kind === 'stream');
  const turns = results.filter((r) => r.kind === 'turn');
  await check('core', `all ${streams.length} pass-through streams in flight at stop completed`, () => {
    const broken = streams.filter((s) => !s.complete);
    assert(broken.length === 0, broken.map((s) => `#${s.i}: ${s.events} events ${s.error ?? ''}`).join('; '));
  });
  await check('redis', `all ${turns.length} streamed turns in flight at stop completed`, () => {
    const broken = turns.filter((t) => !t.complete);
    assert(broken.length === 0, broken.map((t) => `#${t.i}: ${t.events} events ${t.error ?? ''}`).join('; '));
  });
  await check('redis', 'every acknowledged turn is in its session after the restart', async () => {
    const missing = [];
    for (const t of turns.filter((x) => x.acknowledged)) {
      const r = await call(stack, 'GET', `/gateway/v1/sessions/${t.session}`);
      const users = (r.json?.messages ?? []).filter((m) => m.role === 'user');
      const has = users.some((m) => JSON.stringify(m.content).includes(`turn under load ${t.i}`));
      if (r.status !== 200 || r.json.message_count !== 2 || !has) missing.push(`${t.session}: ${r.status} ${r.text.slice(0, 200)}`);
    }
    assert(missing.length === 0, `missing: ${missing.join('; ')}`);
  });
  return failed;
}

function report(failed) {
  if (failed.length === 0) return 0;
  const redis = failed.filter((f) => f.needs === 'redis').length;
  console.log(`${failed.length} check(s) failed` +
    (redis ? `, ${redis} of them need the Redis store (marked [redis])` : ''));
  return 1;
}

const [command, file] = process.argv.slice(2);
if (command === 'smoke') process.exitCode = report(await smoke());
else if (command === 'load') await load(file);
else if (command === 'verify') process.exitCode = report(await verify(file));
else {
  console.error('usage: checks.mjs smoke | load FILE | verify FILE');
  process.exitCode = 2;
}
