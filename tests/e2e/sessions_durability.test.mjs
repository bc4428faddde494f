// Durability of the SQLite store (issue 4): many concurrent turns, the gateway SIGKILLed
// mid-load, a new gateway on the same data directory. Every turn that was acknowledged
// (a 200, or a streamed turn's turn_committed event) must be in the history, no session
// may hold half a turn, and the file must pass PRAGMA integrity_check. Two rounds on the
// same file: a slow upstream (the kill lands while turns wait for their replies), then an
// instant one (commits back to back, the kill lands among them), each followed by a
// restart and the checks.
//
// Needs the sqlite3 CLI (Debian package sqlite3, in scripts/install-deps --test).

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import { fake, startStack, stopStack, tails, textOf } from './harness.mjs';

const SESSIONS = 20;
const IN_FLIGHT = 12;           // concurrent turns, each on its own session
const LOAD_MS = 1200;           // load before each SIGKILL
const MIN_ACKED = 40;           // a kill comes after at least this many acknowledged turns
const MODEL = 'claude-sonnet-4-5';

function sqlite(dbFile, sql) {
  return execFileSync('sqlite3', ['-batch', '-bail', dbFile, sql], { encoding: 'utf8' }).trim();
}

async function json(stack, method, p, body) {
  const r = await fetch(`${stack.gatewayURL}${p}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  return { status: r.status, text, json: text ? JSON.parse(text) : null };
}

// One turn; the turn_id when the gateway acknowledged it, else null (failed, cut off by
// the kill, or an error event in the stream).
async function sendTurn(stack, sessionId, content, stream) {
  const r = await fetch(`${stack.gatewayURL}/gateway/v1/sessions/${sessionId}/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ content, stream }),
  });
  const text = await r.text();
  if (r.status !== 200) {
    const e = new Error(`turn on ${sessionId}: HTTP ${r.status} ${text}`);
    e.httpStatus = r.status;
    throw e;
  }
  if (!stream) return JSON.parse(text).turn_id;
  // Acknowledged only by the final turn_committed event.
  const m = text.match(/event: turn_committed\r?\n(?:id: [^\r\n]*\r?\n)?data: ([^\r\n]*)/);
  return m ? JSON.parse(m[1]).turn_id : null;
}

// Turns on every session, IN_FLIGHT at a time (a session has at most one turn in flight),
// until `stack`'s gateway is SIGKILLed after LOAD_MS. Each session's `acked` list grows by
// the turns acknowledged; `inFlight` is the content of the turn cut by the kill, if any.
async function loadThenKill(stack, sessions, counter) {
  const ready = [...sessions];
  let killed = false;
  let acked = 0;
  const unexpected = [];
  const worker = async () => {
    while (!killed) {
      const s = ready.shift();
      if (!s) { await sleep(1); continue; }
      const n = ++counter.turn;
      const content = `durability turn ${n} on ${s.id} [[words:${5 + (n % 20)}]]`;
      s.inFlight = content;
      try {
        const turnId = await sendTurn(stack, s.id, content, n % 3 === 0);
        if (turnId) {
          s.acked.push({ turnId, content });
          s.inFlight = null;
          acked++;
        } else if (!killed) {
          unexpected.push(`stream on ${s.id} ended without turn_committed`);
        }
      } catch (e) {
        if (!killed) unexpected.push(String(e.message ?? e));
        // After a failure this session's last turn is unknown: leave it out of the load.
        continue;
      }
      ready.push(s);
    }
  };
  const workers = Array.from({ length: IN_FLIGHT }, worker);

  const start = Date.now();
  while (Date.now() - start < LOAD_MS || acked < MIN_ACKED) {
    assert.ok(stack.gateway.running(), `gateway died under load\n${tails(stack)}`);
    assert.ok(Date.now() - start < 30000, `only ${acked} turns acknowledged in 30 s\n${tails(stack)}`);
    assert.deepEqual(unexpected, [], `turns failed before the kill\n${tails(stack)}`);
    await sleep(50);
  }
  const inFlight = sessions.filter((s) => s.inFlight !== null).length;
  killed = true;
  stack.gateway.proc.kill('SIGKILL');
  const exit = await stack.gateway.exit;
  assert.equal(exit.signal, 'SIGKILL');
  await Promise.all(workers);
  assert.deepEqual(unexpected, []);
  assert.ok(inFlight > 0, 'no turn was in flight when the gateway was killed');
  return { acked, inFlight };
}

