// Tools of the attack suite: raw sockets that send exactly the bytes an attacker would,
// a small HTTP/1.1 response reader for them, /proc probes of the attacked process (RSS,
// descriptors, CPU time), and config files for the gateways under attack.
//
// The processes themselves (fake, gateway, certificates) come from tests/e2e/stack.mjs.

import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { setImmediate, setTimeout as sleep } from 'node:timers/promises';

import { writeConfig as writeSharedConfig } from '../e2e/stack.mjs';

// --- raw HTTP ---------------------------------------------------------------------------

// Parses one HTTP/1.1 response from the front of `buf`; null while it is incomplete.
// `closed`: the peer closed, so a body without a length ends here.
export function parseResponse(buf, closed = false) {
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) return null;
  const head = buf.subarray(0, end).toString('latin1').split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(head[0]);
  if (!m) throw new Error(`not an HTTP response: ${JSON.stringify(head[0].slice(0, 80))}`);
  const headers = {};
  for (const line of head.slice(1)) {
    const colon = line.indexOf(':');
    const k = line.slice(0, colon).trim().toLowerCase();
    headers[k] = headers[k] === undefined ? line.slice(colon + 1).trim() : `${headers[k]}, ${line.slice(colon + 1).trim()}`;
  }
  const status = Number(m[1]);
  let rest = buf.subarray(end + 4);
  let body;
  if (status === 204 || status === 304 || (status >= 100 && status < 200)) {
    body = Buffer.alloc(0);
  } else if (headers['content-length'] !== undefined) {
    const n = Number(headers['content-length']);
    if (rest.length < n) return null;
    body = rest.subarray(0, n);
  } else if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
    const parts = [];
    for (;;) {
      const eol = rest.indexOf('\r\n');
      if (eol < 0) return null;
      const size = Number.parseInt(rest.subarray(0, eol).toString('latin1'), 16);
      if (size === 0) break;
      if (rest.length < eol + 2 + size + 2) return null;
      parts.push(rest.subarray(eol + 2, eol + 2 + size));
      rest = rest.subarray(eol + 2 + size + 2);
    }
    body = Buffer.concat(parts);
  } else {
    if (!closed) return null;
    body = rest;
  }
  return { status, headers, body, text: body.toString('utf8') };
}

// Writes `parts` (Buffers or strings, or a generator of them) to a fresh connection and
// returns what came back: { response (or null), closed, error, sent (bytes written) }.
// Writing stops, without error, once the server has answered or closed; `maxBytes`
// bounds what is written at all. Waits at most `timeoutMs` for the answer.
export function rawExchange(url, parts, { timeoutMs = 10000, maxBytes = Infinity } = {}) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const sock = net.connect({ host: hostname, port: Number(port) });
    let received = Buffer.alloc(0);
    let sent = 0;
    let done = false;
    let closed = false;
    let error = null;
    let response = null;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve({ response, closed, error, sent, received });
    };
    const timer = setTimeout(() => { error = error ?? new Error('timed out'); finish(); }, timeoutMs);
    const tryParse = () => {
      try {
        response = parseResponse(received, closed);
      } catch (e) {
        error = e;
        finish();
        return;
      }
      if (response) finish();
    };
    sock.on('data', (d) => { received = Buffer.concat([received, d]); tryParse(); });
    sock.on('end', () => { closed = true; tryParse(); finish(); });
    sock.on('error', (e) => { error = e; closed = true; tryParse(); finish(); });
    sock.on('close', () => { closed = true; tryParse(); finish(); });
    sock.on('connect', async () => {
      for (const part of parts) {
        if (done || closed || sent >= maxBytes) break;
        const b = Buffer.isBuffer(part) ? part : Buffer.from(part, 'latin1');
        sent += b.length;
        if (!sock.write(b)) {
          await new Promise((r) => {
            const go = () => { sock.off('drain', go); sock.off('close', go); r(); };
            sock.on('drain', go);
            sock.on('close', go);
          });
        }
        // A write the kernel takes at once calls back (and emits 'drain') before the event
        // loop gets a turn, so without this the loop would never read while a server reads
        // as fast as we write (the gateway dropping what follows a refusal): all of `parts`
        // would go out before its answer is seen. One turn of the loop per part reads it.
        await setImmediate();
      }
    });
  });
}

