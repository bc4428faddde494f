// count_tokens and the models endpoints through the gateway equal the upstream's answers.

import assert from 'node:assert/strict';
import { describe } from 'node:test';

import { Anthropic, apiRequests, fakeClient, gatewayClient, useStack } from './harness.mjs';

function plain(v) {
  return JSON.parse(JSON.stringify(v));
}

async function listAll(client, params) {
  const out = [];
  for await (const model of client.models.list(params)) out.push(plain(model));
  return out;
}

describe('count_tokens and models through the gateway', () => {
  const ctx = useStack();

  ctx.test('messages.countTokens equals the upstream count', async (stack) => {
    const p = {
      model: 'claude-sonnet-4-5',
      system: 'You are terse.',
      messages: [
        { role: 'user', content: 'e2e count tokens: how many tokens is this sentence?' },
        { role: 'assistant', content: 'Some.' },
        { role: 'user', content: 'And this one, a little longer than the first?' },
      ],
    };
    const direct = await fakeClient(stack).messages.countTokens(p);
    const viaGateway = await gatewayClient(stack).messages.countTokens(p);
    assert.ok(Number.isInteger(direct.input_tokens) && direct.input_tokens > 0,
      `fake answered ${JSON.stringify(direct)}`);
    assert.deepEqual(plain(viaGateway), plain(direct));

    const seen = await apiRequests(stack);
    assert.deepEqual(seen.map((r) => r.target), ['/v1/messages/count_tokens', '/v1/messages/count_tokens']);
  });

  ctx.test('models.list auto-paginates (limit 2) to the same models as upstream', async (stack) => {
    const direct = await listAll(fakeClient(stack), { limit: 2 });
    assert.ok(direct.length > 4, `the fake lists ${direct.length} models; several pages wanted`);
    const before = (await apiRequests(stack)).length;

    const viaGateway = await listAll(gatewayClient(stack), { limit: 2 });
    assert.deepEqual(viaGateway, direct);

    // The SDK really paged through the gateway: ceil(n / 2) requests, each with limit=2,
    // every one after the first carrying after_id.
    const pages = (await apiRequests(stack)).slice(before);
    assert.equal(pages.length, Math.ceil(direct.length / 2));
    for (const [i, r] of pages.entries()) {
      const url = new URL(r.target, 'http://x');
      assert.equal(url.pathname, '/v1/models');
      assert.equal(url.searchParams.get('limit'), '2');
      if (i > 0) assert.equal(url.searchParams.get('after_id'), direct[2 * i - 1].id);
    }

    // One page, as the SDK presents it.
    const page = await gatewayClient(stack).models.list({ limit: 2 });
    assert.deepEqual(page.data.map(plain), direct.slice(0, 2));
    assert.equal(page.has_more, true);
  });

  ctx.test('models.retrieve equals upstream; an unknown model is a relayed 404', async (stack) => {
    const [first] = await listAll(fakeClient(stack), { limit: 5 });
    for (const id of [first.id, 'claude-sonnet-4-5']) {
      const direct = await fakeClient(stack).models.retrieve(id);
      const viaGateway = await gatewayClient(stack).models.retrieve(id);
      assert.deepEqual(plain(viaGateway), plain(direct));
      assert.equal(viaGateway.type, 'model');
    }

    let err = null;
    try {
      await gatewayClient(stack).models.retrieve('claude-no-such-model-e2e');
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof Anthropic.NotFoundError, `expected NotFoundError, got ${err}`);
    assert.equal(err.status, 404);
    assert.equal(err.type, 'not_found_error');
  });
});
