// bench/streams/client.mjs: the load client of bench/streams (one node process, many
// sockets). Three modes, each printing one JSON line of results on stdout:
//
//   idle   background turns held open by the fake, then STREAMS EventSource-style GETs of
//          their events_url, all open at once; the gateway's RSS before and after.
//   active CONNS concurrent streamed POST /v1/messages per target, one target after the
//          other; the fake sends its events DELTA ms apart, so each event's lateness is
//          its arrival minus (request sent + index x DELTA); compared against direct.
//   first  one keep-alive connection per target, REPS sequential streamed requests,
//          targets interleaved request by request; time to the first content_block_delta.
//
// Arguments are --name value pairs (see each mode). Progress goes to stderr.
import http from 'node:http';
import { readFileSync, readdirSync } from 'node:fs';

const args = Object.fromEntries(
  process.argv.slice(3).reduce((acc, a, i, all) => (i % 2 ? acc : [...acc, [a.replace(/^--/, ''), all[i + 1]]]), []),
);
const mode = process.argv[2];
const now = () => Number(process.hrtime.bigint()) / 1e6; // ms, monotonic
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (...m) => process.stderr.write(`[client] ${m.join(' ')}\n`);
const UPSTREAM_KEY = args['api-key'] ?? '';

function pct(sorted, p) {
  if (!sorted.length) return null;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}
function summary(values) {
  const s = Float64Array.from(values).sort();
  const r = (x) => (x === null ? null : Math.round(x * 1000) / 1000);
  return { n: s.length, p50: r(pct(s, 50)), p90: r(pct(s, 90)), p99: r(pct(s, 99)), max: r(s.length ? s[s.length - 1] : null) };
}
function rssKb(pid, field = 'VmRSS') {
  const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`^${field}:\\s+(\\d+)`, 'm'));
  return m ? Number(m[1]) : null;
}

// A small JSON request with no pooling, for set-up calls.
function call(method, url, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, agent: false, headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode, text, json: () => JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}
async function must(method, url, body, want) {
  const r = await call(method, url, body);
  if (r.status !== want) throw new Error(`${method} ${url}: HTTP ${r.status} ${r.text.slice(0, 300)}`);
  return r.json();
}

