// Two gateway processes on one real redis-server (store.backend: redis): one of them is
// SIGKILLed in the middle of a turn. The turn leaves nothing in the session (no half
// turn), its lock holds the session until it expires (store.redis.lock_ttl), and then the
// other gateway takes turns there again.
//
// Needs redis-server (Debian package, in scripts/install-deps --test).

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import {
  Child, fake, startGateway, startStack, stopStack, tails, until, upstreamHolding, writeConfig,
} from './harness.mjs';

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function startRedis() {
  const port = await freePort();
  const redis = new Child('redis-server', spawn('redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: ['ignore', 'pipe', 'pipe'] }));
  await until('redis-server to listen', () => new Promise((resolve) => {
    const c = net.connect(port, '127.0.0.1', () => { c.destroy(); resolve(true); });
    c.on('error', () => resolve(false));
  }));
  return { redis, url: `redis://127.0.0.1:${port}/0` };
}

async function json(url, method, p, body) {
  const r = await fetch(`${url}${p}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  return { status: r.status, json: text ? JSON.parse(text) : null, text };
}

describe('two gateways on one Redis', () => {
  let stack;
  let redis;
  let b;

  before(async () => {
    redis = await startRedis();
  });

  after(async () => {
    if (b) await b.gateway.stop(5000);
    if (stack) await stopStack(stack);
    if (redis) await redis.redis.stop(5000);
  });

  it('a replica SIGKILLed mid-turn leaves no half turn, and its lock expires', async () => {
    const shared = {
      store: { backend: 'redis', redis: { url: redis.url, lock_ttl: '1s', timeout: '1s' } },
    };
    const dir = mkdtempSync(path.join(tmpdir(), 'gw-replicas-'));
    const config = writeConfig(dir, 'replica', shared);
    stack = await startStack({ config });
    b = await startGateway(stack, { config, name: 'replica-b' });
    const a = { gateway: stack.gateway, url: stack.gatewayURL };
    try {
      const created = await json(a.url, 'POST', '/gateway/v1/sessions', {});
      assert.equal(created.status, 201, created.text);
      const id = created.json.id;
      const turns = `/gateway/v1/sessions/${id}/messages`;
      assert.equal((await json(b.url, 'POST', turns, { content: 'one, on B' })).status, 200);

      await fake.faults(stack, [{ kind: 'hold', after_events: 0 }]);
      const dying = json(a.url, 'POST', turns, { content: 'two, on A, never finished' })
        .catch((e) => ({ status: 0, text: String(e) }));
      await upstreamHolding(stack);
      a.gateway.proc.kill('SIGKILL');
      assert.equal((await a.gateway.exit).signal, 'SIGKILL');
      assert.equal((await dying).status, 0, 'the killed gateway answered nothing');

      // Its lock still holds the session...
      const refused = await json(b.url, 'POST', turns, { content: 'three, too soon' });
      assert.equal(refused.status, 409, refused.text);
      assert.equal(refused.json.error.type, 'conflict_error');
      // ...until it expires; then B takes the turn.
      await until('the dead replica\'s lock to expire', async () =>
        (await json(b.url, 'POST', turns, { content: 'three, after expiry' })).status === 200);
      const session = await json(b.url, 'GET', `/gateway/v1/sessions/${id}`);
      const texts = session.json.messages.map((m) => (typeof m.content === 'string'
        ? m.content : m.content.map((c) => c.text ?? '').join('')));
      assert.equal(texts.length, 4, texts.join(' | '));
      assert.ok(!texts.some((t) => t.includes('never finished')), 'no half turn');
    } catch (e) {
      console.error(tails(stack), b?.gateway?.tail());
      throw e;
    } finally {
      await fake.release(stack).catch(() => {});
    }
  });
});
