// Import from URL through HubSpot's official Node SDK (@hubspot/api-client),
// unchanged, against Ferry. See ../README.md for how to run it.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { FileActionResponse } from '@hubspot/api-client/lib/codegen/files/models/FileActionResponse.js';
import { ImportFromUrlTaskLocator } from '@hubspot/api-client/lib/codegen/files/models/ImportFromUrlTaskLocator.js';

import {
  ApiException,
  TASK_STATUSES,
  describeFerry,
  fetchBytes,
  ferryTarget,
  makePng,
  md5hex,
  pollTask,
  sdkClient,
  startOrigin,
} from './helpers.mjs';

const target = ferryTarget();
const FOLDER = '/sdk-imports';
const TASK_TIMEOUT_MS = 30_000;
const STATUS_PATH = /\/files\/v3\/files\/import-from-url\/async\/tasks\/([^/]+)\/status$/;

const PNG = makePng(3, 2);
const TEXT = Buffer.from('Hello from the Ferry SDK suite.\nSecond line: ünïcödé.\n', 'utf8');

/** Asserts that err is the SDK's ApiException with this HTTP code and error category. */
function assertApiError(err, code, category) {
  assert.ok(err instanceof ApiException, `expected the SDK's ApiException, got ${err?.constructor?.name}: ${err?.message}`);
  assert.equal(err.code, code, `HTTP code (body: ${JSON.stringify(err.body)})`);
  assert.equal(typeof err.body, 'object', `error body should be parsed JSON, got ${JSON.stringify(err.body)}`);
  assert.ok(err.body !== null, 'error body is null');
  assert.equal(err.body.category, category, `body.category (body: ${JSON.stringify(err.body)})`);
  assert.equal(typeof err.body.message, 'string', 'body.message');
  assert.equal(typeof err.body.correlationId, 'string', `body.correlationId (body: ${JSON.stringify(err.body)})`);
  assert.ok(err.body.correlationId.length > 0, 'body.correlationId is empty');
  return true;
}

function assertDate(value, name) {
  assert.ok(value instanceof Date, `${name} should be a Date, got ${typeof value} ${JSON.stringify(value)}`);
  assert.ok(!Number.isNaN(value.getTime()), `${name} is an invalid Date`);
}

