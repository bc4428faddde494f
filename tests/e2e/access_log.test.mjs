// The access log (API.md section 5): one JSON line per request on stdout with its fields,
// and never a key, a bearer token or a body. Every kind of request goes through a gateway
// with client keys; then its captured stdout (and stderr) is searched for the secrets
// and for a marker put in the prompts.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import {
  fake, startStack, stopStack, tails, until, writeConfig,
} from './harness.mjs';

const KEY = `sk-e2e-access-log-${randomBytes(12).toString('hex')}`;
const WRONG_KEY = `sk-e2e-wrong-key-${randomBytes(12).toString('hex')}`;
const MARKER = `PROMPT-MARKER-${randomBytes(8).toString('hex')}`;
const FIELDS = ['time', 'request_id', 'method', 'route', 'status', 'duration_ms', 'client_key',
  'upstream_attempts', 'queue_wait_ms', 'upstream_wait_ms', 'overhead_ms'];

describe('access log', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'gw-access-log-'));
  let stack;
  before(async () => {
    const config = writeConfig(dir, 'keyed', { auth: { keys: [{ name: 'e2e-client', key: KEY }] } });
    stack = await startStack({ config });
  });
  after(async () => {
    if (stack) await stopStack(stack);
    rmSync(dir, { recursive: true, force: true });
  });

  // One request to the gateway; returns the status and the response's request-id.
  async function send(method, p, { body, headers = {} } = {}) {
    const r = await fetch(`${stack.gatewayURL}${p}`, {
      method,
      headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    await r.text();
    return { method, path: p, status: r.status, rid: r.headers.get('request-id') };
  }

  it('one line per request with the API.md fields; no key, token or prompt in it', async () => {
    try {
      // The start-up health check is logged after its answer: wait for it, then skip it.
      await until('the start-up health check in the log',
        () => stack.gateway.stdout.includes('"route":"healthz","status":200'));
      const skip = stack.gateway.stdout.length;
      const asKey = { 'x-api-key': KEY };
      const message = (extra = {}) => ({
        model: 'claude-sonnet-4-5', max_tokens: 32,
        messages: [{ role: 'user', content: `say ${MARKER}` }], ...extra,
      });
      const sent = [];
      sent.push(await send('POST', '/v1/messages', { body: message(), headers: asKey }));
      sent.push(await send('POST', '/v1/messages',
        { body: message({ stream: true }), headers: { authorization: `Bearer ${KEY}` } }));
      sent.push(await send('POST', '/v1/messages', { body: message(), headers: { 'x-api-key': WRONG_KEY } }));
      sent.push(await send('POST', '/v1/messages',
        { body: message(), headers: { authorization: `Bearer ${WRONG_KEY}` } }));
      await fake.faults(stack, [{ kind: 'status', status: 400, message: 'refused upstream' }]);
      sent.push(await send('POST', '/v1/messages', { body: message(), headers: asKey }));
      const created = await fetch(`${stack.gatewayURL}/gateway/v1/sessions`, {
        method: 'POST', headers: { 'content-type': 'application/json', ...asKey },
        body: JSON.stringify({ system: `persona ${MARKER}` }),
      });
      const session = await created.json();
      sent.push({ method: 'POST', path: '/gateway/v1/sessions', status: created.status,
        rid: created.headers.get('request-id') });
      sent.push(await send('POST', `/gateway/v1/sessions/${session.id}/messages`,
        { body: { content: `hello ${MARKER}` }, headers: asKey }));
      // A background turn read through its events_url: the capability token in that URL
      // (and a tampered copy of it) must not reach the log either.
      const started = await fetch(`${stack.gatewayURL}/gateway/v1/sessions/${session.id}/messages`, {
        method: 'POST', headers: { 'content-type': 'application/json', ...asKey },
        body: JSON.stringify({ content: `in the background ${MARKER}`, background: true }),
      });
      const turn = await started.json();
      sent.push({ method: 'POST', path: '/gateway/v1/sessions/{id}/messages (background)',
        status: started.status, rid: started.headers.get('request-id') });
      const token = new URL(turn.events_url, stack.gatewayURL).searchParams.get('token');
      assert.ok(token && token.length >= 32, `a token in ${turn.events_url}`);
      const events = await fetch(`${stack.gatewayURL}${turn.events_url}`);
      const stream = await events.text();
      assert.match(stream, /event: turn_committed/);
      sent.push({ method: 'GET', path: 'events_url', status: events.status,
        rid: events.headers.get('request-id') });
      const tampered = `${token.slice(0, -4)}${token.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}`;
      sent.push(await send('GET', turn.events_url.replace(token, tampered)));
      sent.push(await send('GET', '/healthz'));
      sent.push(await send('GET', `/v1/no-such-route?q=${MARKER}`, { headers: asKey }));
      assert.deepEqual(sent.map((s) => s.status),
        [200, 200, 401, 401, 400, 201, 200, 202, 200, 404, 200, 404]);

      const linesNow = () => stack.gateway.stdout.slice(skip).split('\n').filter((l) => l.length > 0);
      // Each line is written once its answer went out, which the client may see first.
      await until('an access log line for every request',
        () => sent.every((s) => linesNow().some((l) => l.includes(`"${s.rid}"`))));
      const lines = linesNow();
      assert.equal(lines.length, sent.length, lines.join('\n'));
      const entries = lines.map((l) => JSON.parse(l));  // each line is one JSON object
      for (const [i, s] of sent.entries()) {
        // A relayed answer carries upstream's request-id; the log has both.
        const mine = entries.filter((e) => e.request_id === s.rid || e.upstream_request_id === s.rid);
        assert.equal(mine.length, 1, `one line for request ${i} (${s.method} ${s.path}, ${s.rid})`);
        const e = mine[0];
        for (const f of FIELDS) assert.ok(f in e, `field ${f} in ${JSON.stringify(e)}`);
        assert.equal(e.method, s.method);
        assert.equal(e.status, s.status);
        assert.match(e.request_id, /^req_/);
        assert.match(e.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
        assert.equal(typeof e.duration_ms, 'number');
        assert.equal(typeof e.queue_wait_ms, 'number');
        assert.equal(typeof e.upstream_attempts, 'number');
        // What the gateway itself took: the whole request less its two waits.
        assert.ok(Math.abs(e.overhead_ms - Math.max(0,
          e.duration_ms - e.queue_wait_ms - e.upstream_wait_ms)) <= 0.002, JSON.stringify(e));
        if (e.upstream_attempts === 0) assert.equal(e.upstream_wait_ms, 0, JSON.stringify(e));
      }
      const byIndex = (i) => entries.find((e) => e.request_id === sent[i].rid
        || e.upstream_request_id === sent[i].rid);
      assert.equal(byIndex(0).client_key, 'e2e-client');
      assert.equal(byIndex(0).upstream_attempts, 1);
      assert.equal(byIndex(1).client_key, 'e2e-client');
      assert.equal(byIndex(2).upstream_attempts, 0);
      assert.equal(byIndex(6).client_key, 'e2e-client');
      assert.equal(byIndex(7).client_key, 'e2e-client');
      assert.equal(byIndex(8).client_key, 'e2e-client');  // the token's owner
      assert.equal(byIndex(10).upstream_attempts, 0);

      for (const [name, out] of [['stdout', stack.gateway.stdout], ['stderr', stack.gateway.stderr]]) {
        for (const secret of [KEY, WRONG_KEY, stack.upstreamKey, MARKER, token, tampered,
          token.slice(-32)]) {
          assert.ok(!out.includes(secret), `${secret} appears in the gateway's ${name}`);
        }
      }
    } catch (e) {
      if (e && typeof e.message === 'string') e.message += `\n${tails(stack)}`;
      throw e;
    }
  });
});
