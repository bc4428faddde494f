// Upstream failures as the official SDK sees them through the gateway: an overloaded
// upstream (529) before the answer, and streams that fail half-way.

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

  ctx.test('an overloaded upstream (529) surfaces as the SDK\'s typed overloaded error', async (stack) => {
    // More 529s than any retry policy in front of the SDK will use up; the SDK itself
    // does not retry (maxRetries: 0).
    await fake.faults(stack, [{ kind: 'status', status: 529, count: 50 }]);
    let err = null;
    try {
      await gatewayClient(stack, { maxRetries: 0 }).messages.create(params('e2e overloaded'));
    } catch (e) {
      err = e;
    }
    await fake.clearFaults(stack);

    assert.ok(err, 'messages.create should have failed');
    assert.ok(err instanceof Anthropic.APIError, `not an APIError: ${err}`);
    assert.ok(err instanceof Anthropic.InternalServerError, `not an InternalServerError: ${err?.constructor?.name}`);
    // The upstream status is relayed as is (the SDK then raises OverloadedError). API.md's
    // error table also allows 503 overloaded_error "after all retries" once the gateway
    // retries itself; any other status is wrong.
    assert.ok([529, 503].includes(err.status), `status ${err.status}`);
    if (err.status === 529) assert.ok(err instanceof Anthropic.OverloadedError);
    assert.equal(err.type, 'overloaded_error');
    assert.equal(err.error?.type, 'error');
    assert.equal(err.error?.error?.type, 'overloaded_error');
    assert.equal(typeof err.error?.error?.message, 'string');
    assert.match(String(err.requestID ?? err.headers?.get('request-id')), /^req_/);
  });

  ctx.test('a single 529 then success: the request is retried and succeeds', async (stack) => {
    const p = params('e2e retry after overload');
    const reference = await fakeClient(stack).messages.create(p);
    await fake.reset(stack);

    await fake.faults(stack, [{ kind: 'status', status: 529, count: 1 }]);
    const msg = await gatewayClient(stack, { maxRetries: 2 }).messages.create(p);
    assert.equal(textOf(msg), textOf(reference));
    assert.deepEqual(msg.usage, reference.usage);
    assert.equal(msg.stop_reason, reference.stop_reason);

    // Upstream saw exactly the failed attempt and the successful one.
    const seen = (await apiRequests(stack)).filter((r) => r.target.startsWith('/v1/messages'));
    assert.equal(seen.length, 2, `upstream saw ${seen.length} attempts`);
    // Whoever retried (the SDK: X-Stainless-Retry-Count 1; or a gateway retry), the
    // retry is the same request.
    assert.equal(seen[1].body, seen[0].body);
    const counts = seen.map((r) => recordedHeader(r, 'x-stainless-retry-count'));
    assert.equal(counts[0], '0');
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
