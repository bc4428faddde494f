// The sessions API through the real binary and the fake (API.md section 4): the seed
// guide's examples. The default config has no client keys, so every session here is
// owned by "anonymous".

import assert from 'node:assert/strict';
import { describe } from 'node:test';

import {
  apiRequests, call, fake, textOf, upstreamHolding, useStack,
} from './harness.mjs';

const SONNET = 'claude-sonnet-4-5';
const OPUS_NO_PREFILL = 'claude-opus-4-7';

async function createSession(stack, body = {}) {
  const r = await call(stack, 'POST', '/gateway/v1/sessions', body);
  assert.equal(r.status, 201, r.text);
  assert.match(r.json.id, /^ses_/);
  return r.json;
}

async function turn(stack, id, body, expectStatus = 200) {
  const r = await call(stack, 'POST', `/gateway/v1/sessions/${id}/messages`, body);
  assert.equal(r.status, expectStatus, r.text);
  return r.json;
}

async function getSession(stack, id) {
  const r = await call(stack, 'GET', `/gateway/v1/sessions/${id}`);
  assert.equal(r.status, 200, r.text);
  return r.json;
}

// The upstream requests the fake saw for POST /v1/messages, their bodies parsed.
async function upstreamBodies(stack) {
  return (await apiRequests(stack))
    .filter((r) => r.method === 'POST' && r.target.split('?')[0] === '/v1/messages')
    .map((r) => JSON.parse(r.body));
}

// Messages as [role, text] pairs, for comparing histories and upstream requests.
function pairs(messages) {
  return messages.map((m) => [m.role, textOf(m.content)]);
}