// Checks every session's history on the restarted gateway against what was acknowledged;
// afterwards `acked` is the history as found (the turn cut by the kill may have committed
// just before it: then it is there, whole). Returns how many such turns were found.
async function verifyHistories(stack, sessions) {
  let cutButCommitted = 0;
  for (const s of sessions) {
    const r = await json(stack, 'GET', `/gateway/v1/sessions/${s.id}`);
    assert.equal(r.status, 200, `${s.id} after the restart: ${r.text}`);
    const g = r.json;
    assert.equal(g.message_count, g.messages.length, `${s.id}: message_count vs messages`);

    // Whole turns only: user then assistant, both with the turn's id.
    const turns = [];
    for (let i = 0; i < g.messages.length; i += 2) {
      const u = g.messages[i];
      const a = g.messages[i + 1];
      assert.ok(a, `${s.id}: half a turn at the end: ${JSON.stringify(u)}`);
      assert.equal(u.role, 'user', `${s.id} message ${i}`);
      assert.equal(a.role, 'assistant', `${s.id} message ${i + 1}`);
      assert.match(u.turn_id, /^turn_/);
      assert.equal(a.turn_id, u.turn_id, `${s.id}: messages ${i} and ${i + 1} belong to different turns`);
      assert.ok(textOf(a.content).startsWith(`You said: ${textOf(u.content)}`),
        `${s.id}: the reply of turn ${u.turn_id}: ${JSON.stringify(a.content)}`);
      turns.push({ turnId: u.turn_id, content: textOf(u.content) });
    }

    // Every acknowledged turn, in order; after them at most the turn that was in flight
    // at the kill (committed just before the kill, its answer never arrived).
    assert.deepEqual(turns.slice(0, s.acked.length), s.acked, `${s.id}: acknowledged turns`);
    const extra = turns.slice(s.acked.length);
    assert.ok(extra.length <= 1, `${s.id}: turns nobody sent: ${JSON.stringify(extra)}`);
    if (extra.length === 1) {
      assert.equal(extra[0].content, s.inFlight, `${s.id}: an unexpected extra turn`);
      cutButCommitted++;
    }
    s.acked = turns;
    s.inFlight = null;
  }
  return cutButCommitted;
}

function checkFile(dbFile, sessions) {
  assert.equal(sqlite(dbFile, 'PRAGMA integrity_check;'), 'ok');
  assert.equal(sqlite(dbFile, 'PRAGMA journal_mode;'), 'wal');
  assert.equal(sqlite(dbFile,
    'SELECT count(*) FROM sessions s WHERE message_count != ' +
    '(SELECT count(*) FROM messages m WHERE m.session_seq = s.seq);'), '0',
  'sessions whose message_count disagrees with their rows');
  assert.equal(sqlite(dbFile,
    'SELECT count(*) FROM (SELECT turn_id FROM messages GROUP BY session_seq, turn_id ' +
    "HAVING count(*) != 2 OR sum(role = 'user') != 1);"), '0', 'turns that are not one user + one assistant message');
  const expected = sessions.reduce((n, s) => n + 2 * s.acked.length, 0);
  assert.equal(sqlite(dbFile, 'SELECT count(*) FROM messages;'), String(expected));
}

describe('sessions survive a SIGKILL mid-load (SQLite store)', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'gw-e2e-durability-'));
  const dbFile = path.join(dataDir, 'gateway.db');
  const stacks = [];
  after(async () => {
    for (const s of stacks) await stopStack(s);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('every acknowledged turn is kept, no half turn, integrity_check ok', { timeout: 120000 }, async (t) => {
    // Round 1: each upstream reply takes a while (a delay between SSE events, a slow fault
    // for the JSON answers), so the kill lands while turns wait for upstream.
    const first = await startStack({ dataDir, fakeArgs: ['--delta-delay-ms', '3'] });
    stacks.push(first);
    await fake.faults(first, [{ kind: 'slow', delay_ms: 10, for_ms: 600000 }]);

    const sessions = [];
    for (let i = 0; i < SESSIONS; i++) {
      const r = await json(first, 'POST', '/gateway/v1/sessions', { model: MODEL, metadata: { i } });
      assert.equal(r.status, 201, r.text);
      sessions.push({ id: r.json.id, acked: [], inFlight: null });
    }
    const counter = { turn: 0 };
    const round1 = await loadThenKill(first, sessions, counter);
    assert.ok(existsSync(dbFile), `no ${dbFile}`);

    // A new gateway (and fake, answering at once) on the same data directory.
    const second = await startStack({ dataDir });
    stacks.push(second);
    round1.cutButCommitted = await verifyHistories(second, sessions);
    // The file itself, read with the sqlite3 CLI while the gateway has it open (WAL).
    checkFile(dbFile, sessions);

    // Round 2: upstream answers at once, so commits follow each other closely.
    const round2 = await loadThenKill(second, sessions, counter);
    const third = await startStack({ dataDir });
    stacks.push(third);
    round2.cutButCommitted = await verifyHistories(third, sessions);
    checkFile(dbFile, sessions);

    // The restarted gateway lists them all and takes new turns on them.
    const list = await json(third, 'GET', '/gateway/v1/sessions?limit=100');
    assert.equal(list.status, 200, list.text);
    const listed = new Set(list.json.data.map((x) => x.id));
    for (const s of sessions) assert.ok(listed.has(s.id), `${s.id} not listed after the restart`);
    const again = await json(third, 'POST', `/gateway/v1/sessions/${sessions[0].id}/messages`,
      { content: 'after the restart' });
    assert.equal(again.status, 200, again.text);
    sessions[0].acked.push({ turnId: again.json.turn_id, content: 'after the restart' });

    // And once more after a clean shutdown.
    const exit = await third.gateway.stop();
    assert.deepEqual(exit, { code: 0, signal: null }, tails(third));
    checkFile(dbFile, sessions);
    for (const [name, r] of [['slow upstream', round1], ['instant upstream', round2]]) {
      t.diagnostic(`${name}: ${r.acked} turns acknowledged before the kill, ${r.inFlight} in flight, ` +
        `${r.cutButCommitted} of those committed anyway`);
    }
  });
});
