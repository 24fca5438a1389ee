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

import { execFile, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';
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
 * A spawned server's handle also has {bin, dataDir}, which `createToken` needs.
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
    bin,
    dataDir,
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

/**
 * Creates another API token on a spawned server, with only the given scopes
 * (an array or a comma-separated string), by running
 * `$FERRY_BIN token create --portal N --scopes ... --data-dir <its data dir>`
 * beside the running server. Returns the token, or null when the server was
 * not spawned here (FERRY_URL): then there is no data dir to write to.
 */
export async function createToken(server, scopes, { portal = 1, name = 'sdk-suite' } = {}) {
  if (!server.bin || !server.dataDir) return null;
  const list = Array.isArray(scopes) ? scopes.join(',') : scopes;
  const args = ['token', 'create', '--portal', String(portal), '--scopes', list, '--name', name, '--data-dir', server.dataDir];
  const { stdout } = await promisify(execFile)(server.bin, args, { timeout: 30_000 });
  const token = stdout.trim().split('\n').pop()?.trim();
  if (!token) throw new Error(`${server.bin} ${args.join(' ')} printed no token`);
  return token;
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

/**
 * Reads width and height from a PNG's IHDR chunk; throws if buf is not a PNG.
 */
export function pngSize(buf) {
  const sig = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  if (buf.length < 24 || !buf.subarray(0, 8).equals(sig) || buf.toString('ascii', 12, 16) !== 'IHDR') {
    throw new Error(`not a PNG (first bytes ${buf.subarray(0, 16).toString('hex')})`);
  }
  return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) };
}

/** Fetches a URL and returns {status, headers, body: Buffer}. */
export async function fetchBytes(url, init) {
  const res = await fetch(url, init);
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

// ---------------------------------------------------------------------------
// Assertions shared by the suites

/**
 * Asserts that err is the SDK's ApiException with this HTTP code and error
 * category, and that the HubSpot error body came through intact. Returns
 * true, so it can be the validator of assert.rejects.
 */
export function assertApiError(err, code, category) {
  assert.ok(err instanceof ApiException, `expected the SDK's ApiException, got ${err?.constructor?.name}: ${err?.message}`);
  assert.equal(err.code, code, `HTTP code (body: ${JSON.stringify(err.body)})`);
  assert.equal(typeof err.body, 'object', `error body should be parsed JSON, got ${JSON.stringify(err.body)}`);
  assert.ok(err.body !== null, 'error body is null');
  if (category !== undefined) assert.equal(err.body.category, category, `body.category (body: ${JSON.stringify(err.body)})`);
  assert.equal(typeof err.body.category, 'string', 'body.category');
  assert.equal(typeof err.body.message, 'string', 'body.message');
  assert.equal(typeof err.body.correlationId, 'string', `body.correlationId (body: ${JSON.stringify(err.body)})`);
  assert.ok(err.body.correlationId.length > 0, 'body.correlationId is empty');
  return true;
}

/** Awaits a promise that must reject, and returns what it rejected with. */
export async function rejection(promise, what = 'the call') {
  try {
    const v = await promise;
    assert.fail(`${what} should have failed, but resolved with ${JSON.stringify(v)}`);
  } catch (err) {
    if (err instanceof assert.AssertionError) throw err;
    return err;
  }
}

/** Asserts that value is a valid Date (the SDK's typed models turn date-time strings into Dates). */
export function assertDate(value, name) {
  assert.ok(value instanceof Date, `${name} should be a Date, got ${typeof value} ${JSON.stringify(value)}`);
  assert.ok(!Number.isNaN(value.getTime()), `${name} is an invalid Date`);
}

/**
 * Follows paging.next.after from page to page. fetchPage(after) returns a
 * CollectionResponse; returns {results, pages}. Fails if a page repeats its
 * cursor or the walk exceeds maxPages.
 */
export async function collectPages(fetchPage, { maxPages = 50 } = {}) {
  const results = [];
  const cursors = new Set();
  let after;
  let pages = 0;
  for (;;) {
    const page = await fetchPage(after);
    pages++;
    assert.ok(Array.isArray(page?.results), `page ${pages}: results must be an array`);
    results.push(...page.results);
    const next = page.paging?.next?.after;
    if (next === undefined || next === null) return { results, pages };
    assert.equal(typeof next, 'string', `page ${pages}: paging.next.after must be a string`);
    assert.ok(!cursors.has(next), `page ${pages}: cursor ${next} was already handed out`);
    cursors.add(next);
    after = next;
    assert.ok(pages < maxPages, `more than ${maxPages} pages`);
  }
}

// ---------------------------------------------------------------------------
// doSearch's positional arguments

// The order of doSearch's positional parameters in @hubspot/api-client 14.0.1
// (lib/codegen/files/apis/FilesApi.d.ts and FoldersApi.d.ts). A suite checks
// these lists against the SDK's own code (sdkParamNames), so a new SDK
// version that reorders them fails loudly instead of sending the wrong query.
export const FILE_SEARCH_PARAMS = [
  'properties', 'after', 'before', 'limit', 'sort', 'ids', 'idLte', 'idGte',
  'createdAt', 'createdAtLte', 'createdAtGte', 'updatedAt', 'updatedAtLte', 'updatedAtGte',
  'name', 'path', 'parentFolderIds', 'size', 'sizeLte', 'sizeGte', 'height', 'heightLte', 'heightGte',
  'width', 'widthLte', 'widthGte', 'encoding', 'type', 'extension', 'url', 'isUsableInContent',
  'allowsAnonymousAccess', 'fileMd5', 'expiresAt', 'expiresAtLte', 'expiresAtGte',
];
export const FOLDER_SEARCH_PARAMS = FILE_SEARCH_PARAMS.slice(0, FILE_SEARCH_PARAMS.indexOf('parentFolderIds') + 1);

/**
 * Turns named search options into doSearch's positional arguments, with
 * undefined for every parameter left out: files.doSearch(...searchArgs(FILE_SEARCH_PARAMS, {name: 'cat'})).
 */
export function searchArgs(order, opts = {}) {
  for (const k of Object.keys(opts)) {
    if (!order.includes(k)) throw new Error(`doSearch has no parameter ${k}`);
  }
  return order.map((k) => opts[k]);
}

/** The parameter names of a function, read from its source (without the trailing _options). */
export function sdkParamNames(fn) {
  const m = fn.toString().match(/^[^(]*\(([^)]*)\)/);
  if (!m) throw new Error(`cannot read the parameters of ${fn.name}`);
  return m[1].split(',').map((s) => s.trim()).filter((s) => s && s !== '_options');
}