// A text/event-stream body as a list of {event, id, data}.
function parseSse(text) {
  const events = [];
  for (const block of text.split(/\r?\n\r?\n/)) {
    const ev = { event: 'message', id: null, data: '' };
    let any = false;
    for (const line of block.split(/\r?\n/)) {
      if (line === '' || line.startsWith(':')) continue;
      const i = line.indexOf(':');
      const field = i < 0 ? line : line.slice(0, i);
      let value = i < 0 ? '' : line.slice(i + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      any = true;
      if (field === 'event') ev.event = value;
      else if (field === 'id') ev.id = value;
      else if (field === 'data') ev.data += (ev.data ? '\n' : '') + value;
    }
    if (any) events.push(ev);
  }
  return events;
}

describe('sessions through the gateway', () => {
  const ctx = useStack();

  ctx.test('create, a basic turn, and the history it leaves', async (stack) => {
    const s = await createSession(stack, { model: SONNET, system: 'You are terse.',
      max_tokens: 256, metadata: { app: 'e2e' } });
    assert.equal(s.type, 'session');
    assert.equal(s.model, SONNET);
    assert.equal(s.max_tokens, 256);
    assert.deepEqual(s.metadata, { app: 'e2e' });
    assert.equal(s.message_count, 0);
    assert.deepEqual(s.usage, { input_tokens: 0, output_tokens: 0,
      cache_creation_input_tokens: 0, cache_read_input_tokens: 0 });
    assert.equal(s.cache, 'auto');
    assert.equal(s.cache_ttl, '5m');

    const t = await turn(stack, s.id, { content: 'Hello there' });
    assert.equal(t.type, 'message');
    assert.match(t.id, /^msg_/);
    assert.equal(t.session_id, s.id);
    assert.match(t.turn_id, /^turn_/);
    assert.equal(t.role, 'assistant');
    assert.equal(t.stop_reason, 'end_turn');
    assert.equal(t.completion, 'You said: Hello there');
    assert.equal(t.text, t.completion);
    assert.equal(textOf(t.content), t.completion);
    assert.equal(t.continuations, 0);
    assert.equal(t.message_count, 2);
    assert.ok(t.usage.input_tokens > 0 && t.usage.output_tokens > 0, JSON.stringify(t.usage));

    // What went upstream: the session's system, model, max_tokens and the one user message.
    const [up] = await upstreamBodies(stack);
    // The system prompt ends the stable prefix: it carries the gateway's cache breakpoint.
    assert.deepEqual(up.system,
      [{ type: 'text', text: 'You are terse.', cache_control: { type: 'ephemeral' } }]);
    assert.equal(up.max_tokens, 256);
    assert.match(up.model, /^claude-sonnet-4-5/);
    assert.deepEqual(pairs(up.messages), [['user', 'Hello there']]);

    const g = await getSession(stack, s.id);
    assert.equal(g.message_count, 2);
    assert.deepEqual(pairs(g.messages), [['user', 'Hello there'], ['assistant', 'You said: Hello there']]);
    assert.deepEqual(g.messages.map((m) => m.turn_id), [t.turn_id, t.turn_id]);
    assert.deepEqual(g.usage, t.usage);

    // Listed among the caller's sessions, newest first.
    const other = await createSession(stack);
    const list = await call(stack, 'GET', '/gateway/v1/sessions?limit=100');
    assert.equal(list.status, 200, list.text);
    const ids = list.json.data.map((x) => x.id);
    assert.ok(ids.indexOf(other.id) >= 0 && ids.indexOf(other.id) < ids.indexOf(s.id), JSON.stringify(ids));
  });

  ctx.test('multi-turn: the second upstream request carries the first turn', async (stack) => {
    const s = await createSession(stack, { model: SONNET });
    const t1 = await turn(stack, s.id, { content: 'My name is Ada.' });
    const t2 = await turn(stack, s.id, { content: 'What is my name?' });
    assert.equal(t2.message_count, 4);
    assert.notEqual(t1.turn_id, t2.turn_id);

    const ups = await upstreamBodies(stack);
    assert.equal(ups.length, 2);
    assert.deepEqual(pairs(ups[0].messages), [['user', 'My name is Ada.']]);
    assert.deepEqual(pairs(ups[1].messages), [
      ['user', 'My name is Ada.'],
      ['assistant', 'You said: My name is Ada.'],
      ['user', 'What is my name?'],
    ]);

    const g = await getSession(stack, s.id);
    assert.deepEqual(g.messages.map((m) => m.turn_id), [t1.turn_id, t1.turn_id, t2.turn_id, t2.turn_id]);
    assert.equal(g.usage.input_tokens, t1.usage.input_tokens + t2.usage.input_tokens);
    assert.equal(g.usage.output_tokens, t1.usage.output_tokens + t2.usage.output_tokens);
  });

  ctx.test('synthetic seed messages (a few-shot assistant reply) are pinned and sent first', async (stack) => {
    const seed = [
      { role: 'user', content: "What's the capital of France?" },
      { role: 'assistant', content: 'The capital of France is Paris.' },
    ];
    const s = await createSession(stack, { model: SONNET, messages: seed });
    assert.equal(s.message_count, 2);
    assert.equal(s.pinned_count, 2);
    assert.equal((await upstreamBodies(stack)).length, 0, 'creating a session calls nothing upstream');

    const t = await turn(stack, s.id, { content: 'And of Italy?' });
    assert.equal(t.message_count, 4);
    const [up] = await upstreamBodies(stack);
    assert.deepEqual(pairs(up.messages), [
      ['user', "What's the capital of France?"],
      ['assistant', 'The capital of France is Paris.'],
      ['user', 'And of Italy?'],
    ]);
    const g = await getSession(stack, s.id);
    assert.deepEqual(pairs(g.messages).slice(0, 2), pairs(seed));
    assert.equal(g.pinned_count, 2);
    assert.equal(g.message_count, 4);
  });

  ctx.test('multiple-choice prefill with max_tokens 1: text = prefill + completion', async (stack) => {
    const s = await createSession(stack, { model: SONNET });
    const content = 'What is latin for Ant? (A) Apoidea, (B) Rhopalocera, (C) Formicidae';
    const prefill = 'The answer is (';
    const t = await turn(stack, s.id, { content, prefill, max_tokens: 1, stop_sequences: [')'],
      temperature: 0 });
    assert.ok(t.text.startsWith(prefill), JSON.stringify(t));
    assert.equal(t.text, prefill + t.completion);
    assert.equal(textOf(t.content), t.completion);
    assert.equal(t.stop_reason, 'max_tokens');
    assert.equal(t.usage.output_tokens, 1);

    const [up] = await upstreamBodies(stack);
    assert.equal(up.max_tokens, 1);
    assert.deepEqual(up.stop_sequences, [')']);
    assert.equal(up.temperature, 0);
    assert.deepEqual(pairs(up.messages), [['user', content], ['assistant', prefill]]);

    // The history stores the assistant turn as prefill + completion.
    const g = await getSession(stack, s.id);
    assert.deepEqual(pairs(g.messages), [['user', content], ['assistant', t.text]]);
  });

  ctx.test('prefill on a model that rejects it: 400 at once, nothing upstream, history unchanged', async (stack) => {
    const s = await createSession(stack, { model: OPUS_NO_PREFILL });
    const r = await call(stack, 'POST', `/gateway/v1/sessions/${s.id}/messages`,
      { content: 'Pick one: (A) or (B)', prefill: 'The answer is (' });
    assert.equal(r.status, 400, r.text);
    assert.equal(r.json.type, 'error');
    assert.equal(r.json.error.type, 'invalid_request_error');
    assert.match(r.json.error.message, /structured output|system prompt/i);
    assert.match(r.headers.get('request-id') ?? '', /^req_/);
    assert.equal((await upstreamBodies(stack)).length, 0, 'nothing may go upstream');
    const g = await getSession(stack, s.id);
    assert.equal(g.message_count, 0);
    assert.deepEqual(g.messages, []);
  });

  ctx.test('a reply cut by max_tokens is completed by continue_on_max_tokens, stored whole', async (stack) => {
    const content = 'Tell me a long story [[words:60]]';
    // The reference: the same turn with room for the whole reply.
    const ref = await createSession(stack, { model: SONNET, max_tokens: 1024 });
    const whole = await turn(stack, ref.id, { content });
    assert.equal(whole.stop_reason, 'end_turn');

    // Cut without continuation: the partial reply and max_tokens.
    const cut = await createSession(stack, { model: SONNET, max_tokens: 30 });
    const partial = await turn(stack, cut.id, { content });
    assert.equal(partial.stop_reason, 'max_tokens');
    assert.equal(partial.continuations, 0);
    assert.ok(partial.completion.length < whole.completion.length);

    const s = await createSession(stack, { model: SONNET, max_tokens: 30 });
    const before = (await upstreamBodies(stack)).length;
    const t = await turn(stack, s.id, { content, continue_on_max_tokens: 5 });
    assert.ok(t.continuations > 0, JSON.stringify(t));
    assert.equal(t.stop_reason, 'end_turn');
    assert.equal(t.completion, whole.completion);
    assert.equal(t.text, whole.text);
    assert.equal(t.message_count, 2);

    // Each continuation resent the partial reply as the assistant prefill; usage summed.
    const ups = (await upstreamBodies(stack)).slice(before);
    assert.equal(ups.length, t.continuations + 1);
    assert.equal(ups[0].messages.length, 1);
    for (const up of ups.slice(1)) {
      assert.equal(up.messages.at(-1).role, 'assistant');
      assert.ok(whole.completion.startsWith(textOf(up.messages.at(-1).content)));
    }
    assert.ok(t.usage.output_tokens >= whole.usage.output_tokens, JSON.stringify(t.usage));

    const g = await getSession(stack, s.id);
    assert.deepEqual(pairs(g.messages), [['user', content], ['assistant', whole.text]]);
  });

  ctx.test('continuation on a no-prefill model: "Please continue." turns, all stored', async (stack) => {
    const content = 'Another long story [[words:60]]';
    const s = await createSession(stack, { model: OPUS_NO_PREFILL, max_tokens: 20 });
    const t = await turn(stack, s.id, { content, continue_on_max_tokens: 1 });
    assert.equal(t.continuations, 1, JSON.stringify(t));
    const g = await getSession(stack, s.id);
    assert.equal(g.message_count, t.message_count);
    assert.deepEqual(g.messages.map((m) => m.role), ['user', 'assistant', 'user', 'assistant']);
    assert.equal(textOf(g.messages[2].content), 'Please continue.');
    assert.ok(g.messages.every((m) => m.turn_id === t.turn_id));
    const ups = await upstreamBodies(stack);
    assert.equal(ups.length, 2);
    assert.deepEqual(pairs(ups[1].messages).map(([r]) => r), ['user', 'assistant', 'user']);
  });

  ctx.test('one turn at a time: a second concurrent turn gets 409 and changes nothing', async (stack) => {
    const s = await createSession(stack, { model: SONNET });
    await fake.faults(stack, [{ kind: 'hold' }]);
    const slow = turn(stack, s.id, { content: 'the slow one' });
    slow.catch(() => {}); // awaited below; not an unhandled rejection if an assert throws first
    let r;
    try {
      await upstreamHolding(stack); // the first turn is upstream, unanswered
      r = await call(stack, 'POST', `/gateway/v1/sessions/${s.id}/messages`, { content: 'too early' });
    } finally {
      await fake.release(stack);
    }
    assert.equal(r.status, 409, r.text);
    assert.equal(r.json.error.type, 'conflict_error');
    const t = await slow;
    assert.equal(t.message_count, 2);
    const g = await getSession(stack, s.id);
    assert.deepEqual(pairs(g.messages), [['user', 'the slow one'], ['assistant', 'You said: the slow one']]);
    assert.equal((await upstreamBodies(stack)).length, 1, 'the refused turn went nowhere');
  });

  ctx.test('a streamed turn: every event has id <turn_id>.<n> increasing, then turn_committed', async (stack) => {
    const s = await createSession(stack, { model: SONNET });
    await turn(stack, s.id, { content: 'first, not streamed' });
    const r = await fetch(`${stack.gatewayURL}/gateway/v1/sessions/${s.id}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ content: 'Stream me a story [[words:30]]', stream: true }),
    });
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /^text\/event-stream/);
    const events = parseSse(await r.text());
    const types = events.map((e) => e.event).filter((t) => t !== 'ping');
    assert.equal(types[0], 'message_start');
    assert.ok(types.filter((t) => t === 'content_block_delta').length > 1, JSON.stringify(types));
    assert.deepEqual(types.slice(-2), ['message_stop', 'turn_committed']);

    const last = events.at(-1);
    const committed = JSON.parse(last.data);
    assert.equal(committed.session_id, s.id);
    assert.match(committed.turn_id, /^turn_/);
    assert.equal(committed.message_count, 4);
    let prev = 0;
    for (const e of events) {
      assert.ok(e.id, `event ${e.event} has no id`);
      const m = e.id.match(/^(turn_[^.]+)\.(\d+)$/);
      assert.ok(m, `bad id ${e.id}`);
      assert.equal(m[1], committed.turn_id);
      const n = Number(m[2]);
      assert.ok(n > prev, `ids not increasing: ${prev} then ${n}`);
      prev = n;
    }

    const streamed = events.filter((e) => e.event === 'content_block_delta')
      .map((e) => JSON.parse(e.data).delta.text ?? '').join('');
    const g = await getSession(stack, s.id);
    assert.equal(g.message_count, 4);
    assert.deepEqual(pairs(g.messages.slice(2)), [['user', 'Stream me a story [[words:30]]'], ['assistant', streamed]]);
    assert.deepEqual(g.messages.slice(2).map((m) => m.turn_id), [committed.turn_id, committed.turn_id]);
  });
});