// ------------------------------------------------------------------ idle
// --gw URL --gw-pid PID --fake URL --turns T --streams N [--open-batch B] [--settle-ms S]
async function idle() {
  const gw = args.gw;
  const fake = args.fake;
  const pid = Number(args['gw-pid']);
  const turns = Number(args.turns ?? 10);
  const streams = Number(args.streams ?? 10000);
  const batch = Number(args['open-batch'] ?? 256);
  const settle = Number(args['settle-ms'] ?? 2000);
  const out = { mode: 'idle', turns, streams_wanted: streams };

  out.rss_start_kb = rssKb(pid);
  // Every turn's upstream stream stops after its first delta and stays open.
  await must('POST', `${fake}/_fake/faults`, { faults: [{ kind: 'hold', after_events: 4, count: turns }] }, 200);
  const urls = [];
  for (let i = 0; i < turns; ++i) {
    const s = await must('POST', `${gw}/gateway/v1/sessions`, { model: 'claude-sonnet-4-5' }, 201);
    const t = await must('POST', `${gw}/gateway/v1/sessions/${s.id}/messages`,
      { content: `Tell me a long story, number ${i}. [[words:200]]`, background: true }, 202);
    urls.push(`${gw}${t.events_url}`);
  }
  for (let i = 0; ; ++i) {
    const st = await must('GET', `${fake}/_fake/stats`, undefined, 200);
    const holding = st.holding ?? st.held ?? st.hold?.holding;
    if (holding >= turns) break;
    if (i > 300) throw new Error(`the fake holds ${holding} of ${turns} turns: ${JSON.stringify(st)}`);
    await sleep(50);
  }
  await sleep(500);
  out.rss_turns_held_kb = rssKb(pid);

  // Open the readers B at a time; a reader counts once its first content_block_delta came.
  const open = [];
  let ready = 0;
  let failed = 0;
  let firstError = '';
  const t0 = now();
  const openOne = (url) =>
    new Promise((resolve) => {
      const req = http.get(url, { agent: false, headers: { accept: 'text/event-stream' } }, (res) => {
        if (res.statusCode !== 200) {
          failed++;
          firstError ||= `HTTP ${res.statusCode}`;
          res.resume();
          return resolve();
        }
        let seen = '';
        res.setEncoding('utf8');
        const onData = (c) => {
          seen += c;
          if (seen.includes('event: content_block_delta')) {
            ready++;
            res.off('data', onData);
            res.on('data', () => {}); // heartbeats while idle
            resolve();
          }
        };
        res.on('data', onData);
        res.on('end', () => resolve());
      });
      req.on('error', (e) => {
        failed++;
        firstError ||= e.message;
        resolve();
      });
      open.push(req);
    });
  for (let i = 0; i < streams; i += batch) {
    const n = Math.min(batch, streams - i);
    await Promise.all(Array.from({ length: n }, (_, k) => openOne(urls[(i + k) % turns])));
    if ((i / batch) % 8 === 0) log(`idle: ${ready} streams open`);
  }
  out.open_seconds = Math.round(now() - t0) / 1000;
  await sleep(settle);
  out.streams_open = open.filter((r) => r.socket && !r.socket.destroyed).length;
  out.streams_ready = ready;
  out.streams_failed = failed;
  out.first_error = firstError;
  out.rss_streams_kb = rssKb(pid);
  out.hwm_kb = rssKb(pid, 'VmHWM');
  out.client_rss_kb = Math.round(process.memoryUsage().rss / 1024);
  for (const r of open) r.destroy();
  await sleep(500);
  await call('POST', `${fake}/_fake/release`);
  await sleep(1000);
  out.rss_after_close_kb = rssKb(pid);
  return out;
}

// ------------------------------------------------------------------ active
// --targets name=url,name=url --conns C --duration S --delta D --words W [--rounds R] [--api-key K]
function streamBody(words, tag) {
  return JSON.stringify({
    model: 'claude-sonnet-4-5', max_tokens: 4096, stream: true,
    messages: [{ role: 'user', content: `Tell me a story ${tag}. [[words:${words}]]` }],
  });
}

// One streamed request on `agent`; calls onEvent(index, name, t) for each SSE event.
function streamOnce(url, agent, body, onEvent) {
  return new Promise((resolve) => {
    const sent = now();
    const headers = body === null ? { accept: 'text/event-stream' } : {
      'content-type': 'application/json', 'anthropic-version': '2023-06-01',
      'x-api-key': UPSTREAM_KEY, 'content-length': Buffer.byteLength(body),
    };
    const req = http.request(url, { method: body === null ? 'GET' : 'POST', agent, headers }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        return resolve({ sent, ok: false, why: `HTTP ${res.statusCode}` });
      }
      let index = 0;
      let carry = '';
      res.setEncoding('utf8');
      res.on('data', (c) => {
        const t = now();
        const text = carry + c;
        let at = 0;
        for (;;) {
          const i = text.indexOf('event: ', at);
          if (i < 0) break;
          const eol = text.indexOf('\n', i);
          if (eol < 0) break;
          onEvent(index++, text.slice(i + 7, eol), t, sent);
          at = eol + 1;
        }
        carry = text.slice(at).slice(-64);
      });
      res.on('end', () => resolve({ sent, ok: true, events: index }));
      res.on('error', (e) => resolve({ sent, ok: false, why: e.message }));
    });
    req.on('error', (e) => resolve({ sent, ok: false, why: e.message }));
    req.end(body ?? undefined);
  });
}

