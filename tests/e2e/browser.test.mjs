// The playground and the browser routes in real headless Chromium (Debian's package,
// driven by playwright-core; never a browser the test tool downloads): the page at `/`
// sends a message and the reply is seen growing frame by frame; a reload in the middle of
// a reply reattaches to the same turn; a connection cut mid-reply resumes with
// Last-Event-ID (nothing lost, nothing repeated); Stop cancels; a page on an origin in
// cors.allowed_origins may call the API and one on another origin may not.
//
// The fake pauses between its SSE events (--delta-delay-ms) so that a reply takes several
// frames to arrive, and a `hold` fault stops a reply half-way for as long as a step needs
// (a reload, a cut): every wait is on something the page or the fake shows, never a time.
// Screenshots of each step go to $BROWSER_ARTIFACTS (CTest: <build>/artifacts/browser).

import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';

import { chromium } from 'playwright-core';

import {
  apiRequests, fake, startStack, stopStack, tails, textOf, until, upstreamHolding, writeConfig,
} from './harness.mjs';

const KEY = `sk-e2e-browser-${randomBytes(12).toString('hex')}`;
const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium';
const ARTIFACTS = process.env.BROWSER_ARTIFACTS || path.join(tmpdir(), 'gw-browser-artifacts');
// What this machine's closed network needs (no background requests to Google's hosts).
const CHROMIUM_ARGS = ['--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

// --- small local servers ------------------------------------------------------------------

// A page on an origin of its own: `/` is an empty document a test scripts with evaluate().
async function originServer(title) {
  const server = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><html><head><title>${title}</title></head>` +
      `<body><h1>${title}</h1><pre id="out"></pre></body></html>`);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return { server, origin: `http://127.0.0.1:${port}` };
}

// A TCP relay in front of the gateway whose open connections the test can cut, as a
// dropped Wi-Fi would: the page is loaded through it, so its EventSource is too.
async function cuttableProxy(target) {
  const { hostname, port } = new URL(target);
  const sockets = new Set();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(port), hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {});
    }
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    server,
    url: `http://127.0.0.1:${server.address().port}`,
    cut() {
      const n = sockets.size;
      for (const s of sockets) s.destroy();
      return n;
    },
  };
}

function closeServer(server) {
  return new Promise((resolve) => {
    server.closeAllConnections?.();
    server.close(() => resolve());
  });
}

// --- the page -----------------------------------------------------------------------------

// Installed before the page's own script, and again after a reload: on every animation
// frame, the text of the last assistant message, kept when it changed. `streaming` says
// whether the page still marks that message as being written.
function installSampler() {
  window.__frames = [];
  const sample = () => {
    const all = document.querySelectorAll('#transcript .message[data-role="assistant"]');
    const last = all[all.length - 1];
    if (last) {
      const text = last.querySelector('.text')?.textContent ?? '';
      const streaming = last.dataset.streaming === 'true';
      const prev = window.__frames[window.__frames.length - 1];
      if (!prev || prev.text !== text || prev.streaming !== streaming) {
        window.__frames.push({ text, streaming });
      }
    }
    requestAnimationFrame(sample);
  };
  requestAnimationFrame(sample);
}

async function screenshot(page, name) {
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`) });
}

// What the page shows: the transcript's messages and the state of its controls.
function pageState(page) {
  return page.evaluate(() => ({
    messages: [...document.querySelectorAll('#transcript .message')].map((m) => ({
      role: m.dataset.role,
      text: m.querySelector('.text').textContent,
      streaming: m.dataset.streaming === 'true',
    })),
    status: document.getElementById('status').textContent,
    sendDisabled: document.getElementById('send').disabled,
    stopDisabled: document.getElementById('stop').disabled,
    running: localStorage.getItem('gw.running'),
    session: localStorage.getItem('gw.session'),
  }));
}

// A `hold` fault after HOLD_AT events: the fake's stream opens with message_start,
// content_block_start and a ping, so the reply's first HOLD_AT - 3 deltas are sent.
const HOLD_AT = 12;
const DELTAS_BEFORE_HOLD = HOLD_AT - 3;

// The text of a turn's first `n` text deltas, read from its events_url by a second reader
// (the token is the only credential); the reader then leaves, which is not a cancel.
async function firstDeltas(base, eventsUrl, n) {
  const ac = new AbortController();
  const res = await fetch(`${base}${eventsUrl}`, { signal: ac.signal });
  assert.equal(res.status, 200);
  const decoder = new TextDecoder();
  let buffered = '';
  let text = '';
  let seen = 0;
  try {
    for await (const chunk of res.body) {
      buffered += decoder.decode(chunk, { stream: true });
      let end;
      while ((end = buffered.indexOf('\n\n')) >= 0) {
        const block = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        const lines = block.split('\n');
        if (!lines.includes('event: content_block_delta')) continue;
        const data = lines.filter((l) => l.startsWith('data:')).map((l) => l.slice(5)).join('\n');
        text += JSON.parse(data).delta.text ?? '';
        if (++seen === n) return text;
      }
    }
  } finally {
    ac.abort();
  }
  throw new Error(`the turn's events ended after ${seen} of ${n} deltas`);
}

