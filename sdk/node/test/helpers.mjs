// Shared helpers for the official-SDK suite: start (or attach to) a Ferry
// server, run a local origin HTTP server, build test images, poll tasks.
//
// A test file uses them like this:
//
//   const target = ferryTarget();
//   describeFerry('...', target, () => {
//     let server;
//     before(async () => { server = await target.start(); });
//     after(async () => { await server?.stop(); });
//     ...
//   });
//
// Environment:
//   FERRY_URL + FERRY_TOKEN  use a running server (the token needs all scopes)
//   FERRY_BIN                spawn `$FERRY_BIN serve` on a random port and a temp data dir
//   FERRY_VERBOSE=1          copy the spawned server's log lines to stderr

import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test } from 'node:test';
import { deflateSync } from 'node:zlib';

import { Client } from '@hubspot/api-client';
import { ApiException } from '@hubspot/api-client/lib/codegen/files/apis/exception.js';

export { ApiException, Client };

// The four task states of HubSpot's enum. There is no FAILED.
export const TASK_STATUSES = ['PENDING', 'PROCESSING', 'CANCELED', 'COMPLETE'];

const STARTUP_TIMEOUT_MS = 30_000;
const HEALTH_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 10_000;

// ---------------------------------------------------------------------------
// Ferry server

/**
 * Says how this run reaches Ferry. `skip` is a message (suite must be skipped)
 * or false; `start()` returns a handle {baseUrl, token, fresh, stop(), logs()}.
 */
export function ferryTarget() {
  const url = process.env.FERRY_URL;
  const token = process.env.FERRY_TOKEN;
  const bin = process.env.FERRY_BIN;
  if (url) {
    if (!token) {
      return { skip: 'FERRY_URL is set but FERRY_TOKEN is not: set both, or set FERRY_BIN instead', start: null };
    }
    return { skip: false, start: () => attachFerry(url, token) };
  }
  if (bin) {
    return { skip: false, start: () => spawnFerry(path.resolve(bin)) };
  }
  return {
    skip: 'no Ferry to test: set FERRY_BIN=/path/to/ferry (spawned here) or FERRY_URL + FERRY_TOKEN (a running server)',
    start: null,
  };
}

/**
 * describe(name, fn) when there is a Ferry to test; otherwise one skipped
 * test carrying the reason, so the runner reports "skipped 1", not "tests 0".
 */
export function describeFerry(name, target, fn) {
  if (target.skip) return test(name, { skip: target.skip }, () => {});
  return describe(name, fn);
}

async function attachFerry(url, token) {
  const baseUrl = url.replace(/\/+$/, '');
  await waitHealthy(baseUrl, HEALTH_TIMEOUT_MS, null);
  return {
    baseUrl,
    token,
    fresh: false, // a shared server may already hold files from earlier runs
    logs: () => [],
    stop: async () => ({ code: null, signal: null }),
  };
}

async function spawnFerry(bin) {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'ferry-sdk-node-'));
  const token = `ferry-test-${randomBytes(24).toString('hex')}`;
  const verbose = process.env.FERRY_VERBOSE === '1';
  const logLines = [];

  const child = spawn(
    bin,
    ['serve', '--addr', '127.0.0.1:0', '--data-dir', dataDir, '--allow-private-networks'],
    {
      env: { ...process.env, FERRY_BOOTSTRAP_TOKEN: token, FERRY_BOOTSTRAP_PORTAL: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );

  let exited = null; // {code, signal} once the process is gone
  const exitPromise = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      resolve(exited);
    });
  });
  const spawnError = new Promise((_, reject) => child.once('error', reject));

  let onListening;
  const listening = new Promise((resolve) => (onListening = resolve));
  const onLine = (line) => {
    logLines.push(line);
    if (logLines.length > 2000) logLines.shift();
    if (verbose) process.stderr.write(`[ferry] ${line}\n`);
    const addr = parseListeningAddr(line);
    if (addr) onListening(addr);
  };
  lineReader(child.stderr, onLine);
  lineReader(child.stdout, onLine);

  const tail = () => logLines.slice(-40).join('\n');
  const cleanup = async () => {
    if (!exited) {
      child.kill('SIGKILL');
      await exitPromise;
    }
    await rm(dataDir, { recursive: true, force: true });
  };

  let addr;
  try {
    addr = await Promise.race([
      listening,
      spawnError,
      exitPromise.then((e) => {
        throw new Error(`ferry exited before listening (code ${e.code}, signal ${e.signal})`);
      }),
      sleep(STARTUP_TIMEOUT_MS, null, { ref: false }).then(() => {
        throw new Error(`ferry did not log msg=listening with an addr within ${STARTUP_TIMEOUT_MS} ms`);
      }),
    ]);
  } catch (err) {
    await cleanup();
    err.message += `\ncommand: ${bin} serve --addr 127.0.0.1:0 --data-dir ${dataDir} --allow-private-networks\nlast log lines:\n${tail()}`;
    throw err;
  }

  const port = addr.match(/:(\d+)$/)?.[1];
  const baseUrl = `http://127.0.0.1:${port}`;
  try {
    await waitHealthy(baseUrl, HEALTH_TIMEOUT_MS, () => exited);
  } catch (err) {
    await cleanup();
    err.message += `\nlast log lines:\n${tail()}`;
    throw err;
  }

  return {
    baseUrl,
    token,
    fresh: true,
    logs: () => logLines.slice(),
    /** SIGTERM, wait, SIGKILL if needed; returns how the process ended. */
    async stop() {
      if (!exited) {
        child.kill('SIGTERM');
        const done = await Promise.race([exitPromise, sleep(STOP_TIMEOUT_MS, null, { ref: false })]);
        if (!done) {
          child.kill('SIGKILL');
          await exitPromise;
          exited = { ...exited, killedAfterTimeout: true };
        }
      }
      await rm(dataDir, { recursive: true, force: true });
      return exited;
    },
  };
}

