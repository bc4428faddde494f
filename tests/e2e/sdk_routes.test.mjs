// Issue 11: the whole SDK through the gateway. Message Batches, the Files beta and the
// sessions beta are upstream's routes: the gateway forwards every /v1/* path it does not
// handle itself, so an SDK pointed at it reaches them (here: the fake, which speaks
// them), byte for byte. The gateway's own sessions live at /gateway/v1/sessions and are
// a different thing from upstream's /v1/sessions.
//
// Each scenario runs twice: straight at the fake (the reference: it shows the scenario
// itself is right) and through the gateway.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe } from 'node:test';

import {
  apiRequests, CLIENT_KEY, fakeClient, gatewayClient, recordedHeader, useStack,
} from './harness.mjs';
import { toFile } from '@anthropic-ai/sdk';

const MODEL = 'claude-sonnet-4-6';

function batchRequest(id, text) {
  return {
    custom_id: id,
    params: { model: MODEL, max_tokens: 64, messages: [{ role: 'user', content: text }] },
  };
}

// What the fake recorded under `prefix`, oldest first.
async function upstreamSaw(stack, prefix) {
  return (await apiRequests(stack)).filter((r) => r.target.startsWith(prefix));
}

// Through the gateway, what reached upstream carries the upstream key, never the client's.
function assertKeySwapped(stack, recorded, via) {
  for (const r of recorded) {
    if (via === 'gateway') {
      assert.equal(recordedHeader(r, 'x-api-key'), stack.upstreamKey, r.target);
      assert.notEqual(recordedHeader(r, 'authorization'), `Bearer ${CLIENT_KEY}`);
      assert.match(String(recordedHeader(r, 'via')), /claude-gateway-[0-9a-f]+/, r.target);
    }
  }
}

const clients = {
  fake: (stack) => fakeClient(stack),
  gateway: (stack) => gatewayClient(stack),
};

for (const [via, client] of Object.entries(clients)) {
  describe(`SDK routes beyond messages, ${via === 'fake' ? 'straight at the fake (reference)' : 'through the gateway'}`, () => {
    const ctx = useStack();

    ctx.test('messages.batches: create, list, retrieve reach upstream', async (stack) => {
      const sdk = client(stack);
      const created = await sdk.messages.batches.create({
        requests: [batchRequest('first', 'Hello'), batchRequest('second', 'Bonjour')],
      });
      assert.match(created.id, /^msgbatch_/);
      assert.equal(created.type, 'message_batch');
      assert.equal(created.processing_status, 'in_progress');
      assert.equal(created.request_counts.processing, 2);

      const page = await sdk.messages.batches.list({ limit: 10 });
      assert.deepEqual(page.data.map((b) => b.id), [created.id]);

      const got = await sdk.messages.batches.retrieve(created.id);
      assert.equal(got.id, created.id);
      assert.equal(got.processing_status, 'ended');
      assert.equal(got.request_counts.succeeded, 2);

      const seen = await upstreamSaw(stack, '/v1/messages/batches');
      assert.deepEqual(seen.map((r) => `${r.method} ${r.target}`), [
        'POST /v1/messages/batches',
        'GET /v1/messages/batches?limit=10',
        `GET /v1/messages/batches/${created.id}`,
      ]);
      assert.deepEqual(JSON.parse(seen[0].body).requests.map((r) => r.custom_id), ['first', 'second']);
      assertKeySwapped(stack, seen, via);
    });

    ctx.test('beta.files: a 10 MB upload, list, and a byte-equal download', async (stack) => {
      const sdk = client(stack);
      const bytes = randomBytes(10 * 1024 * 1024);
      const uploaded = await sdk.beta.files.upload({
        file: await toFile(bytes, 'e2e-10mb.bin', { type: 'application/octet-stream' }),
      });
      assert.match(uploaded.id, /^file_/);
      assert.equal(uploaded.size_bytes, bytes.length);
      assert.equal(uploaded.filename, 'e2e-10mb.bin');

      const listed = await sdk.beta.files.list();
      assert.deepEqual(listed.data.map((f) => f.id), [uploaded.id]);
      const meta = await sdk.beta.files.retrieveMetadata(uploaded.id);
      assert.equal(meta.size_bytes, bytes.length);

      const response = await sdk.beta.files.download(uploaded.id);
      const downloaded = Buffer.from(await response.arrayBuffer());
      assert.equal(downloaded.length, bytes.length);
      assert.ok(downloaded.equals(bytes), 'the downloaded bytes differ from the uploaded ones');

      const deleted = await sdk.beta.files.delete(uploaded.id);
      assert.equal(deleted.id, uploaded.id);

      const seen = await upstreamSaw(stack, '/v1/files');
      assert.deepEqual(seen.map((r) => `${r.method} ${r.target.split('?')[0]}`), [
        'POST /v1/files',
        'GET /v1/files',
        `GET /v1/files/${uploaded.id}`,
        `GET /v1/files/${uploaded.id}/content`,
        `DELETE /v1/files/${uploaded.id}`,
      ]);
      assert.match(String(recordedHeader(seen[0], 'content-type')), /^multipart\/form-data; boundary=/);
      assertKeySwapped(stack, seen, via);
    });

    ctx.test('beta.sessions: upstream\'s sessions, not the gateway\'s', async (stack) => {
      const sdk = client(stack);
      // One of the gateway's own sessions, which the SDK's beta.sessions must not see.
      let ours = null;
      if (via === 'gateway') {
        const r = await fetch(`${stack.gatewayURL}/gateway/v1/sessions`, {
          method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}',
        });
        assert.equal(r.status, 201);
        ours = (await r.json()).id;
      }

      const created = await sdk.beta.sessions.create({ agent: 'agent_e2e', environment_id: 'env_e2e' });
      assert.match(created.id, /^sesn_/);
      assert.equal(created.type, 'session');
      const listed = await sdk.beta.sessions.list();
      assert.deepEqual(listed.data.map((s) => s.id), [created.id]);
      const got = await sdk.beta.sessions.retrieve(created.id);
      assert.equal(got.environment_id, 'env_e2e');
      const deleted = await sdk.beta.sessions.delete(created.id);
      assert.equal(deleted.type, 'session_deleted');

      const seen = await upstreamSaw(stack, '/v1/sessions');
      assert.equal(seen.length, 4);
      for (const r of seen) {
        assert.match(String(recordedHeader(r, 'anthropic-beta')), /managed-agents-/);
      }
      assertKeySwapped(stack, seen, via);

      if (ours) {
        // The gateway's session is untouched and its list holds only its own.
        const r = await fetch(`${stack.gatewayURL}/gateway/v1/sessions/${ours}`);
        assert.equal(r.status, 200);
        const list = await (await fetch(`${stack.gatewayURL}/gateway/v1/sessions`)).json();
        assert.deepEqual(list.data.map((s) => s.id), [ours]);
      }
    });
  });
}
