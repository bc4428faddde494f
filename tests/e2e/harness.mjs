// Shared helpers for the end-to-end suite: the processes of stack.mjs (a throw-away CA,
// the fake Messages API over TLS, the gateway in front of it, the fake's control
// endpoints), re-exported, and the official SDK pointed at either.

import assert from 'node:assert/strict';
import { after, before, beforeEach, it } from 'node:test';

import { fake, startStack, stopStack, tails } from './stack.mjs';

import Anthropic from '@anthropic-ai/sdk';

export { Anthropic };
export * from './stack.mjs';

// --- SDK clients --------------------------------------------------------------------------

export const CLIENT_KEY = 'sk-ant-e2e-client-key-must-never-reach-upstream';

// The SDK against the gateway; anonymous mode ignores whatever key the client sends.
export function gatewayClient(stack, opts = {}) {
  return new Anthropic({ baseURL: stack.gatewayURL, apiKey: CLIENT_KEY, maxRetries: 0,
    logLevel: 'off', ...opts });
}

// The same SDK straight at the fake, with the upstream key: the reference answer.
export function fakeClient(stack, opts = {}) {
  return new Anthropic({ baseURL: stack.fakeURL, apiKey: stack.upstreamKey, maxRetries: 0,
    fetch: stack.fakeFetch, logLevel: 'off', ...opts });
}

// --- suite plumbing -----------------------------------------------------------------------
//
// One stack per describe() block: started before its tests, stopped after them (the
// gateway must exit 0 on SIGTERM), the fake reset before each test. `test` wraps it() so a
// failure carries the tails of both binaries' logs.
export function useStack(opts = {}) {
  const ctx = { stack: null };
  before(async () => {
    ctx.stack = await startStack(opts);
  });
  after(async () => {
    if (!ctx.stack) return;
    const exit = await stopStack(ctx.stack);
    assert.deepEqual(exit, { code: 0, signal: null },
      `the gateway should exit 0 on SIGTERM\n${tails(ctx.stack)}`);
  });
  beforeEach(async () => {
    await fake.reset(ctx.stack);
  });
  ctx.test = (name, options, fn) => {
    if (typeof options === 'function') [options, fn] = [{}, options];
    it(name, options, async (t) => {
      try {
        await fn(ctx.stack, t);
      } catch (e) {
        if (e && typeof e === 'object' && typeof e.message === 'string') {
          try { e.message += `\n${tails(ctx.stack)}`; } catch { /* read-only message */ }
        }
        throw e;
      }
    });
  };
  return ctx;
}

// The fields of a Message that must match between two answers to the same request: all of
// them but the id, which each answer mints afresh.
export function comparable(message) {
  const { id, ...rest } = JSON.parse(JSON.stringify(message));
  return rest;
}
