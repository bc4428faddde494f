// The official SDK through the gateway: messages.create, messages.stream, and what the
// gateway forwards upstream (keys, anthropic-version, anthropic-beta).

import assert from 'node:assert/strict';
import { describe } from 'node:test';

import {
  CLIENT_KEY, apiRequests, comparable, fake, fakeClient, gatewayClient, recordedHeader,
  textOf, upstreamHolding, useStack, withDeadline,
} from './harness.mjs';

const ALIAS = 'claude-sonnet-4-5';
const SNAPSHOT = 'claude-sonnet-4-5-20250929';

function params(text, extra = {}) {
  return { model: ALIAS, max_tokens: 256, messages: [{ role: 'user', content: text }], ...extra };
}

// Consumes an SDK MessageStream: the text of its text_delta events, the event types in
// order (pings aside), and the final message.
async function drain(stream) {
  let text = '';
  const types = [];
  for await (const ev of stream) {
    if (ev.type !== 'ping') types.push(ev.type);
    if (ev.type === 'content_block_delta' && ev.delta.type === 'text_delta') text += ev.delta.text;
  }
  const final = await stream.finalMessage();
  return { text, types, final, requestId: stream.request_id };
}

describe('messages through the gateway', () => {
  const ctx = useStack();

  ctx.test('messages.create equals the upstream answer, alias echoed as its snapshot', async (stack) => {
    const p = params('e2e create: the quick brown fox');
    const direct = await fakeClient(stack).messages.create(p);
    const viaGateway = await gatewayClient(stack).messages.create(p);

    // The reference really is an answer to this request.
    assert.ok(textOf(direct).includes('the quick brown fox'), `fake answered ${JSON.stringify(direct)}`);

    assert.equal(textOf(viaGateway), textOf(direct));
    assert.deepEqual(viaGateway.usage, direct.usage);
    assert.equal(viaGateway.stop_reason, direct.stop_reason);
    assert.equal(viaGateway.stop_reason, 'end_turn');
    assert.equal(viaGateway.model, SNAPSHOT);
    assert.equal(viaGateway.role, 'assistant');
    assert.equal(viaGateway.type, 'message');
    assert.match(viaGateway.id, /^msg_/);
    assert.deepEqual(comparable(viaGateway), comparable(direct));
    assert.match(String(viaGateway._request_id), /^req_/);

    // withResponse() exposes the raw response: the request-id header is the SDK's id.
    const { data, response, request_id: rid } = await gatewayClient(stack).messages.create(p).withResponse();
    assert.equal(textOf(data), textOf(direct));
    assert.match(response.headers.get('request-id') ?? '', /^req_/);
    assert.equal(rid, response.headers.get('request-id'));
  });

  ctx.test('messages.stream: text events and finalMessage equal the upstream stream', async (stack) => {
    // The marker makes the fake append words, so the reply spans many deltas.
    const p = params('e2e stream: tell me a story [[words:40]]');
    const direct = await drain(fakeClient(stack).messages.stream(p));
    const viaGateway = await drain(gatewayClient(stack).messages.stream(p));

    assert.ok(direct.text.length > 0, 'the fake streamed no text');
    assert.ok(direct.types.filter((t) => t === 'content_block_delta').length > 1,
      'the reference stream should have several deltas');

    assert.equal(viaGateway.text, direct.text);
    assert.equal(textOf(viaGateway.final), direct.text);
    assert.equal(textOf(viaGateway.final), textOf(direct.final));
    assert.deepEqual(viaGateway.final.usage, direct.final.usage);
    assert.equal(viaGateway.final.stop_reason, direct.final.stop_reason);
    assert.equal(viaGateway.final.stop_reason, 'end_turn');
    assert.equal(viaGateway.final.model, SNAPSHOT);
    assert.deepEqual(comparable(viaGateway.final), comparable(direct.final));
    // Relayed event by event: the same sequence of events.
    assert.deepEqual(viaGateway.types, direct.types);
    assert.equal(viaGateway.types.at(-1), 'message_stop');
    assert.match(String(viaGateway.requestId), /^req_/);

    // And the non-streaming answer to the same request has the same text.
    const once = await gatewayClient(stack).messages.create(p);
    assert.equal(textOf(once), direct.text);
  });

  ctx.test('messages.stream: the first events reach the client while upstream still holds its stream open', async (stack) => {
    // Upstream sends four events (message_start, content_block_start, ping, a delta; the
    // SDK does not yield pings) and then holds its stream: a gateway that buffers until
    // upstream's end would deliver nothing here.
    await fake.faults(stack, [{ kind: 'hold', after_events: 4 }]);
    const stream = gatewayClient(stack).messages.stream(params('e2e held stream [[words:20]]'));
    const events = stream[Symbol.asyncIterator]();
    let whileHeld;
    const types = [];
    try {
      await upstreamHolding(stack);
      for (let i = 0; i < 3; ++i) {
        const { value, done } = await withDeadline(events.next(),
          'the first events while upstream held its stream');
        assert.ok(!done, 'the stream ended early');
        types.push(value.type);
      }
      whileHeld = await fake.stats(stack);
    } finally {
      await fake.release(stack);
    }
    assert.deepEqual(types, ['message_start', 'content_block_start', 'content_block_delta']);
    assert.equal(whileHeld.holding, 1, 'upstream was still holding its stream');
    assert.equal(whileHeld.streams_completed, 0);
    for (;;) {
      const { value, done } = await withDeadline(events.next(), 'the rest of the stream');
      if (done) break;
      types.push(value.type);
    }
    assert.equal(types.at(-1), 'message_stop');
    assert.ok((await stream.finalMessage()).content.length > 0);
  });

  ctx.test('upstream sees the gateway key, never the client key; anthropic-version as the SDK sent it', async (stack) => {
    const p = params('e2e keys');
    // What the SDK sends on its own: observed by pointing it straight at the fake.
    await fakeClient(stack).messages.create(p);
    const [directReq] = await apiRequests(stack);
    const sdkVersion = recordedHeader(directReq, 'anthropic-version', true);
    assert.equal(sdkVersion.length, 1, 'the SDK sends one anthropic-version');

    // Through the gateway, the client key in both headers an SDK may use: Authorization
    // (what SDK 1.x sends for apiKey) and x-api-key (what older SDKs send).
    const client = gatewayClient(stack, { defaultHeaders: { 'x-api-key': CLIENT_KEY } });
    await client.messages.create(p);
    const all = await apiRequests(stack);
    assert.equal(all.length, 2, 'one request direct, one through the gateway');
    const forwarded = all[1];
    assert.equal(forwarded.method, 'POST');
    assert.equal(forwarded.target.split('?')[0], '/v1/messages');

    assert.deepEqual(recordedHeader(forwarded, 'x-api-key', true), [stack.upstreamKey]);
    assert.deepEqual(recordedHeader(forwarded, 'authorization', true), []);
    for (const [name, value] of forwarded.headers) {
      assert.ok(!String(value).includes(CLIENT_KEY), `client key leaked upstream in ${name}`);
    }
    assert.ok(!forwarded.body.includes(CLIENT_KEY));
    assert.deepEqual(recordedHeader(forwarded, 'anthropic-version', true), sdkVersion);
    // The body is forwarded unchanged.
    assert.deepEqual(JSON.parse(forwarded.body), JSON.parse(directReq.body));
  });

  ctx.test('anthropic-beta is forwarded, from betas and from request headers', async (stack) => {
    const betas = ['e2e-feature-one-2025-01-01', 'e2e-feature-two-2025-02-02'];
    const p = params('e2e betas');

    // SDK beta resource: betas -> one comma-joined anthropic-beta header (and ?beta=true).
    await fakeClient(stack).beta.messages.create({ ...p, betas });
    await gatewayClient(stack).beta.messages.create({ ...p, betas });
    // A header passed per request.
    const hdr = { headers: { 'anthropic-beta': 'e2e-header-beta-2025-03-03' } };
    await fakeClient(stack).messages.create(p, hdr);
    await gatewayClient(stack).messages.create(p, hdr);

    const [betaDirect, betaGw, hdrDirect, hdrGw] = await apiRequests(stack);
    const sent = recordedHeader(betaDirect, 'anthropic-beta', true);
    assert.ok(sent.length > 0, 'the SDK sent no anthropic-beta');
    assert.deepEqual(sent.join(',').split(',').map((s) => s.trim()).sort(), [...betas].sort());
    assert.deepEqual(recordedHeader(betaGw, 'anthropic-beta', true), sent);
    assert.equal(betaGw.target, betaDirect.target, 'the query string (?beta=true) is forwarded');

    assert.deepEqual(recordedHeader(hdrDirect, 'anthropic-beta', true), ['e2e-header-beta-2025-03-03']);
    assert.deepEqual(recordedHeader(hdrGw, 'anthropic-beta', true), ['e2e-header-beta-2025-03-03']);
    assert.deepEqual(recordedHeader(hdrGw, 'x-api-key', true), [stack.upstreamKey]);
  });

  ctx.test('messages.stream with thinking and tools: the SDK\'s final message equals the JSON answer and goes back as it came', async (stack) => {
    const tools = [{ name: 'get_weather', description: 'The weather.', input_schema: { type: 'object' } }];
    const p = params('e2e agent: weather? [[tool:get_weather {"location": "Paris"}]]', {
      max_tokens: 2048, thinking: { type: 'enabled', budget_tokens: 1024 }, tools,
    });
    const streamed = await drain(gatewayClient(stack).messages.stream(p));
    const created = await gatewayClient(stack).messages.create(p);
    // Tool ids are random per reply; everything else is the same message.
    const blankIds = (content) => content.map((b) => (b.type === 'tool_use' ? { ...b, id: 'toolu_X' } : b));
    assert.deepEqual(blankIds(streamed.final.content), blankIds(created.content));
    assert.deepEqual(streamed.final.content.map((b) => b.type), ['thinking', 'text', 'tool_use']);
    assert.ok(streamed.final.content[0].signature, 'the thinking block lost its signature');
    assert.deepEqual(streamed.final.content[2].input, { location: 'Paris' });
    assert.equal(streamed.final.stop_reason, 'tool_use');

    // The SDK's accumulated message, sent back unchanged with the tool's result: the fake
    // checks the thinking signature and the tool pairing as upstream does.
    const call = streamed.final.content[2];
    const next = await gatewayClient(stack).messages.create({
      ...p,
      messages: [
        p.messages[0],
        { role: 'assistant', content: streamed.final.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: call.id, content: '15 C' }] },
      ],
    });
    assert.equal(next.stop_reason, 'end_turn');
    assert.equal(textOf(next), 'You said: 15 C');
  });
});
