// Shared helpers for the end-to-end suite: the processes of stack.mjs (a throw-away CA,
// the fake Messages API over TLS, the gateway in front of it, the fake's control
// endpoints), re-exported, and the official SDK pointed at either.

import assert from 'node:assert/strict';
import { after, before, beforeEach, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

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

// The text of a Message, or of a message's content (a string or content blocks).
export function textOf(messageOrContent) {
  const content = messageOrContent?.content ?? messageOrContent;
  if (typeof content === 'string') return content;
  return content.filter((b) => b.type === 'text').map((b) => b.text).join('');
}

// One plain HTTP call to the gateway: { status, headers, text, json } (json when the
// answer is application/json and not empty).
export async function call(stack, method, path, body, headers = {}) {
  const r = await fetch(`${stack.gatewayURL}${path}`, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  let json = null;
  if ((r.headers.get('content-type') ?? '').includes('application/json') && text) json = JSON.parse(text);
  return { status: r.status, headers: r.headers, text, json };
}

// The fields of a Message that must match between two answers to the same request: all of
// them but the id, which each answer mints afresh.
export function comparable(message) {
  const { id, ...rest } = JSON.parse(JSON.stringify(message));
  return rest;
}

// --- waiting on what happened, never on time --------------------------------------------

// Polls `check` (sync or async) until it returns something truthy, which it returns; throws
// after `timeoutMs`, a guard against a hang and not a timing assertion.
export async function until(what, check, timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

// `promise`, or a rejection naming `what` after `timeoutMs` (a guard, as in until()).
export async function withDeadline(promise, what, timeoutMs = 10000) {
  let timer;
  const deadline = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

// Waits until the fake holds `n` replies (a `hold` fault), so a test knows upstream has
// its request(s) and has not answered yet.
export function upstreamHolding(stack, n = 1) {
  return until(`the fake to hold ${n} repl${n === 1 ? 'y' : 'ies'}`,
    async () => (await fake.stats(stack)).holding === n);
}