// A well-formed request through node:http (a fresh connection each time):
// { status, headers, text, json (or undefined) }.
export function request(url, { method = 'GET', path: p = '/', headers = {}, body, timeoutMs = 15000 } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(new URL(p, url), {
      method, headers, agent: false, signal: AbortSignal.timeout(timeoutMs),
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const buf = Buffer.concat(chunks);
        const text = buf.toString('utf8');
        let json;
        try { json = JSON.parse(text); } catch { /* not JSON */ }
        resolve({ status: res.statusCode, headers: res.headers, text, buf, json });
      });
    });
    req.on('error', reject);
    if (body !== undefined) req.write(typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body));
    req.end();
  });
}

// The answer body is the API's error shape with this status's error type.
export function assertApiError(assert, res, type, what) {
  const body = res.json ?? (res.text !== undefined ? tryJson(res.text) : undefined);
  assert.ok(body, `${what}: the body is JSON (got ${JSON.stringify(res.text?.slice(0, 200))})`);
  assert.equal(body.type, 'error', `${what}: type is "error"`);
  assert.equal(body.error?.type, type, `${what}: error.type (body ${JSON.stringify(body).slice(0, 300)})`);
  assert.equal(typeof body.error?.message, 'string', `${what}: error.message`);
  assert.match(String(body.request_id), /^req_/, `${what}: request_id`);
  return body;
}

function tryJson(text) {
  try { return JSON.parse(text); } catch { return undefined; }
}

// --- /proc probes -----------------------------------------------------------------------

const CLK_TCK = 100;  // Linux's USER_HZ, what /proc/<pid>/stat counts in

export function rssKiB(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : 0;
}

export function fdCount(pid) {
  return readdirSync(`/proc/${pid}/fd`).length;
}

// utime + stime in seconds.
export function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

export function snapshot(pid) {
  return { rssKiB: rssKiB(pid), fds: fdCount(pid) };
}

// Waits (up to `settleMs`) for the process to come back within the tolerances of
// `before`, then returns the last reading; the caller asserts on it, so a process that
// stays above its level fails with the figures in the message.
export async function settle(pid, before, { rssMiB, fds, settleMs = 4000 }) {
  const deadline = Date.now() + settleMs;
  for (;;) {
    const now = snapshot(pid);
    const ok = now.rssKiB <= before.rssKiB + rssMiB * 1024 && now.fds <= before.fds + fds;
    if (ok || Date.now() > deadline) return now;
    await sleep(100);
  }
}

export function describeLevel(before, now) {
  return `RSS ${(before.rssKiB / 1024).toFixed(1)} -> ${(now.rssKiB / 1024).toFixed(1)} MiB, ` +
    `fds ${before.fds} -> ${now.fds}`;
}

// --- configs ----------------------------------------------------------------------------

// The gateway's config as a file: JSON is YAML, and the "${VAR}" values are filled in
// from the environment startGateway sets (listen address, fake URL, keys, data dir).
// The shared config writer (e2e/stack.mjs), with the attack's client keys.
export function writeConfig(dir, name, extra = {}) {
  return writeSharedConfig(dir, name, {
    auth: { keys: KEYS.map(({ name: n, key }) => ({ name: n, key })) }, ...extra,
  });
}

// Client keys: alice and bob own sessions; mallory is the attacker whose requests must
// leave nothing stored.
export const KEYS = [
  { name: 'alice', key: 'attack-key-alice-0123456789' },
  { name: 'bob', key: 'attack-key-bob-0123456789ab' },
  { name: 'mallory', key: 'attack-key-mallory-01234567' },
];
export const KEY = Object.fromEntries(KEYS.map(({ name, key }) => [name, key]));

// An ASan build keeps freed memory in a quarantine (256 MiB by default) and returns free
// pages to the OS only now and then: small and prompt, so that "memory came back" is
// something RSS can show. Ignored by a build without ASan.
export function asanOptions() {
  const own = process.env.ASAN_OPTIONS ? `${process.env.ASAN_OPTIONS}:` : '';
  return `${own}quarantine_size_mb=16:allocator_release_to_os_interval_ms=200`;
}

// Samples the process's RSS every few milliseconds until stop(); stop() returns the peak in
// KiB. A flood that is read into memory and freed at the end shows here and not after.
export function watchPeak(pid, everyMs = 20) {
  let peak = rssKiB(pid);
  const timer = setInterval(() => {
    try { peak = Math.max(peak, rssKiB(pid)); } catch { /* exited: the caller sees it */ }
  }, everyMs);
  return () => { clearInterval(timer); return peak; };
}
