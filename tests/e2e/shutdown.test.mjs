// SIGTERM while a stream is running: the gateway drains it, then exits 0.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  fake, fakeClient, gatewayClient, startStack, stopStack, tails, textOf, until,
  upstreamHolding, withDeadline,
} from './harness.mjs';

describe('graceful shutdown', () => {
  it('SIGTERM during a slow stream: the stream completes, the gateway exits 0', async () => {
    const stack = await startStack();
    try {
      const p = {
        model: 'claude-sonnet-4-5',
        max_tokens: 256,
        messages: [{ role: 'user', content: 'e2e drain [[words:12]]' }],
      };
      const reference = await fakeClient(stack).messages.create(p);

      // Each SSE event of the next stream comes 150 ms after the previous one.
      await fake.faults(stack, [{ kind: 'slow', delay_ms: 150, count: 1 }]);
      const stream = gatewayClient(stack).messages.stream(p);
      let text = '';
      let signalled = false;
      let eventsAfterSignal = 0;
      for await (const ev of stream) {
        if (signalled) eventsAfterSignal += 1;
        if (ev.type === 'content_block_delta' && ev.delta.type === 'text_delta') {
          text += ev.delta.text;
          if (!signalled) {
            // Mid-stream: the first text has arrived, the rest is still upstream.
            stack.gateway.proc.kill('SIGTERM');
            signalled = true;
          }
        }
      }
      const final = await stream.finalMessage();
      assert.ok(signalled, 'no text arrived before the end of the stream');
      assert.ok(eventsAfterSignal > 1, 'the stream should have gone on after SIGTERM');
      assert.equal(text, textOf(reference));
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
  });

  it('SIGINT drains as SIGTERM does: the held stream completes after it, the gateway exits 0', async () => {
    const stack = await startStack();
    try {
      const p = {
        model: 'claude-sonnet-4-5',
        max_tokens: 256,
        messages: [{ role: 'user', content: 'e2e drain on SIGINT [[words:12]]' }],
      };
      const reference = await fakeClient(stack).messages.create(p);
      // Upstream sends two events, then holds its stream open until released.
      await fake.faults(stack, [{ kind: 'hold', after_events: 2 }]);
      const stream = gatewayClient(stack).messages.stream(p);
      const events = stream[Symbol.asyncIterator]();
      try {
        await upstreamHolding(stack);
        const first = await withDeadline(events.next(), 'the first event');
        assert.equal(first.value?.type, 'message_start');
        stack.gateway.proc.kill('SIGINT');
        await until('the gateway to log that it drains on SIGINT',
          () => /"msg":"draining".*"signal":"SIGINT"/.test(stack.gateway.stderr));
        // Draining: no new connections, and the process waits for the running stream.
        await assert.rejects(fetch(`${stack.gatewayURL}/healthz`));
        assert.ok(stack.gateway.running(), 'the gateway exited with a stream still running');
      } finally {
        await fake.release(stack);
      }
      for (;;) {
        const { done } = await withDeadline(events.next(), 'the rest of the stream');
        if (done) break;
      }
      const final = await stream.finalMessage();
      assert.equal(textOf(final), textOf(reference));
      const exit = await stack.gateway.exit;
      assert.deepEqual(exit, { code: 0, signal: null }, 'the gateway should exit 0 after draining');
    } catch (e) {
      if (e && typeof e.message === 'string') e.message += `\n${tails(stack)}`;
      throw e;
    } finally {
      await stopStack(stack);
    }
  });
});
