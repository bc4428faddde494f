// The gateway's own errors over plain fetch: the API.md error shape and request ids.

import assert from 'node:assert/strict';
import { describe } from 'node:test';

import { useStack } from './harness.mjs';

// Status, the request-id header, and the body checked against API.md section 1.
async function errorReply(response, status, type) {
  const text = await response.text();
  assert.equal(response.status, status, `body: ${text}`);
  const rid = response.headers.get('request-id');
  assert.match(rid ?? '', /^req_/, 'request-id header');
  assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
  const body = JSON.parse(text);
  assert.equal(body.type, 'error');
  assert.equal(body.error?.type, type);
  assert.equal(typeof body.error?.message, 'string');
  assert.ok(body.error.message.length > 0);
  assert.equal(body.request_id, rid, 'the body names the request id of the header');
  return body;
}

describe('gateway errors over plain HTTP', () => {
  const ctx = useStack();

  ctx.test('malformed JSON body -> 400 invalid_request_error', async (stack) => {
    const r = await fetch(`${stack.gatewayURL}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: '{"model": "claude-sonnet-4-5", "max_tokens": 10, "messages": [',
    });
    await errorReply(r, 400, 'invalid_request_error');
  });

  ctx.test('unknown route -> 404 not_found_error', async (stack) => {
    const r = await fetch(`${stack.gatewayURL}/v1/no-such-route-e2e`, {
      headers: { 'anthropic-version': '2023-06-01' },
    });
    await errorReply(r, 404, 'not_found_error');
  });

  ctx.test('wrong method on a known route -> 405 with Allow', async (stack) => {
    const r = await fetch(`${stack.gatewayURL}/v1/messages`, {
      headers: { 'anthropic-version': '2023-06-01' },
    });
    await errorReply(r, 405, 'invalid_request_error');
    const allow = (r.headers.get('allow') ?? '').split(',').map((s) => s.trim().toUpperCase());
    assert.ok(allow.includes('POST'), `Allow: ${r.headers.get('allow')}`);
    assert.ok(!allow.includes('GET'), `Allow: ${r.headers.get('allow')}`);

    const d = await fetch(`${stack.gatewayURL}/v1/models`, { method: 'DELETE' });
    await errorReply(d, 405, 'invalid_request_error');
    assert.ok((d.headers.get('allow') ?? '').toUpperCase().includes('GET'), `Allow: ${d.headers.get('allow')}`);
  });

  ctx.test('/healthz answers 200 {"status":"ok"} with a request id', async (stack) => {
    const r = await fetch(`${stack.gatewayURL}/healthz`);
    assert.equal(r.status, 200);
    assert.deepEqual(await r.json(), { status: 'ok' });
    assert.match(r.headers.get('request-id') ?? '', /^req_/);
  });
});
