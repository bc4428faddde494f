// The processes behind the end-to-end and attack suites, without the SDK: a throw-away CA
// and server certificate (openssl CLI), the fake Messages API over TLS, the gateway in
// front of it, and the fake's control endpoints. harness.mjs adds the SDK on top.
//
// Binaries: GATEWAY_BIN and FAKE_BIN (set by CTest), else ../../build/<name>.
// By default the gateway runs with cwd = the repo root and its config/gateway.yaml,
// configured only through the environment, as a container or CI would run it.

import { spawn, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '..', '..');

export function binary(envName, name) {
  const p = process.env[envName] || path.join(repoRoot, 'build', name);
  if (!existsSync(p)) {
    throw new Error(`${name} not found at ${p}: build it, or set ${envName}`);
  }
  return path.resolve(p);
}

// --- certificates -------------------------------------------------------------------

function openssl(dir, args) {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

// A CA and a server certificate for localhost / 127.0.0.1 / ::1 signed by it.
export function makeCertificates(dir) {
  openssl(dir, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-days', '2',
    '-subj', '/CN=claude-gateway e2e test CA', '-keyout', 'ca.key', '-out', 'ca.pem',
    '-addext', 'basicConstraints=critical,CA:TRUE',
    '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  openssl(dir, ['req', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-subj', '/CN=localhost',
    '-keyout', 'server.key', '-out', 'server.csr']);
  writeFileSync(path.join(dir, 'server.ext'), [
    'basicConstraints=CA:FALSE',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    'extendedKeyUsage=serverAuth',
    'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1',
    '',
  ].join('\n'));
  openssl(dir, ['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key',
    '-CAcreateserial', '-days', '2', '-sha256', '-extfile', 'server.ext', '-out', 'server.pem']);
  return {
    ca: path.join(dir, 'ca.pem'),
    cert: path.join(dir, 'server.pem'),
    key: path.join(dir, 'server.key'),
  };
}

// --- a fetch that trusts the test CA ---------------------------------------------------
//
// Node 20's global fetch cannot be given a CA without the undici package (its dispatcher
// option wants an undici Agent), and NODE_EXTRA_CA_CERTS is read only at process start.
// The SDK accepts a custom `fetch`, so calls straight to the fake go through this small
// WHATWG-fetch-shaped wrapper around node:https with `ca` set.
export function fetchWithCa(caPem) {
  const agent = new https.Agent({ ca: caPem, keepAlive: true });
  return async function caFetch(input, init = {}) {
    const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
    const headers = new Headers(init.headers ?? {});
    const method = (init.method ?? 'GET').toUpperCase();
    let body = init.body;
    if (body instanceof FormData || body instanceof Blob || body instanceof URLSearchParams
        || body instanceof ReadableStream) {
      // What fetch itself would send (a form's multipart encoding and its boundary).
      const encoded = new Response(body);
      const type = encoded.headers.get('content-type');
      if (type && !headers.has('content-type')) headers.set('content-type', type);
      body = new Uint8Array(await encoded.arrayBuffer());
    }
    if (body != null && typeof body !== 'string' && !(body instanceof Uint8Array)) {
      if (body instanceof ArrayBuffer) body = new Uint8Array(body);
      else throw new TypeError('fetchWithCa: unsupported body type');
    }
    return new Promise((resolve, reject) => {
      const signal = init.signal;
      if (signal?.aborted) {
        reject(signal.reason ?? new DOMException('aborted', 'AbortError'));
        return;
      }
      const lib = url.protocol === 'https:' ? https : http;
      const req = lib.request(url, {
        method,
        agent: url.protocol === 'https:' ? agent : undefined,
        headers: Object.fromEntries(headers.entries()),
      }, (res) => {
        const outHeaders = new Headers();
        for (let i = 0; i < res.rawHeaders.length; i += 2) {
          outHeaders.append(res.rawHeaders[i], res.rawHeaders[i + 1]);
        }
        const nullBody = method === 'HEAD' || [101, 204, 205, 304].includes(res.statusCode);
        if (nullBody) res.resume();
        resolve(new Response(nullBody ? null : Readable.toWeb(res), {
          status: res.statusCode,
          statusText: res.statusMessage,
          headers: outHeaders,
        }));
      });
      const onAbort = () => req.destroy(signal.reason ?? new DOMException('aborted', 'AbortError'));
      signal?.addEventListener('abort', onAbort, { once: true });
      req.on('error', reject);
      req.on('close', () => signal?.removeEventListener('abort', onAbort));
      if (body != null) req.write(body);
      req.end();
    });
  };
}

// --- processes --------------------------------------------------------------------------

