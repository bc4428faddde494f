// Upstream failures as the official SDK sees them through the gateway: an overloaded or
// rate-limited upstream (529, 429) before the answer, and streams that fail half-way.

import assert from 'node:assert/strict';
import { describe } from 'node:test';

import {
  Anthropic, apiRequests, fake, fakeClient, gatewayClient, recordedHeader, useStack,
} from './harness.mjs';

function params(text, extra = {}) {
  return {
    model: 'claude-sonnet-4-5', max_tokens: 256, messages: [{ role: 'user', content: text }], ...extra,
  };
}

function textOf(message) {
  return message.content.filter((b) => b.type === 'text').map((b) => b.text).join('');
}

// Runs a stream to its end; resolves {error, events, final} (final: the finalMessage()
// outcome, {ok, value|error}).
async function runStream(stream) {
  const events = [];
  let error = null;
  try {
    for await (const ev of stream) events.push(ev);
  } catch (e) {
    error = e;
  }
  let final;
  try {
    final = { ok: true, value: await stream.finalMessage() };
  } catch (e) {
    final = { ok: false, error: e };
  }
  return { error, events, final };
}

describe('upstream errors through the gateway', () => {
  const ctx = useStack();

  // The gateway's retry.max_retries (config/gateway.yaml leaves the default, 2): one
  // request is at most this many upstream attempts, whatever the SDK on top does.
  const GATEWAY_ATTEMPTS = 2 + 1;

  // Issue 11: a 529 storm came back as 503 and the SDK's default retries made one call 9
  // upstream attempts. The gateway relays upstream's last answer as it is, with
  // x-should-retry: false, so the SDK raises its own OverloadedError and does not retry.
  ctx.test('a 529 storm: the SDK\'s OverloadedError after the gateway\'s attempts only', async (stack) => {
    await fake.faults(stack, [{ kind: 'status', status: 529, count: 50 }]);
    let err = null;
    try {
      // The SDK's default maxRetries (2) left on.
      await gatewayClient(stack, { maxRetries: undefined }).messages.create(params('e2e overloaded'));
    } catch (e) {
      err = e;
    }
    await fake.clearFaults(stack);

    assert.ok(err, 'messages.create should have failed');
    assert.ok(err instanceof Anthropic.OverloadedError, `not an OverloadedError: ${err?.constructor?.name}: ${err}`);
    assert.equal(err.status, 529);
    assert.equal(err.headers?.get('x-should-retry'), 'false');
    assert.equal(err.type, 'overloaded_error');
    assert.equal(err.error?.type, 'error');
    assert.equal(err.error?.error?.type, 'overloaded_error');
    assert.equal(typeof err.error?.error?.message, 'string');
    assert.match(String(err.requestID ?? err.headers?.get('request-id')), /^req_/);

    const seen = (await apiRequests(stack)).filter((r) => r.target.startsWith('/v1/messages'));
    assert.equal(seen.length, GATEWAY_ATTEMPTS, `upstream saw ${seen.length} attempts`);
    // The SDK sent the request once: every attempt is the gateway's.
    for (const r of seen) assert.equal(recordedHeader(r, 'x-stainless-retry-count'), '0');
  });

  ctx.test('a 429 storm: the SDK\'s RateLimitError with upstream\'s retry-after', async (stack) => {
    await fake.faults(stack, [{ kind: 'status', status: 429, retry_after: 1, count: 50 }]);
    let err = null;
    try {
      await gatewayClient(stack, { maxRetries: undefined }).messages.create(params('e2e rate limited'));
    } catch (e) {
      err = e;
    }
    await fake.clearFaults(stack);

    assert.ok(err instanceof Anthropic.RateLimitError, `not a RateLimitError: ${err?.constructor?.name}: ${err}`);
    assert.equal(err.status, 429);
    assert.equal(err.headers?.get('retry-after'), '1');
    assert.equal(err.headers?.get('x-should-retry'), 'false');
    assert.equal(err.error?.error?.type, 'rate_limit_error');
    const seen = (await apiRequests(stack)).filter((r) => r.target.startsWith('/v1/messages'));
    assert.equal(seen.length, GATEWAY_ATTEMPTS, `upstream saw ${seen.length} attempts`);
  });

  ctx.test('a single 529 then success: the gateway retries it', async (stack) => {
    const p = params('e2e retry after overload');
    const reference = await fakeClient(stack).messages.create(p);
    await fake.reset(stack);

    await fake.faults(stack, [{ kind: 'status', status: 529, count: 1 }]);
    // The SDK does not retry (maxRetries: 0): only the gateway's retry can make this pass.
    const msg = await gatewayClient(stack, { maxRetries: 0 }).messages.create(p);
    assert.equal(textOf(msg), textOf(reference));
    assert.deepEqual(msg.usage, reference.usage);
    assert.equal(msg.stop_reason, reference.stop_reason);

    // Upstream saw exactly the failed attempt and the successful one, the same request.
    const seen = (await apiRequests(stack)).filter((r) => r.target.startsWith('/v1/messages'));
    assert.equal(seen.length, 2, `upstream saw ${seen.length} attempts`);
    assert.equal(seen[1].body, seen[0].body);
    assert.deepEqual(seen.map((r) => recordedHeader(r, 'x-stainless-retry-count')), ['0', '0']);
  });

  ctx.test('a mid-stream upstream error event is relayed: the SDK stream raises overloaded_error', async (stack) => {
    const p = params('e2e stream error [[words:30]]');
    await fake.faults(stack, [{
      kind: 'stream_error', after_events: 4, error_type: 'overloaded_error', message: 'Overloaded',
    }]);
    const { error, events, final } = await runStream(gatewayClient(stack).messages.stream(p));

    assert.ok(error, `the stream ended without an error after ${events.length} events`);
    assert.ok(error instanceof Anthropic.APIError, `not an APIError: ${error}`);
    assert.equal(error.type, 'overloaded_error');
    assert.equal(error.error?.error?.type, 'overloaded_error');
    assert.ok(events.length >= 1, 'the events before the error arrived');
    assert.equal(events[0].type, 'message_start');
    assert.ok(!events.some((e) => e.type === 'message_stop'));
    assert.equal(final.ok, false, 'finalMessage() must not resolve for a failed stream');
  });

  ctx.test('a dropped upstream stream: the SDK stream raises an error, no final message', async (stack) => {
    const p = params('e2e stream drop [[words:30]]');
    await fake.faults(stack, [{ kind: 'drop_mid_stream', after_events: 4 }]);
    const { error, events, final } = await runStream(gatewayClient(stack).messages.stream(p));

    assert.ok(error, `the stream ended without an error after ${events.length} events`);
    // The gateway says so in-band (event: error), so the SDK raises an API error built
    // from that event, not a bare connection error or a silently truncated message.
    assert.ok(error instanceof Anthropic.APIError, `not an APIError: ${error?.constructor?.name}: ${error}`);
    assert.ok(!(error instanceof Anthropic.APIConnectionError), `a connection error: ${error}`);
    assert.equal(typeof error.type, 'string');
    assert.equal(error.error?.type, 'error');
    assert.ok(events.length >= 1);
    assert.ok(!events.some((e) => e.type === 'message_stop'));
    assert.equal(final.ok, false, 'finalMessage() must not resolve for a dropped stream');
  });
});
