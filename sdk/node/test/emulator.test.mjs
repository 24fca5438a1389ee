// Ferry as an emulator of HubSpot's Files API, driven through the official
// Node SDK (@hubspot/api-client) with node:test. This file is also the Node
// recipe of docs/emulator.md: it starts its own `ferry serve --emulator`
// with --ready-file, so it needs FERRY_BIN (it is skipped with FERRY_URL).

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import { Client } from '@hubspot/api-client';

const BIN = process.env.FERRY_BIN ? path.resolve(process.env.FERRY_BIN) : null;
const SKIP = BIN ? false : 'set FERRY_BIN=/path/to/ferry: this suite starts its own emulator';

/** Starts `ferry serve --emulator` on a free port; resolves once its ready file says where. */
async function startEmulator(extraArgs = []) {
  const dir = await mkdtemp(path.join(tmpdir(), 'ferry-emulator-'));
  const ready = path.join(dir, 'ready.json');
  const token = `emu-${randomBytes(16).toString('hex')}`;
  const child = spawn(BIN, ['serve', '--emulator', '--addr', '127.0.0.1:0', '--data-dir', path.join(dir, 'data'),
    '--ready-file', ready, '--allow-private-networks', ...extraArgs], {
    env: { ...process.env, FERRY_BOOTSTRAP_TOKEN: token },
    stdio: ['ignore', 'ignore', process.env.FERRY_VERBOSE === '1' ? 'inherit' : 'ignore'],
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  for (let i = 0; ; i++) {
    try {
      const { url } = JSON.parse(await readFile(ready, 'utf8'));
      const control = async (method, route, body) => {
        const res = await fetch(url + route, {
          method,
          headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        const text = await res.text();
        if (!res.ok) throw new Error(`${method} ${route}: ${res.status} ${text}`);
        return text ? JSON.parse(text) : null;
      };
      return {
        url, token, control,
        client: (opts = {}) => new Client({ accessToken: token, basePath: url, ...opts }),
        async stop() {
          child.kill('SIGTERM');
          await exited;
          await rm(dir, { recursive: true, force: true });
        },
      };
    } catch (err) {
      if (err.code !== 'ENOENT' && !(err instanceof SyntaxError)) throw err;
      if (child.exitCode !== null || i > 600) throw new Error(`ferry did not become ready (exit ${child.exitCode})`);
      await sleep(50);
    }
  }
}

/** A local origin for imports. */
async function startOrigin(body) {
  const server = http.createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.end(body);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}/file.txt`, close: () => server.close() };
}

const b64 = (s) => Buffer.from(s).toString('base64');
const opts = (o) => JSON.stringify(o);

/** Every live file, as comparable lines. */
async function allFiles(files) {
  const res = await files.doSearch(undefined, undefined, undefined, 100);
  return res.results.map((f) => `${f.id} ${f.path} ${f.access} ${f.url}`).sort();
}

/** Asserts the SDK threw its ApiException with HubSpot's error body. */
function isApiError(code) {
  return (err) => {
    assert.equal(err.code, code, `code (body ${JSON.stringify(err.body)})`);
    assert.equal(err.body?.status, 'error');
    assert.equal(typeof err.body?.correlationId, 'string');
    return true;
  };
}

describe('Ferry emulator through the official Node SDK', { skip: SKIP }, () => {
  let emu;
  let files;
  let seeded;
  before(async () => {
    emu = await startEmulator();
    files = emu.client().files.filesApi;
    // Fixtures once, saved as a snapshot that each test starts from.
    await emu.control('POST', '/_ferry/seed', {
      folders: ['/fixtures/empty'],
      files: [
        { path: '/fixtures/hello.txt', text: 'hello', access: 'PUBLIC_INDEXABLE' },
        { path: '/fixtures/secret.txt', content: b64('secret'), access: 'PRIVATE' },
      ],
    });
    await emu.control('POST', '/_ferry/snapshots/fixtures');
    seeded = await allFiles(files);
  });
  after(async () => emu?.stop());
  beforeEach(async () => {
    await emu.control('DELETE', '/_ferry/faults');
    await emu.control('DELETE', '/_ferry/clock');
    await emu.control('POST', '/_ferry/snapshots/fixtures/restore');
  });

  test('restoring the snapshot leaves exactly the seeded files, folders and hosting URLs', async () => {
    assert.equal(seeded.length, 2);
    await files.upload({ data: Buffer.from('extra'), name: 'extra.txt' }, undefined, '/fixtures', undefined, undefined,
      opts({ access: 'PUBLIC_INDEXABLE' }));
    await files.archive(seeded[0].split(' ')[0]);
    await emu.control('POST', '/_ferry/snapshots/fixtures/restore');
    assert.deepEqual(await allFiles(files), seeded);
    const hello = seeded.find((l) => l.includes('/fixtures/hello.txt')).split(' ')[3];
    assert.equal(await (await fetch(hello)).text(), 'hello', 'the hosting URL serves the seeded bytes');
    const folder = await emu.client().files.foldersApi.getByPath('/fixtures/empty');
    assert.equal(folder.path, '/fixtures/empty');
  });

  test('reset empties the portal and keeps the token', async () => {
    await emu.control('POST', '/_ferry/reset');
    assert.deepEqual(await allFiles(files), []);
  });

  test('each HTTP fault reaches the SDK as the error HubSpot would give', async () => {
    const id = seeded[0].split(' ')[0];
    for (const status of [500, 502, 503, 504, 429]) {
      await emu.control('POST', '/_ferry/faults', { operation: 'getById', times: 1, action: { status } });
      await assert.rejects(files.getById(id), isApiError(status));
    }
    await emu.control('POST', '/_ferry/faults', { operation: 'getById', times: 1, action: { status: 429 } });
    const err = await files.getById(id).catch((e) => e);
    assert.equal(err.body.policyName, 'TEN_SECONDLY_ROLLING');
    assert.equal(err.body.errorType, 'RATE_LIMIT');

    await emu.control('POST', '/_ferry/faults', { operation: 'getById', times: 1, action: { close: true } });
    await assert.rejects(files.getById(id), (e) => !('code' in e && typeof e.code === 'number'), 'a dropped connection is a network error, not an HTTP one');
    await emu.control('POST', '/_ferry/faults', { operation: 'getById', times: 1, action: { truncate: true } });
    await assert.rejects(files.getById(id), 'a truncated body fails');

    await emu.control('POST', '/_ferry/faults', { operation: 'getById', times: 1, action: { latencyMs: 400 } });
    const start = Date.now();
    assert.equal((await files.getById(id)).id, id);
    assert.ok(Date.now() - start >= 400, 'latency delays the answer');

    // The SDK's own retry recovers from a one-time 503 and a secondly 429.
    const retrying = emu.client({ numberOfApiCallRetries: 3 }).files.filesApi;
    await emu.control('POST', '/_ferry/faults', { operation: 'getById', times: 1, action: { status: 503 } });
    assert.equal((await retrying.getById(id)).id, id);
    await emu.control('POST', '/_ferry/faults', { operation: 'getById', times: 1, action: { status: 429, policyName: 'SECONDLY' } });
    assert.equal((await retrying.getById(id)).id, id);
  });

  test('a held import is PENDING until released, then completes', async () => {
    const origin = await startOrigin('imported');
    try {
      await emu.control('POST', '/_ferry/faults', { times: 1, action: { hold: 'PENDING' } });
      const task = await files.importFromUrl({ url: origin.url, access: 'PRIVATE', folderPath: '/imports' });
      await sleep(500);
      assert.equal((await files.checkImport(task.id)).status, 'PENDING');
      await emu.control('POST', `/_ferry/tasks/${task.id}/release`);
      let status;
      for (let i = 0; i < 200 && status !== 'COMPLETE'; i++) {
        status = (await files.checkImport(task.id)).status;
        await sleep(100);
      }
      assert.equal(status, 'COMPLETE');

      await emu.control('POST', '/_ferry/faults', { times: 1, action: { cancel: { category: 'FETCH_FAILED', message: 'Origin down.' } } });
      const doomed = await files.importFromUrl({ url: origin.url, access: 'PRIVATE', folderPath: '/imports' });
      let res;
      for (let i = 0; i < 200; i++) {
        res = await files.checkImport(doomed.id);
        if (res.status === 'CANCELED') break;
        await sleep(100);
      }
      assert.equal(res.status, 'CANCELED');
      assert.equal(res.errors[0].message, 'Origin down.');
    } finally {
      origin.close();
    }
  });

  test('the clock expires a ttl file and a signed URL', async () => {
    const f = await files.upload({ data: Buffer.from('brief'), name: 'brief.txt' }, undefined, '/ttl', undefined, undefined,
      opts({ access: 'PRIVATE', ttl: 'P1D' }));
    const signed = await files.getSignedUrl(f.id, undefined, 3600);
    assert.equal((await fetch(signed.url)).status, 200);
    await emu.control('POST', '/_ferry/clock', { advance: 'PT25H' });
    assert.equal((await fetch(signed.url)).status, 404, 'the signed URL has expired');
    // The expiry job runs right after the jump and deletes the file.
    let err;
    for (let i = 0; i < 100 && err?.code !== 404; i++) {
      err = await files.getById(f.id).then(() => null, (e) => e);
      await sleep(100);
    }
    assert.ok(isApiError(404)(err));
  });

  test('the journal shows what the SDK sent in a multipart upload', async () => {
    await emu.control('DELETE', '/_ferry/requests');
    const data = Buffer.from('journal me');
    await files.upload({ data, name: 'j.txt' }, undefined, '/journal', undefined, undefined,
      opts({ access: 'PUBLIC_NOT_INDEXABLE', duplicateValidationStrategy: 'NONE' }));
    const { results } = await emu.control('GET', '/_ferry/requests?operation=upload&limit=1');
    const parts = Object.fromEntries(results[0].multipart.map((p) => [p.name, p]));
    assert.equal(parts.file.fileName, 'j.txt');
    assert.equal(parts.file.size, data.length);
    assert.equal(parts.folderPath.value, '/journal');
    assert.equal(JSON.parse(parts.options.value).duplicateValidationStrategy, 'NONE');
    assert.equal(results[0].headers.Authorization[0], 'REDACTED');
  });
});

describe('Ferry rate limits through the official Node SDK', { skip: SKIP }, () => {
  let emu;
  before(async () => {
    emu = await startEmulator(['--rate-limit', '2/10s']);
  });
  after(async () => emu?.stop());

  test('headers, the 429 body, and the SDK retrying its way through', { timeout: 60_000 }, async () => {
    const res = await fetch(`${emu.url}/files/v3/files/search`, { headers: { Authorization: `Bearer ${emu.token}` } });
    assert.equal(res.headers.get('x-hubspot-ratelimit-max'), '2');
    assert.equal(res.headers.get('x-hubspot-ratelimit-remaining'), '1');
    assert.equal(res.headers.get('x-hubspot-ratelimit-interval-milliseconds'), '10000');
    const plain = emu.client().files.filesApi;
    await plain.doSearch();
    const err = await plain.doSearch().catch((e) => e);
    assert.equal(err.code, 429);
    assert.equal(err.body.policyName, 'TEN_SECONDLY_ROLLING');
    assert.equal(err.body.message, 'You have reached your ten_secondly_rolling limit.');
    // HubSpot's SDK waits ten seconds on TEN_SECONDLY_ROLLING and tries again.
    const retrying = emu.client({ numberOfApiCallRetries: 2 }).files.filesApi;
    const page = await retrying.doSearch();
    assert.ok(Array.isArray(page.results));
  });
});