export class Child {
  constructor(name, proc) {
    this.name = name;
    this.proc = proc;
    this.pid = proc.pid;
    this.stdout = '';
    this.stderr = '';
    // Everything written to stdout and stderr, in bytes: the tails above are capped.
    this.outputBytes = 0;
    this.exit = new Promise((resolve) => {
      proc.on('exit', (code, signal) => resolve({ code, signal }));
    });
    proc.stdout.setEncoding('utf8');
    proc.stderr.setEncoding('utf8');
    const count = (d) => { this.outputBytes += Buffer.byteLength(d); };
    proc.stdout.on('data', (d) => { count(d); this.stdout = keepTail(this.stdout + d); });
    proc.stderr.on('data', (d) => { count(d); this.stderr = keepTail(this.stderr + d); });
    this.exited = null;
    this.exit.then((e) => { this.exited = e; });
  }

  running() {
    return this.exited === null;
  }

  async stop(timeoutMs = 40000) {
    if (!this.running()) return this.exited;
    this.proc.kill('SIGTERM');
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), timeoutMs);
    const e = await this.exit;
    clearTimeout(timer);
    return e;
  }

  tail(lines = 40) {
    const pick = (s) => s.split('\n').slice(-lines).join('\n');
    return `${this.sanitizerReport()}--- ${this.name} stderr (tail) ---\n${pick(this.stderr)}\n` +
      `--- ${this.name} stdout (tail) ---\n${pick(this.stdout)}`;
  }

  // A sanitizer's report names the fault and its first frames at its head, which a tail of
  // a long report cuts off.
  sanitizerReport(lines = 24) {
    const at = this.stderr.search(/==\d+==ERROR: |runtime error: |AddressSanitizer|terminate called/);
    if (at < 0) return '';
    const head = this.stderr.slice(at).split('\n').slice(0, lines).join('\n');
    return `--- ${this.name} sanitizer report (head) ---\n${head}\n`;
  }
}

function keepTail(s, max = 256 * 1024) {
  return s.length > max ? s.slice(s.length - max) : s;
}

export async function waitFor(what, child, check, timeoutMs = 20000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (!child.running()) {
      throw new Error(`${child.name} exited (${JSON.stringify(child.exited)}) before ${what}\n${child.tail()}`);
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${child.tail()}`);
    await sleep(25);
  }
}

// The gateway's listening address, from its JSON log line {"msg":"listening","address":...}.
function listeningAddress(stderr) {
  for (const line of stderr.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const j = JSON.parse(line);
      if (j.msg === 'listening' && typeof j.address === 'string') return j.address;
    } catch { /* a partial line */ }
  }
  return null;
}

// --- the stack: fake (TLS) + gateway ----------------------------------------------------

// `dataDir`: the gateway's GATEWAY_DATA_DIR (default <tmpdir>/data, removed by stopStack);
// a directory the caller owns survives stopStack, so a later stack can reopen its store.
// `config` and `wrap`: see startGateway.
export async function startStack({
  fakeArgs = [], gatewayEnv = {}, dataDir = null, config, wrap,
} = {}) {
  const dir = mkdtempSync(path.join(tmpdir(), 'gw-e2e-'));
  const certs = makeCertificates(dir);
  const caPem = readFileSync(certs.ca, 'utf8');
  const upstreamKey = `sk-ant-e2e-upstream-${randomBytes(12).toString('hex')}`;
  const portFile = path.join(dir, 'fake.port');

  const fake = new Child('fake-messages-api', spawn(binary('FAKE_BIN', 'fake-messages-api'), [
    '--listen', '127.0.0.1:0', '--tls-cert', certs.cert, '--tls-key', certs.key,
    '--api-key', upstreamKey, '--port-file', portFile, ...fakeArgs,
  ], { stdio: ['ignore', 'pipe', 'pipe'] }));

  const stack = { dir, certs, caPem, upstreamKey, fake, gateway: null };
  try {
    const fakePort = await waitFor('the fake port file', fake, () => {
      if (!existsSync(portFile)) return null;
      const n = Number.parseInt(readFileSync(portFile, 'utf8'), 10);
      return Number.isInteger(n) && n > 0 ? n : null;
    });
    stack.fakeURL = `https://localhost:${fakePort}`;
    stack.fakeFetch = fetchWithCa(caPem);
    const started = await startGateway(stack, { gatewayEnv, dataDir, config, wrap });
    stack.gateway = started.gateway;
    stack.gatewayURL = started.url;
  } catch (e) {
    await stopStack(stack).catch(() => {});
    throw e;
  }
  return stack;
}