function lastAssistant(state) {
  const a = state.messages.filter((m) => m.role === 'assistant');
  return a[a.length - 1];
}

// --- the suite ----------------------------------------------------------------------------

describe('the playground and the browser routes in headless Chromium', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'gw-browser-'));
  let stack;
  let browser;
  let allowed;
  let refused;
  let proxy;

  before(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`no Chromium at ${CHROMIUM}: scripts/install-deps --test installs ` +
        "Debian's chromium (or set CHROMIUM_BIN)");
    }
    // Only this run's screenshots in the folder.
    rmSync(ARTIFACTS, { recursive: true, force: true });
    mkdirSync(ARTIFACTS, { recursive: true });
    allowed = await originServer('allowed origin');
    refused = await originServer('unlisted origin');
    const config = writeConfig(dir, 'browser', {
      auth: { keys: [{ name: 'browser', key: KEY }] },
      cors: { allowed_origins: [allowed.origin] },
      // A cut connection is retried this soon (EventSource's reconnect delay).
      streaming: { retry_hint: '200ms' },
    });
    stack = await startStack({ config, fakeArgs: ['--delta-delay-ms', '15'] });
    proxy = await cuttableProxy(stack.gatewayURL);
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  });

  after(async () => {
    await browser?.close();
    if (proxy) await closeServer(proxy.server);
    for (const o of [allowed, refused]) if (o) await closeServer(o.server);
    if (stack) {
      const exit = await stopStack(stack);
      assert.deepEqual(exit, { code: 0, signal: null }, `the gateway should exit 0\n${tails(stack)}`);
    }
    rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(async () => {
    await fake.reset(stack);
  });

  // A fresh browser profile (no stored key, session or running turn) with the playground
  // open at `base` and the key entered; the sampler runs on every document it loads.
  async function openPlayground(t, base = stack.gatewayURL) {
    const context = await browser.newContext({ viewport: { width: 1100, height: 760 } });
    t.after(() => context.close());
    const page = await context.newPage();
    page.setDefaultTimeout(20000);
    const problems = [];
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    await context.addInitScript(installSampler);
    await page.goto(`${base}/`);
    await page.fill('#api-key', KEY);
    await page.locator('#api-key').dispatchEvent('change');
    // The key is taken: the models list filled from /v1/models through the gateway.
    await page.waitForFunction(() => document.querySelectorAll('#model option').length > 1);
    return { page, problems };
  }

  async function send(page, text) {
    await page.fill('#message', text);
    await page.click('#send');
    // The turn is running once the page has stored it (its turn id and events_url).
    const running = await page.waitForFunction(() => localStorage.getItem('gw.running'));
    return JSON.parse(await running.jsonValue());
  }

  async function gatewayGet(p) {
    const r = await fetch(`${stack.gatewayURL}${p}`, { headers: { 'x-api-key': KEY } });
    assert.equal(r.status, 200, `GET ${p}: ${r.status}`);
    return r.json();
  }

  // Waits until the page has finished the turn and shows the history as the gateway
  // stores it; returns that stored session.
  async function settled(page, sessionId, turnId) {
    const turn = await until('the turn to end', async () => {
      const t = await gatewayGet(`/gateway/v1/sessions/${sessionId}/turns/${turnId}`);
      return ['completed', 'failed', 'cancelled'].includes(t.status) ? t : null;
    }, 30000);
    const stored = await gatewayGet(`/gateway/v1/sessions/${sessionId}`);
    await until('the page to show the stored history', async () => {
      const s = await pageState(page);
      return s.running === null && !s.sendDisabled && s.stopDisabled
        && s.messages.length === stored.messages.length
        && s.messages.every((m, i) => !m.streaming && m.role === stored.messages[i].role
          && m.text === textOf(stored.messages[i]));
    }, 20000);
    return { turn, stored };
  }

  // The texts the sampler saw for the reply while it was being written, in order.
  async function streamedTexts(page) {
    const frames = await page.evaluate(() => window.__frames);
    return frames.filter((f) => f.streaming).map((f) => f.text);
  }

  // Every text seen is a prefix of the final one and each is longer than the one before:
  // the reply only grew (nothing repeated after a reconnect, nothing taken back).
  function assertOnlyGrew(texts, final, what) {
    for (const [i, t] of texts.entries()) {
      assert.ok(final.startsWith(t),
        `${what}: frame ${i} shows text that is not a prefix of the final reply:\n${JSON.stringify(t)}\nfinal: ${JSON.stringify(final)}`);
      if (i > 0) assert.ok(t.length > texts[i - 1].length, `${what}: frame ${i} did not grow`);
    }
  }

  it('sends a message and the reply grows over several frames', async (t) => {
    try {
      const { page, problems } = await openPlayground(t);
      await page.fill('#system', 'You are terse.');
      const running = await send(page, 'Tell me a story [[words:60]]');
      await until('the reply to begin', async () => lastAssistant(await pageState(page))?.text);
      await screenshot(page, '1-reply-growing');
      const { turn, stored } = await settled(page, running.session_id, running.turn_id);
      assert.equal(turn.status, 'completed');
      assert.equal(stored.messages.length, 2);
      assert.equal(stored.system, 'You are terse.');
      const final = textOf(stored.messages[1]);
      const texts = (await streamedTexts(page)).filter((x) => x.length > 0);
      assertOnlyGrew(texts, final, 'reply');
      // Seen at three or more lengths before it was complete: it streamed in.
      const partial = texts.filter((x) => x.length < final.length);
      assert.ok(partial.length >= 3,
        `the reply was seen at only ${partial.length} partial lengths: ${JSON.stringify(partial.map((x) => x.length))}`);
      const state = await pageState(page);
      assert.match(state.status, /stop_reason: end_turn/);
      assert.match(state.status, /output_tokens: \d+/);
      await screenshot(page, '1-reply-complete');
      assert.deepEqual(problems, []);
    } catch (e) {
      e.message += `\n${tails(stack)}`;
      throw e;
    }
  });

  it('images attached with the file picker and by pasting go as multipart and arrive intact', async (t) => {
    try {
      const { page, problems } = await openPlayground(t);
      // A real 1x1 PNG: the fake describes every image it receives (type, size, bytes'
      // digest), so the reply proves what arrived.
      const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC', 'base64');
      const digest = createHash('sha256').update(png).digest('hex').slice(0, 12);
      const described = `[image image/png 1x1, ${png.length} bytes, sha256 ${digest}]`;
      await page.setInputFiles('#attach', { name: 'dot.png', mimeType: 'image/png', buffer: png });
      // The same picture pasted into the message box, as a screenshot tool leaves it.
      await page.evaluate((b64) => {
        const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
        const data = new DataTransfer();
        data.items.add(new File([bytes], 'pasted.png', { type: 'image/png' }));
        document.getElementById('message').dispatchEvent(
          new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
      }, png.toString('base64'));
      await until('two attachments listed', async () =>
        (await page.locator('[data-testid="attachment"]').count()) === 2);
      await screenshot(page, '6-images-attached');
      const running = await send(page, 'What are these?');
      const { turn, stored } = await settled(page, running.session_id, running.turn_id);
      assert.equal(turn.status, 'completed');
      assert.equal(textOf(stored.messages[1]), `You said: ${described} ${described} What are these?`);
      const sent = stored.messages[0].content;
      assert.deepEqual(sent.map((b) => b.type), ['image', 'image', 'text']);
      assert.equal(sent[0].source.data, png.toString('base64'));
      // The transcript shows both pictures above the question, as stored.
      assert.equal(await page.locator('#transcript .message[data-role="user"] .images img').count(), 2);
      // Sent, the attachments are gone from the composer.
      assert.equal(await page.locator('[data-testid="attachment"]').count(), 0);
      await screenshot(page, '6-images-reply');
      assert.deepEqual(problems, []);
    } catch (e) {
      e.message += `\n${tails(stack)}`;
      throw e;
    }
  });

  it('a reload in the middle of a reply reattaches: the same reply completes, one turn', async (t) => {
    try {
      const { page, problems } = await openPlayground(t);
      // Upstream stops after some of the reply until released: the reload happens mid-reply.
      await fake.faults(stack, [{ kind: 'hold', after_events: HOLD_AT }]);
      const running = await send(page, 'A long answer, please [[words:80]]');
      await upstreamHolding(stack, 1);
      // Everything upstream sent before it stopped, as the page should show it.
      const before = await firstDeltas(stack.gatewayURL, running.events_url, DELTAS_BEFORE_HOLD);
      await until('the first part of the reply on the page', async () => {
        const a = lastAssistant(await pageState(page));
        return a && a.streaming && a.text === before;
      });
      await screenshot(page, '2-reload-before');

      await page.reload();
      // After the reload the page reads the running turn again from its first event.
      await until('the partial reply again after the reload', async () => {
        const s = await pageState(page);
        const a = lastAssistant(s);
        return a && a.streaming && a.text === before ? s : null;
      });
      const during = await pageState(page);
      assert.deepEqual(during.messages.map((m) => m.role), ['user', 'assistant'],
        'one user turn and one reply on the page after the reload');
      await screenshot(page, '2-reload-after');

      await fake.release(stack);
      const { turn, stored } = await settled(page, running.session_id, running.turn_id);
      assert.equal(turn.status, 'completed');
      const final = textOf(stored.messages[1]);
      assert.ok(final.startsWith(before), 'the reply completed is the one begun before the reload');
      assertOnlyGrew((await streamedTexts(page)).filter((x) => x.length > 0), final,
        'reply after the reload');
      assert.deepEqual(stored.messages.map((m) => m.role), ['user', 'assistant'],
        'the session holds one turn, not two');
      assert.equal(textOf(stored.messages[0]), 'A long answer, please [[words:80]]');
      const upstream = (await apiRequests(stack)).filter((r) => r.method === 'POST'
        && r.target.split('?')[0] === '/v1/messages');
      assert.equal(upstream.length, 1, 'one upstream request for the turn');
      await screenshot(page, '2-reload-complete');
      assert.deepEqual(problems, []);
    } catch (e) {
      e.message += `\n${tails(stack)}`;
      throw e;
    }
  });

  it('a connection cut mid-reply resumes with Last-Event-ID: nothing lost or repeated', async (t) => {
    try {
      const { page, problems } = await openPlayground(t, proxy.url);
      await fake.faults(stack, [{ kind: 'hold', after_events: HOLD_AT }]);
      const running = await send(page, 'Keep going [[words:50]]');
      await upstreamHolding(stack, 1);
      // The page has had every event so far when the connection is cut: a resume that
      // started anywhere but after the last of them would show text twice.
      const before = await firstDeltas(stack.gatewayURL, running.events_url, DELTAS_BEFORE_HOLD);
      await until('the first part of the reply on the page', async () => {
        const a = lastAssistant(await pageState(page));
        return a && a.streaming && a.text === before;
      });
      assert.ok(proxy.cut() > 0, 'the page had a connection to cut');
      // EventSource reconnects by itself (after the retry hint), with Last-Event-ID.
      await page.waitForFunction(() => document.getElementById('status').textContent
        .includes('connection lost'));
      await fake.release(stack);
      const { turn, stored } = await settled(page, running.session_id, running.turn_id);
      assert.equal(turn.status, 'completed');
      const final = textOf(stored.messages[1]);
      assert.ok(final.startsWith(before));
      assertOnlyGrew((await streamedTexts(page)).filter((x) => x.length > 0), final,
        'reply across the cut');
      assert.deepEqual(stored.messages.map((m) => m.role), ['user', 'assistant']);
      await screenshot(page, '3-cut-resumed');
      assert.deepEqual(problems, []);
    } catch (e) {
      e.message += `\n${tails(stack)}`;
      throw e;
    }
  });
  it('Stop ends a running turn as cancelled, with nothing stored', async (t) => {
    try {
      const { page, problems } = await openPlayground(t);
      await fake.faults(stack, [{ kind: 'hold', after_events: 8 }]);
      const running = await send(page, 'Never mind [[words:60]]');
      await upstreamHolding(stack, 1);
      await until('part of the reply on the page', async () => {
        const a = lastAssistant(await pageState(page));
        return a && a.streaming && a.text.length > 0;
      });
      await screenshot(page, '4-stop-before');
      await page.click('#stop');
      const { turn, stored } = await settled(page, running.session_id, running.turn_id);
      assert.equal(turn.status, 'cancelled');
      assert.equal(turn.message, null);
      assert.deepEqual(stored.messages, [], 'nothing committed');
      const state = await pageState(page);
      assert.deepEqual(state.messages, [], 'the page shows the history as stored: empty');
      assert.match(state.status, /stopped: nothing was committed/);
      // The upstream call was aborted, not left to run on.
      await until('the fake to see the gateway go', async () => (await fake.stats(stack)).holding === 0);
      await screenshot(page, '4-stop-after');
      assert.deepEqual(problems, []);
    } catch (e) {
      e.message += `\n${tails(stack)}`;
      throw e;
    }
  });

  // From a page on `origin`: a Messages API call with a key, then a session and a
  // background turn whose events_url is read with a cross-origin EventSource. Returns what
  // the page saw (an `error` for a fetch that rejected).
  function crossOriginCalls(page, gateway) {
    return page.evaluate(async ({ gateway, key }) => {
      const out = {};
      const show = () => { document.getElementById('out').textContent = JSON.stringify(out, null, 2); };
      try {
        const r = await fetch(`${gateway}/v1/messages`, {
          method: 'POST',
          headers: { 'x-api-key': key, 'content-type': 'application/json',
            'anthropic-version': '2023-06-01' },
          body: JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 64,
            messages: [{ role: 'user', content: 'hello from another origin' }] }),
        });
        const m = await r.json();
        out.messages = { status: r.status, requestId: r.headers.get('request-id'),
          text: m.content?.map((b) => b.text).join('') };
        const s = await fetch(`${gateway}/gateway/v1/sessions`, {
          method: 'POST', headers: { 'x-api-key': key, 'content-type': 'application/json' },
          body: '{}',
        }).then((x) => x.json());
        const turn = await fetch(`${gateway}/gateway/v1/sessions/${s.id}/messages`, {
          method: 'POST', headers: { 'x-api-key': key, 'content-type': 'application/json' },
          body: JSON.stringify({ content: 'a background turn', background: true }),
        });
        const started = await turn.json();
        out.turn = { status: turn.status, session_id: s.id, turn_id: started.turn_id };
        out.events = await new Promise((resolve) => {
          const es = new EventSource(`${gateway}${started.events_url}`);
          let text = '';
          es.addEventListener('content_block_delta', (e) => { text += JSON.parse(e.data).delta.text ?? ''; });
          es.addEventListener('turn_committed', (e) => {
            es.close();
            resolve({ text, completion: JSON.parse(e.data).completion });
          });
          es.addEventListener('error', () => {
            if (es.readyState === EventSource.CLOSED) resolve({ error: 'EventSource refused' });
          });
        });
      } catch (e) {
        out.error = `${e.name}: ${e.message}`;
      }
      show();
      return out;
    }, { gateway, key: KEY });
  }

  it('CORS: a page on an allowed origin uses the API; one on another origin is refused', async (t) => {
    try {
      const context = await browser.newContext({ viewport: { width: 900, height: 600 } });
      t.after(() => context.close());
      const page = await context.newPage();
      page.setDefaultTimeout(20000);

      await page.goto(`${allowed.origin}/`);
      const ok = await crossOriginCalls(page, stack.gatewayURL);
      await screenshot(page, '5-cors-allowed');
      assert.equal(ok.error, undefined, JSON.stringify(ok));
      assert.equal(ok.messages.status, 200);
      assert.match(ok.messages.text, /hello from another origin/);
      assert.ok(ok.messages.requestId, 'request-id is exposed to the page');
      assert.equal(ok.turn.status, 202);
      assert.equal(ok.events.error, undefined, JSON.stringify(ok.events));
      assert.equal(ok.events.text, ok.events.completion);
      const stored = await gatewayGet(`/gateway/v1/sessions/${ok.turn.session_id}`);
      assert.equal(textOf(stored.messages[1]), ok.events.completion);

      const before = (await apiRequests(stack)).length;
      await page.goto(`${refused.origin}/`);
      const no = await crossOriginCalls(page, stack.gatewayURL);
      await screenshot(page, '5-cors-refused');
      assert.match(no.error ?? '', /^TypeError: Failed to fetch/, JSON.stringify(no));
      assert.equal(no.messages, undefined);
      // Refused at the preflight: nothing went upstream.
      assert.equal((await apiRequests(stack)).length, before);
      await until('the refused preflight in the access log', () => stack.gateway.stdout
        .split('\n').some((l) => l.includes('"route":"cors_preflight","status":403')));
    } catch (e) {
      e.message += `\n${tails(stack)}`;
      throw e;
    }
  });
});
