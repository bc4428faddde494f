// SIGTERM (or SIGINT) while a stream is running: the gateway drains it, then exits 0.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  fake, fakeClient, gatewayClient, startStack, stopStack, tails, textOf, until,
  upstreamHolding, withDeadline,
} from './harness.mjs';

// Upstream sends two events of a stream, then holds it open until released; `signal` comes
// meanwhile. The gateway must log that it drains, refuse new connections, wait for the
// stream (it is still running when the signal comes, whatever the machine's speed), relay
// the rest of it once upstream goes on, and exit 0.
async function drainsOn(signal) {
  const stack = await startStack();
  try {
    const p = {
      model: 'claude-sonnet-4-5',
      max_tokens: 256,
      messages: [{ role: 'user', content: `e2e drain on ${signal} [[words:12]]` }],
    };
    const reference = await fakeClient(stack).messages.create(p);
    await fake.faults(stack, [{ kind: 'hold', after_events: 2 }]);
    const stream = gatewayClient(stack).messages.stream(p);
    const events = stream[Symbol.asyncIterator]();
    try {
      await upstreamHolding(stack);
      const first = await withDeadline(events.next(), 'the first event');
      assert.equal(first.value?.type, 'message_start');
      stack.gateway.proc.kill(signal);
      await until(`the gateway to log that it drains on ${signal}`,
        () => new RegExp(`"msg":"draining".*"signal":"${signal}"`).test(stack.gateway.stderr));
      // Draining: no new connections, and the process waits for the running stream.
      await assert.rejects(fetch(`${stack.gatewayURL}/healthz`));
      assert.ok(stack.gateway.running(), 'the gateway exited with a stream still running');
    } finally {
      await fake.release(stack);
    }
    let eventsAfterSignal = 0;
    for (;;) {
      const { done } = await withDeadline(events.next(), 'the rest of the stream');
      if (done) break;
      eventsAfterSignal += 1;
    }
    const final = await stream.finalMessage();
    assert.ok(eventsAfterSignal > 1, 'the stream should have gone on after the signal');
    assert.equal(textOf(final), textOf(reference));
    assert.equal(final.stop_reason, reference.stop_reason);
    assert.deepEqual(final.usage, reference.usage);
    const exit = await stack.gateway.exit;
    assert.deepEqual(exit, { code: 0, signal: null }, 'the gateway should exit 0 after draining');
  } catch (e) {
    if (e && typeof e.message === 'string') e.message += `\n${tails(stack)}`;
    throw e;
  } finally {
    await stopStack(stack);
  }
}

describe('graceful shutdown', () => {
  it('SIGTERM during a slow stream: the stream completes, the gateway exits 0',
    () => drainsOn('SIGTERM'));

  it('SIGINT drains as SIGTERM does: the held stream completes after it, the gateway exits 0',
    () => drainsOn('SIGINT'));
});