// One more gateway in front of the stack's fake (startStack starts the first one); waits
// until it answers GET /healthz and returns { gateway: Child, url }. The caller stops it.
//   config: the config file (default config/gateway.yaml, relative to the repo root); it
//     may use the variables set here (GATEWAY_LISTEN, GATEWAY_DATA_DIR, ANTHROPIC_BASE_URL,
//     ANTHROPIC_API_KEY, GATEWAY_UPSTREAM_CA_FILE) as config/gateway.yaml does.
//   wrap: a command prefix, e.g. ['prlimit', '--nofile=256', '--']; it must exec the
//     gateway so that the child's pid stays the gateway's.
export async function startGateway(stack, {
  gatewayEnv = {}, dataDir = null, config = 'config/gateway.yaml', wrap = [],
  name = 'claude-gateway',
} = {}) {
  const env = { ...process.env };
  // Nothing from the developer's own environment may steer the gateway.
  for (const k of Object.keys(env)) {
    if (k.startsWith('GATEWAY_') || k.startsWith('ANTHROPIC_')) delete env[k];
  }
  Object.assign(env, {
    GATEWAY_LISTEN: '127.0.0.1:0',
    GATEWAY_DATA_DIR: dataDir ?? path.join(stack.dir, 'data'),
    ANTHROPIC_BASE_URL: stack.fakeURL,
    ANTHROPIC_API_KEY: stack.upstreamKey,
    GATEWAY_UPSTREAM_CA_FILE: stack.certs.ca,
    ...gatewayEnv,
  });
  const argv = [...wrap, binary('GATEWAY_BIN', 'claude-gateway'), '--config', config];
  const gateway = new Child(name, spawn(argv[0], argv.slice(1),
    { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] }));
  try {
    const address = await waitFor(`the ${name} "listening" log line`, gateway,
      () => listeningAddress(gateway.stderr));
    const url = `http://${address}`;
    await waitFor('GET /healthz', gateway, async () => {
      try {
        const r = await fetch(`${url}/healthz`);
        return r.status === 200;
      } catch {
        return false;
      }
    });
    return { gateway, url };
  } catch (e) {
    await gateway.stop(5000);
    throw e;
  }
}

// Stops both; returns the gateway's exit ({code, signal}). Never throws.
export async function stopStack(stack) {
  let gatewayExit = null;
  if (stack.gateway) gatewayExit = await stack.gateway.stop();
  await stack.fake.stop(5000);
  if (stack.dir) rmSync(stack.dir, { recursive: true, force: true });
  return gatewayExit;
}

export function tails(stack) {
  return [stack.gateway?.tail(), stack.fake?.tail()].filter(Boolean).join('\n');
}

// --- the fake's control endpoints -------------------------------------------------------

async function control(stack, method, p, body) {
  const r = await stack.fakeFetch(`${stack.fakeURL}${p}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  if (r.status !== 200) throw new Error(`${method} ${p}: ${r.status} ${text}`);
  return JSON.parse(text);
}

export const fake = {
  faults: (stack, faults) => control(stack, 'POST', '/_fake/faults', { faults }),
  clearFaults: (stack) => control(stack, 'DELETE', '/_fake/faults'),
  reset: (stack) => control(stack, 'POST', '/_fake/reset'),
  stats: (stack) => control(stack, 'GET', '/_fake/stats'),
  // Lets the `count` oldest replies held by a `hold` fault go on (all when 0).
  release: (stack, count = 0) =>
    control(stack, 'POST', count ? `/_fake/release?count=${count}` : '/_fake/release'),
  // Oldest first.
  requests: (stack, limit = 0) => control(stack, 'GET', `/_fake/requests?limit=${limit}`),
};

// A recorded request's header, case-insensitive; every value when `all`.
export function recordedHeader(req, name, all = false) {
  const n = name.toLowerCase();
  const values = [];
  for (const h of req.headers ?? []) {
    const [k, v] = Array.isArray(h) ? h : [h.name, h.value];
    if (String(k).toLowerCase() === n) values.push(v);
  }
  return all ? values : values[0];
}

// Only the Messages API traffic the fake saw (not its control routes), oldest first.
export async function apiRequests(stack) {
  const { requests } = await fake.requests(stack);
  return requests.filter((r) => r.target.startsWith('/v1/'));
}


// --- config files -----------------------------------------------------------------------

// Writes <dir>/<name>.yaml: a gateway config reading the variables startGateway sets,
// `extra` merged over it (objects merged, everything else replaced); returns its path.
export function writeConfig(dir, name, extra = {}) {
  const base = {
    listen: '${GATEWAY_LISTEN}',
    threads: 2,
    upstream: {
      base_url: '${ANTHROPIC_BASE_URL}',
      api_key: '${ANTHROPIC_API_KEY}',
      ca_file: '${GATEWAY_UPSTREAM_CA_FILE}',
      pool_max_idle: 4,
    },
    store: { data_dir: '${GATEWAY_DATA_DIR}' },
  };
  const file = path.join(dir, `${name}.yaml`);
  // JSON is YAML.
  writeFileSync(file, `${JSON.stringify(merge(base, extra), null, 2)}\n`);
  return file;
}

function merge(a, b) {
  const out = { ...a };
  for (const [k, v] of Object.entries(b)) {
    out[k] = v && typeof v === 'object' && !Array.isArray(v) && a[k] && typeof a[k] === 'object'
      ? merge(a[k], v) : v;
  }
  return out;
}