// One background session turn: POST it (timed from here), then GET its events_url (the
// EventSource path: events relayed through the turn's log) with the same `agent`.
async function turnOnce(base, agent, session, words, tag, onEvent) {
  const sent = now();
  const body = JSON.stringify({ content: `Tell me a story ${tag}. [[words:${words}]]`, background: true });
  const accepted = await new Promise((resolve) => {
    const req = http.request(`${base}/gateway/v1/sessions/${session}/messages`, {
      method: 'POST', agent,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve(res.statusCode === 202 ? JSON.parse(text) : { why: `HTTP ${res.statusCode} ${text.slice(0, 120)}` }));
    });
    req.on('error', (e) => resolve({ why: e.message }));
    req.end(body);
  });
  if (!accepted.events_url) return { sent, ok: false, why: accepted.why };
  const r = await streamOnce(`${base}${accepted.events_url}`, agent, null, (i, ev, t) => onEvent(i, ev, t, sent));
  return { ...r, sent };
}

// Every stream's prompt is distinct, so are its random words (the fake seeds them with the
// prompt): relay_latency.py finds each delta's text once in the capture.
let streamSerial = 0;

// CPU time (user + system, all threads) of a process, in seconds.
function cpuSeconds(pid) {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
  return (Number(f[11]) + Number(f[12])) / 100; // CLK_TCK is 100 on Linux
}
const cpuPids = (args.cpu ?? '').split(',').filter(Boolean).map((p) => p.split('=', 2));
const cpuSnap = () => Object.fromEntries(cpuPids.map(([n, pid]) => [n, cpuSeconds(pid)]));
// Seconds all of a process's threads spent runnable but waiting for a core (schedstat):
// on a shared machine, the part of a delay that is the machine's and not the program's.
function runqueueWait(pid) {
  let ns = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try { ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[1]); } catch {}
  }
  return ns / 1e9;
}
const waitSnap = () => Object.fromEntries(cpuPids.map(([n, pid]) => [n, runqueueWait(pid)]));

async function activeTarget(name, url, conns, durationMs, delta, words) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: conns, maxFreeSockets: conns });
  const late = []; // arrival - (sent + index * delta), content_block_delta only, ms
  const gap = [];  // (arrival - previous delta's arrival) - delta, ms
  let streams = 0;
  let failures = 0;
  let why = '';
  let deltas = 0;
  let coalesced = 0;
  // A `turn:` target is the gateway's base URL: background session turns read through
  // events_url. Otherwise streamed POST /v1/messages to the URL.
  const turnBase = url.startsWith('turn:') ? url.slice(5) : null;
  const sessions = [];
  if (turnBase) {
    for (let w = 0; w < conns; ++w) {
      sessions.push((await must('POST', `${turnBase}/gateway/v1/sessions`, { model: 'claude-sonnet-4-5' }, 201)).id);
    }
  }
  const end = now() + durationMs;
  const worker = async (w) => {
    await sleep((w / conns) * delta); // spread the streams' phases over one spacing
    let round = 0;
    while (now() < end) {
      const measured = round++ > 0; // the first stream of a connection warms it up
      let prev = null;
      let k = 0; // the fake sends message_start, content_block_start, ping, then delta k as event 3 + k
      const onEvent = (_, ev, t, sent) => {
        if (ev !== 'content_block_delta') return;
        const i = 3 + k++;
        if (!measured) return;
        late.push(t - sent - i * delta);
        if (prev !== null) {
          gap.push(t - prev - delta);
          if (t === prev) coalesced++;
        }
        prev = t;
        deltas++;
      };
      const r = turnBase
        ? await turnOnce(turnBase, agent, sessions[w], words, `${name}.${++streamSerial}`, onEvent)
        : await streamOnce(url, agent, streamBody(words, `${name}.${++streamSerial}`), onEvent);
      if (!r.ok) {
        failures++;
        why ||= r.why;
        await sleep(delta);
      } else if (measured) streams++;
    }
  };
  const t0 = now();
  const c0 = cpuSnap();
  const w0 = waitSnap();
  const clientCpu0 = process.cpuUsage();
  await Promise.all(Array.from({ length: conns }, (_, w) => worker(w)));
  const seconds = (now() - t0) / 1000;
  const c1 = cpuSnap();
  const w1 = waitSnap();
  const cu = process.cpuUsage(clientCpu0);
  const cpu = Object.fromEntries(Object.keys(c0).map((n) => [n, c1[n] - c0[n]]));
  cpu.client = (cu.user + cu.system) / 1e6;
  const wait = Object.fromEntries(Object.keys(w0).map((n) => [n, w1[n] - w0[n]]));
  agent.destroy();
  return { name, conns, streams, deltas, failures, why, coalesced, seconds, late, gap, cpu, wait };
}