/**
 * Returns the listen address from a "listening" log line, in slog's text
 * format (msg=listening addr=127.0.0.1:PORT) or JSON format
 * ({"msg":"listening","addr":"127.0.0.1:PORT"}), else null.
 */
export function parseListeningAddr(line) {
  const s = line.trim();
  if (s.startsWith('{')) {
    try {
      const rec = JSON.parse(s);
      if (rec.msg === 'listening' && typeof rec.addr === 'string' && /:\d+$/.test(rec.addr)) return rec.addr;
    } catch {
      // not JSON after all
    }
    return null;
  }
  if (!/(^|\s)msg="?listening"?(\s|$)/.test(s)) return null;
  const m = s.match(/(?:^|\s)addr="?([^\s"]+:\d+)"?(?:\s|$)/);
  return m ? m[1] : null;
}

function lineReader(stream, onLine) {
  let buf = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk) => {
    buf += chunk;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      onLine(buf.slice(0, i).replace(/\r$/, ''));
      buf = buf.slice(i + 1);
    }
  });
  stream.on('end', () => {
    if (buf) onLine(buf);
  });
}

async function waitHealthy(baseUrl, timeoutMs, exitedFn) {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    const e = exitedFn?.();
    if (e) throw new Error(`ferry exited while waiting for /healthz (code ${e.code}, signal ${e.signal})`);
    try {
      const res = await fetch(`${baseUrl}/healthz`, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.status === 200) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = err.cause?.code ?? err.message;
    }
    await sleep(100);
  }
  throw new Error(`GET ${baseUrl}/healthz did not answer 200 within ${timeoutMs} ms (last: ${last})`);
}

// ---------------------------------------------------------------------------
// SDK clients

/** An official SDK client for the server, optionally with another token or basePath. */
export function sdkClient(server, { token = server.token, basePath = server.baseUrl } = {}) {
  return new Client({ accessToken: token, basePath });
}

/**
 * Polls fn() (which returns a FileActionResponse-like object) until its status
 * is COMPLETE or CANCELED. Returns {res, seen}: the last response and every
 * status observed. Throws on timeout, naming the statuses seen.
 */
export async function pollTask(fn, { timeoutMs = 30_000, intervalMs = 150 } = {}) {
  const deadline = Date.now() + timeoutMs;
  const seen = [];
  for (;;) {
    const res = await fn();
    seen.push(res?.status);
    if (res?.status === 'COMPLETE' || res?.status === 'CANCELED') return { res, seen };
    if (Date.now() >= deadline) {
      throw new Error(`task not finished after ${timeoutMs} ms; statuses seen: ${[...new Set(seen)].join(', ')}`);
    }
    await sleep(intervalMs);
  }
}

// ---------------------------------------------------------------------------
// Origin server (the "internet" that imports download from)

/**
 * Starts an HTTP server on 127.0.0.1 with a random port. Routes map a path to
 * {body: Buffer|string, type: string, status?: number, headers?: object}.
 * Unknown paths answer 404. Every request is recorded in `requests`.
 */
export async function startOrigin(routes = {}) {
  const table = new Map(Object.entries(routes));
  const requests = [];
  const server = http.createServer((req, res) => {
    requests.push({ method: req.method, url: req.url, headers: req.headers });
    const route = table.get(new URL(req.url, 'http://x').pathname);
    if (!route) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('not found\n');
      return;
    }
    const body = Buffer.isBuffer(route.body) ? route.body : Buffer.from(route.body ?? '');
    res.writeHead(route.status ?? 200, {
      'content-type': route.type ?? 'application/octet-stream',
      'content-length': body.length,
      ...route.headers,
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const base = `http://127.0.0.1:${server.address().port}`;
  return {
    base,
    requests,
    url: (p) => base + p,
    route: (p, spec) => table.set(p, spec),
    requestsFor: (p) => requests.filter((r) => new URL(r.url, 'http://x').pathname === p),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

// ---------------------------------------------------------------------------
// Test data

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function pngChunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}

/**
 * A valid 8-bit RGB PNG of width x height. Pixel colours vary with seed so
 * that two images of the same size can differ.
 */
export function makePng(width, height, seed = 0) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type RGB
  ihdr[10] = 0; // compression
  ihdr[11] = 0; // filter
  ihdr[12] = 0; // no interlace
  const rows = [];
  for (let y = 0; y < height; y++) {
    const row = Buffer.alloc(1 + width * 3); // filter byte 0 (None)
    for (let x = 0; x < width; x++) {
      row[1 + x * 3] = (x * 85 + seed * 31) & 0xff;
      row[2 + x * 3] = (y * 120 + seed * 17) & 0xff;
      row[3 + x * 3] = (x * y * 60 + seed * 7 + 200) & 0xff;
    }
    rows.push(row);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', deflateSync(Buffer.concat(rows))),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

export const md5hex = (buf) => createHash('md5').update(buf).digest('hex');

/** A short random suffix for names that must not collide across runs on a shared server. */
export const uniq = () => randomBytes(4).toString('hex');

/** Fetches a URL and returns {status, headers, body: Buffer}. */
export async function fetchBytes(url, init) {
  const res = await fetch(url, init);
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}