describeFerry('import from URL with @hubspot/api-client', target, () => {
  let server; // Ferry handle from helpers
  let origin; // the local "internet"
  let client; // official SDK client
  let files; // client.files.filesApi

  // Shared between the ordered tests below.
  let locator; // ImportFromUrlTaskLocator of the PNG import
  let pngResult; // FileActionResponse.result of the PNG import

  before(async () => {
    server = await target.start();
    origin = await startOrigin({
      '/img/pixel.png': { body: PNG, type: 'image/png' },
      '/docs/hello.txt': { body: TEXT, type: 'text/plain; charset=utf-8' },
    });
    client = sdkClient(server);
    files = client.files.filesApi;
  });

  after(async (t) => {
    await origin?.close();
    const end = await server?.stop();
    if (end && (end.code !== 0 || end.killedAfterTimeout)) {
      // Not a test failure, but worth knowing: Ferry should exit 0 on SIGTERM.
      t.diagnostic?.(`ferry ended with ${JSON.stringify(end)} after SIGTERM`);
      console.error(`note: ferry ended with ${JSON.stringify(end)} after SIGTERM`);
    }
  });

  test('importFromUrl answers 202 with a task locator (id + links.status)', async () => {
    locator = await files.importFromUrl({
      url: origin.url('/img/pixel.png'),
      access: 'PUBLIC_NOT_INDEXABLE',
      folderPath: FOLDER,
      name: 'pixel',
      duplicateValidationStrategy: 'NONE',
      duplicateValidationScope: 'EXACT_FOLDER',
      overwrite: false,
    });
    assert.ok(locator instanceof ImportFromUrlTaskLocator, 'typed ImportFromUrlTaskLocator');
    assert.equal(typeof locator.id, 'string');
    assert.ok(locator.id.length > 0, 'task id is empty');
    assert.equal(typeof locator.links, 'object', 'links must be an object (map), not missing');
    assert.ok(!Array.isArray(locator.links), 'links must be a map, not an array');
    assert.equal(typeof locator.links.status, 'string', 'links.status');
    assert.match(locator.links.status, /^https?:\/\//, 'links.status must be an absolute URL');
    const m = new URL(locator.links.status).pathname.match(STATUS_PATH);
    assert.ok(m, `links.status path should be .../import-from-url/async/tasks/{id}/status, got ${locator.links.status}`);
    assert.equal(decodeURIComponent(m[1]), locator.id, 'links.status names the task id');
  });

  test('checkImport reaches COMPLETE with a typed FileActionResponse', { timeout: TASK_TIMEOUT_MS + 10_000 }, async () => {
    assert.ok(locator, 'no task id: the importFromUrl test failed');
    const { res, seen } = await pollTask(() => files.checkImport(locator.id), { timeoutMs: TASK_TIMEOUT_MS });
    for (const s of seen) assert.ok(TASK_STATUSES.includes(s), `status ${JSON.stringify(s)} is not one of ${TASK_STATUSES}`);

    assert.ok(res instanceof FileActionResponse, 'typed FileActionResponse');
    assert.equal(res.status, 'COMPLETE', `import ended ${res.status}; errors: ${JSON.stringify(res.errors)}`);
    assert.equal(res.taskId, locator.id, 'taskId echoes the task id');
    assertDate(res.startedAt, 'startedAt');
    assertDate(res.completedAt, 'completedAt');
    assert.ok(res.completedAt.getTime() >= res.startedAt.getTime(), 'completedAt >= startedAt');
    if (res.requestedAt !== undefined) {
      assertDate(res.requestedAt, 'requestedAt');
      assert.ok(res.requestedAt.getTime() <= res.startedAt.getTime(), 'requestedAt <= startedAt');
    }
    assert.ok(!res.numErrors, `numErrors should be 0 or absent on COMPLETE, got ${res.numErrors}`);

    const r = res.result;
    assert.equal(typeof r, 'object', 'result is present on COMPLETE');
    assert.ok(r !== null, 'result is null on COMPLETE');
    pngResult = r;
    assert.equal(typeof r.id, 'string', 'result.id is a string');
    assert.match(r.id, /^\d+$/, 'result.id holds a decimal integer');
    assert.equal(r.size, PNG.length, 'result.size is the byte count');
    assert.equal(r.width, 3, 'result.width');
    assert.equal(r.height, 2, 'result.height');
    assert.equal(r.extension, 'png', 'result.extension (no dot)');
    assert.equal(r.type, 'IMG', 'result.type');
    assert.equal(r.fileMd5, md5hex(PNG), 'result.fileMd5 is the md5 of the served bytes');
    assert.equal(r.access, 'PUBLIC_NOT_INDEXABLE', 'result.access');
    assert.equal(r.archived, false, 'result.archived');
    assert.match(String(r.url), /^https?:\/\//, `result.url must be absolute, got ${r.url}`);
    if (server.fresh) {
      assert.equal(r.name, 'pixel', 'result.name (no extension)');
      assert.equal(r.path, `${FOLDER}/pixel.png`, 'result.path is the full path');
    } else {
      assert.match(String(r.name), /^pixel/, 'result.name');
      assert.ok(String(r.path).startsWith(`${FOLDER}/pixel`), `result.path under ${FOLDER}, got ${r.path}`);
    }
    assert.ok(origin.requestsFor('/img/pixel.png').length >= 1, 'Ferry fetched the origin URL');
  });

  test('the links.status URL itself answers the task status', async () => {
    assert.ok(locator && pngResult, 'needs the completed PNG import');
    const res = await fetch(locator.links.status, { headers: { authorization: `Bearer ${server.token}` } });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    const body = await res.json();
    assert.equal(body.taskId, locator.id);
    assert.equal(body.status, 'COMPLETE');
  });

  test('getById returns the same file', async () => {
    assert.ok(pngResult, 'needs the completed PNG import');
    const file = await files.getById(pngResult.id);
    for (const k of ['id', 'name', 'path', 'size', 'width', 'height', 'extension', 'type', 'fileMd5', 'url', 'access', 'parentFolderId', 'createdAt']) {
      assert.deepEqual(file[k], pngResult[k], `getById().${k} matches checkImport().result.${k}`);
    }
  });

  test('result.url serves exactly the imported bytes as image/png', async () => {
    assert.ok(pngResult, 'needs the completed PNG import');
    const got = await fetchBytes(pngResult.url);
    assert.equal(got.status, 200, `GET ${pngResult.url}`);
    assert.match(got.headers.get('content-type') ?? '', /^image\/png\b/, 'content-type');
    assert.ok(got.body.equals(PNG), `served ${got.body.length} bytes differ from the ${PNG.length} origin bytes`);
  });

  test('a PUBLIC_NOT_INDEXABLE file is served with X-Robots-Tag: noindex', async () => {
    assert.ok(pngResult, 'needs the completed PNG import');
    const got = await fetchBytes(pngResult.url);
    assert.equal(got.status, 200);
    assert.match(got.headers.get('x-robots-tag') ?? '', /noindex/i, 'X-Robots-Tag header');
  });

  test('a text file imports too, and round-trips byte for byte', { timeout: TASK_TIMEOUT_MS + 10_000 }, async () => {
    const loc = await files.importFromUrl({
      url: origin.url('/docs/hello.txt'),
      access: 'PUBLIC_NOT_INDEXABLE',
      folderPath: FOLDER,
      name: 'hello',
      duplicateValidationStrategy: 'NONE',
      duplicateValidationScope: 'EXACT_FOLDER',
      overwrite: false,
    });
    const { res } = await pollTask(() => files.checkImport(loc.id), { timeoutMs: TASK_TIMEOUT_MS });
    assert.equal(res.status, 'COMPLETE', `import ended ${res.status}; errors: ${JSON.stringify(res.errors)}`);
    const r = res.result;
    assert.equal(r.extension, 'txt');
    assert.equal(r.size, TEXT.length);
    assert.equal(r.fileMd5, md5hex(TEXT));
    assert.ok(['IMG', 'DOCUMENT', 'AUDIO', 'MOVIE', 'OTHER'].includes(r.type), `type ${r.type} is in HubSpot's enum`);
    assert.equal(r.width, undefined, 'a text file has no width');
    const got = await fetchBytes(r.url);
    assert.equal(got.status, 200);
    assert.match(got.headers.get('content-type') ?? '', /^text\/plain\b/);
    assert.ok(got.body.equals(TEXT), 'served bytes equal the origin bytes');
  });

  test('a URL that 404s at the origin ends CANCELED with errors', { timeout: TASK_TIMEOUT_MS + 10_000 }, async () => {
    const loc = await files.importFromUrl({
      url: origin.url('/img/missing.png'),
      access: 'PUBLIC_NOT_INDEXABLE',
      folderPath: FOLDER,
      name: 'missing',
      duplicateValidationStrategy: 'NONE',
      duplicateValidationScope: 'EXACT_FOLDER',
      overwrite: false,
    });
    assert.ok(loc.id, 'the POST is accepted (the failure is reported by the task)');
    const { res, seen } = await pollTask(() => files.checkImport(loc.id), { timeoutMs: TASK_TIMEOUT_MS });
    for (const s of seen) assert.ok(TASK_STATUSES.includes(s), `status ${JSON.stringify(s)} is not one of ${TASK_STATUSES}`);
    assert.equal(res.status, 'CANCELED', `expected CANCELED, got ${res.status}`);
    assertDate(res.startedAt, 'startedAt');
    assertDate(res.completedAt, 'completedAt');
    assert.ok(res.numErrors >= 1, `numErrors >= 1, got ${res.numErrors}`);
    assert.ok(Array.isArray(res.errors) && res.errors.length >= 1, `errors[] is non-empty, got ${JSON.stringify(res.errors)}`);
    assert.equal(typeof res.errors[0].category, 'string', 'errors[0].category');
    assert.ok(res.errors[0].category.length > 0, 'errors[0].category is empty');
    assert.equal(typeof res.errors[0].message, 'string', 'errors[0].message');
    assert.ok(res.result == null, 'no result on CANCELED');
    assert.ok(origin.requestsFor('/img/missing.png').length >= 1, 'Ferry did try the origin URL');
  });

  test('checkImport of an unknown task id rejects with ApiException 404 OBJECT_NOT_FOUND', async () => {
    await assert.rejects(files.checkImport('does-not-exist'), (err) => assertApiError(err, 404, 'OBJECT_NOT_FOUND'));
  });

  test('error responses carry X-HubSpot-Correlation-Id equal to body.correlationId', async () => {
    const err = await files.checkImport('does-not-exist').then(
      () => assert.fail('expected a rejection'),
      (e) => e,
    );
    assertApiError(err, 404, 'OBJECT_NOT_FOUND');
    assert.equal(err.headers?.['x-hubspot-correlation-id'], err.body.correlationId);
  });

  test('a bad token gets ApiException 401 INVALID_AUTHENTICATION', async () => {
    const bad = sdkClient(server, { token: 'not-a-valid-token' }).files.filesApi;
    await assert.rejects(bad.checkImport(locator?.id ?? 'does-not-exist'), (err) =>
      assertApiError(err, 401, 'INVALID_AUTHENTICATION'),
    );
    await assert.rejects(
      bad.importFromUrl({ url: origin.url('/img/pixel.png'), access: 'PRIVATE', folderPath: FOLDER }),
      (err) => assertApiError(err, 401, 'INVALID_AUTHENTICATION'),
    );
  });

  test('trap: a basePath with a trailing slash still works for importFromUrl + checkImport', { timeout: TASK_TIMEOUT_MS + 10_000 }, async (t) => {
    // The SDK concatenates strings, so this client requests //files/v3/...
    const slashed = sdkClient(server, { basePath: `${server.baseUrl}/` }).files.filesApi;
    const loc = await slashed.importFromUrl({
      url: origin.url('/img/pixel.png'),
      access: 'PUBLIC_NOT_INDEXABLE',
      folderPath: FOLDER,
      name: 'pixel-slash',
      duplicateValidationStrategy: 'NONE',
      duplicateValidationScope: 'EXACT_FOLDER',
      overwrite: false,
    });
    assert.ok(loc.id, 'task id');
    const { res } = await pollTask(() => slashed.checkImport(loc.id), { timeoutMs: TASK_TIMEOUT_MS });
    assert.equal(res.status, 'COMPLETE', `import ended ${res.status}; errors: ${JSON.stringify(res.errors)}`);
    assert.equal(res.result?.fileMd5, md5hex(PNG));

    // fetch() follows a redirect silently; the SDK's multipart path (Node http) does not.
    const raw = await fetch(`${server.baseUrl}//files/v3/files/import-from-url/async/tasks/${encodeURIComponent(loc.id)}/status`, {
      headers: { authorization: `Bearer ${server.token}` },
      redirect: 'manual',
    });
    await raw.arrayBuffer();
    if (raw.status >= 300 && raw.status < 400) {
      const note = `//files/... is answered with a ${raw.status} redirect (to ${raw.headers.get('location')}); fetch follows it, but SDK uploads (Node http) will not`;
      t.diagnostic(note);
      console.error(`note: ${note}`);
    }
  });

  test('trap: task ids the SDK percent-encodes give a clean 404, not a crash', async () => {
    for (const id of ['a/b c', 'a+b?c#d', '%zz', 'ünï', 'x'.repeat(300)]) {
      await assert.rejects(files.checkImport(id), (err) => {
        assertApiError(err, 404, 'OBJECT_NOT_FOUND');
        return true;
      }, `checkImport(${JSON.stringify(id)})`);
    }
    const health = await fetch(`${server.baseUrl}/healthz`);
    await health.arrayBuffer();
    assert.equal(health.status, 200, 'server still healthy afterwards');
  });
});