async function active() {
  const targets = args.targets.split(',').map((p) => p.split('=', 2));
  const conns = Number(args.conns ?? 1000);
  const durationMs = Number(args.duration ?? 10) * 1000;
  const delta = Number(args.delta ?? 100);
  const words = Number(args.words ?? 40);
  const rounds = Number(args.rounds ?? 3);
  const out = { mode: 'active', conns, delta_ms: delta, words, rounds, targets: [] };
  // Rounds of every target in turn: the machine's other load drifts, and interleaving
  // spreads that drift over the targets instead of charging it to one of them.
  const acc = new Map(targets.map(([name]) => [name, null]));
  for (let r = 0; r < rounds; ++r) {
    for (const [name, url] of targets) {
      log(`active: round ${r + 1}/${rounds}, ${name}, ${conns} connections, ${durationMs / 1000}s`);
      const x = await activeTarget(name, url, conns, durationMs, delta, words);
      const a = acc.get(name);
      if (!a) acc.set(name, x);
      else {
        for (const k of ['streams', 'deltas', 'failures', 'coalesced', 'seconds']) a[k] += x[k];
        for (const k of Object.keys(a.cpu)) a.cpu[k] += x.cpu[k];
        for (const k of Object.keys(a.wait)) a.wait[k] += x.wait[k];
        a.why ||= x.why;
        for (const v of x.late) a.late.push(v);
        for (const v of x.gap) a.gap.push(v);
      }
      await sleep(1000);
    }
  }
  for (const a of acc.values()) {
    const { late, gap, seconds, cpu, wait, ...rest } = a;
    out.targets.push({
      ...rest, deltas_per_s: Math.round(a.deltas / seconds),
      runqueue_wait_pct: Object.fromEntries(Object.entries(wait).map(([n, w]) => [n, Math.round((100 * w) / seconds)])),
      cpu_pct: Object.fromEntries(Object.entries(cpu).map(([n, c]) => [n, Math.round((100 * c) / seconds)])),
      late_ms: summary(late), gap_ms: summary(gap),
    });
  }
  return out;
}

// ------------------------------------------------------------------ first
// --targets name=url,... --reps N [--words W]
async function first() {
  const targets = args.targets.split(',').map((p) => p.split('=', 2));
  const reps = Number(args.reps ?? 500);
  const words = Number(args.words ?? 40);
  const agents = targets.map(() => new http.Agent({ keepAlive: true, maxSockets: 1 }));
  const times = targets.map(() => []);
  const failures = targets.map(() => 0);
  const body = streamBody(words, 'first');
  for (let r = -20; r < reps; ++r) { // 20 unmeasured warm-up rounds
    for (let k = 0; k < targets.length; ++k) {
      let firstAt = null;
      const res = await streamOnce(targets[k][1], agents[k], body, (i, ev, t) => {
        if (ev === 'content_block_delta' && firstAt === null) firstAt = t;
      });
      if (!res.ok || firstAt === null) failures[k]++;
      else if (r >= 0) times[k].push(firstAt - res.sent);
    }
  }
  agents.forEach((a) => a.destroy());
  return {
    mode: 'first', reps,
    targets: targets.map(([name], k) => ({ name, failures: failures[k], first_ms: summary(times[k]) })),
  };
}

const run = { idle, active, first }[mode];
if (!run) {
  log(`usage: client.mjs idle|active|first --name value ...`);
  process.exit(2);
}
run().then(
  (out) => { process.stdout.write(`${JSON.stringify(out)}\n`); process.exit(0); },
  (e) => { log(`error: ${e.stack ?? e}`); process.exit(1); },
);
