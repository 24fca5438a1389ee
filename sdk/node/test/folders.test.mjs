// Every method of client.files.foldersApi, through HubSpot's official Node
// SDK (@hubspot/api-client), unchanged, against Ferry. See ../README.md.
//
// The tests share one server and run in order; later tests use folders that
// earlier ones created, and each names what it needs.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { FoldersApiRequestFactory } from '@hubspot/api-client/lib/codegen/files/apis/FoldersApi.js';
import { CollectionResponseFolder } from '@hubspot/api-client/lib/codegen/files/models/CollectionResponseFolder.js';
import { Folder } from '@hubspot/api-client/lib/codegen/files/models/Folder.js';
import { FolderActionResponse } from '@hubspot/api-client/lib/codegen/files/models/FolderActionResponse.js';
import { FolderUpdateTaskLocator } from '@hubspot/api-client/lib/codegen/files/models/FolderUpdateTaskLocator.js';

import {
  FOLDER_SEARCH_PARAMS,
  TASK_STATUSES,
  assertApiError,
  assertDate,
  collectPages,
  createToken,
  describeFerry,
  fetchBytes,
  ferryTarget,
  makePng,
  pollTask,
  rejection,
  sdkClient,
  sdkParamNames,
  searchArgs,
  uniq,
} from './helpers.mjs';

const target = ferryTarget();

// A fresh root per run, so that the exact-path checks also hold on a shared server.
const ROOT_NAME = `sdk-folders-${uniq()}`;
const ROOT = `/${ROOT_NAME}`;
const TASK_TIMEOUT_MS = 30_000;
const STATUS_PATH = /\/files\/v3\/folders\/update\/async\/tasks\/([^/]+)\/status$/;

/** Asserts a typed Folder and, optionally, its path and parent. */
function assertFolder(f, { path, parentFolderId, name } = {}) {
  assert.ok(f instanceof Folder, `a typed Folder, got ${f?.constructor?.name}: ${JSON.stringify(f)}`);
  assert.equal(typeof f.id, 'string', 'id is a string');
  assert.match(f.id, /^\d+$/, 'id holds a decimal integer');
  assertDate(f.createdAt, 'createdAt');
  assertDate(f.updatedAt, 'updatedAt');
  assert.equal(typeof f.archived, 'boolean', 'archived');
  assert.equal(typeof f.path, 'string', 'path');
  assert.ok(f.path.startsWith('/'), `path starts with /, got ${f.path}`);
  assert.equal(f.path.split('/').pop(), f.name, 'the path ends with the name');
  if (f.parentFolderId !== undefined) assert.match(f.parentFolderId, /^\d+$/, 'parentFolderId is a decimal string');
  if (path !== undefined) assert.equal(f.path, path, 'path');
  if (parentFolderId !== undefined) assert.equal(f.parentFolderId, parentFolderId, 'parentFolderId');
  if (name !== undefined) assert.equal(f.name, name, 'name');
}

const options = (o) => JSON.stringify(o);

describeFerry('folders with @hubspot/api-client', target, () => {
  let server;
  let client;
  let folders; // client.files.foldersApi
  let files; // client.files.filesApi

  // Shared between the ordered tests below.
  let root; // Folder ROOT
  let alpha; // Folder ROOT/alpha (later renamed and moved)
  let beta; // Folder ROOT/beta
  let docs; // Folder ROOT/alpha/my docs
  let inDocs; // File in docs

  before(async () => {
    server = await target.start();
    client = sdkClient(server);
    folders = client.files.foldersApi;
    files = client.files.filesApi;
  });

  after(async () => {
    const end = await server?.stop();
    if (end && (end.code !== 0 || end.killedAfterTimeout)) console.error(`note: ferry ended with ${JSON.stringify(end)} after SIGTERM`);
  });

  /** Asserts that a file's path and hosting url follow its folder. */
  async function assertFileAt(fileId, path) {
    const f = await files.getById(fileId);
    assert.equal(f.path, path, `file ${fileId} path`);
    assert.ok(decodeURIComponent(new URL(f.url).pathname).endsWith(path), `url ${f.url} follows the path`);
    const got = await fetchBytes(f.url);
    assert.equal(got.status, 200, `GET ${f.url}`);
    return f;
  }

  describe('create', () => {
    test('create({name}) makes a folder at the root and answers 201 with Location', async () => {
      const info = await folders.createWithHttpInfo({ name: ROOT_NAME });
      assert.equal(info.httpStatusCode, 201);
      root = info.data;
      assertFolder(root, { path: ROOT, name: ROOT_NAME });
      assert.equal(root.archived, false);
      assert.equal(root.archivedAt, undefined);
      const loc = info.headers.location;
      assert.ok(loc, `Location header, got ${JSON.stringify(info.headers)}`);
      assert.ok(new URL(loc, server.baseUrl).pathname.endsWith(`/files/v3/folders/${root.id}`), `Location names the folder, got ${loc}`);
    });

    test('create({name, parentPath})', async () => {
      assert.ok(root, 'needs the root folder');
      alpha = await folders.create({ name: 'alpha', parentPath: ROOT });
      assertFolder(alpha, { path: `${ROOT}/alpha`, parentFolderId: root.id, name: 'alpha' });
    });

    test('create({name, parentFolderId})', async () => {
      assert.ok(root, 'needs the root folder');
      beta = await folders.create({ name: 'beta', parentFolderId: root.id });
      assertFolder(beta, { path: `${ROOT}/beta`, parentFolderId: root.id, name: 'beta' });
      assert.notEqual(beta.id, alpha?.id);
    });

    test('a name with a space, and a file inside it', async () => {
      assert.ok(alpha, 'needs alpha');
      docs = await folders.create({ name: 'my docs', parentFolderId: alpha.id });
      assertFolder(docs, { path: `${ROOT}/alpha/my docs`, parentFolderId: alpha.id });
      inDocs = await files.upload({ data: makePng(7, 7, 7), name: 'scan.png' }, docs.id, undefined, undefined, undefined,
        options({ access: 'PUBLIC_NOT_INDEXABLE' }));
      assert.equal(inDocs.path, `${ROOT}/alpha/my docs/scan.png`);
      assert.equal(inDocs.parentFolderId, docs.id);
    });

    test('creating the same folder again rejects with ApiException 409', async () => {
      assert.ok(alpha, 'needs alpha');
      const err = await rejection(folders.create({ name: 'alpha', parentPath: ROOT }));
      assertApiError(err, 409);
      const again = await folders.getByPath(`${ROOT}/alpha`);
      assert.equal(again.id, alpha.id, 'the existing folder is untouched');
    });

    test('a parent that does not exist, or no name, rejects with 400 VALIDATION_ERROR', async () => {
      await assert.rejects(folders.create({ name: 'x', parentPath: `${ROOT}/nowhere` }), (err) => assertApiError(err, 400, 'VALIDATION_ERROR'));
      await assert.rejects(folders.create({ name: 'x', parentFolderId: '999999999999' }), (err) => assertApiError(err, 400, 'VALIDATION_ERROR'));
      const err = await rejection(folders.create({ parentPath: ROOT }));
      assertApiError(err, 400, 'VALIDATION_ERROR');
      assert.ok(err.body.errors?.some((e) => e.in === 'name'), `errors[].in names name: ${JSON.stringify(err.body.errors)}`);
    });
  });

  describe('getById and getByPath', () => {
    test('getById answers the typed Folder', async () => {
      assert.ok(alpha, 'needs alpha');
      const f = await folders.getById(alpha.id);
      assertFolder(f, { path: alpha.path, parentFolderId: root.id, name: 'alpha' });
      assert.equal(f.id, alpha.id);
      assert.equal(f.createdAt.getTime(), alpha.createdAt.getTime());
    });

    test("getById(id, ['name']) returns the name and the required properties only", async () => {
      assert.ok(alpha, 'needs alpha');
      const f = await folders.getByIdWithHttpInfo(alpha.id, ['name']);
      assert.equal(f.data.name, 'alpha');
      assert.equal(f.data.id, alpha.id);
      const raw = JSON.parse(await f.body.text());
      const extra = Object.keys(raw).filter((k) => !['name', 'id', 'createdAt', 'updatedAt', 'archived'].includes(k));
      assert.deepEqual(extra, [], `unrequested properties returned: ${extra.join(', ')}`);
    });

    test("getByPath('/a/b') answers the same folder (the SDK sends %2Fa%2Fb)", async () => {
      assert.ok(alpha && docs, 'needs alpha and docs');
      const a = await folders.getByPath(`${ROOT}/alpha`);
      assertFolder(a, { path: `${ROOT}/alpha` });
      assert.equal(a.id, alpha.id);
      const d = await folders.getByPath(`${ROOT}/alpha/my docs`);
      assert.equal(d.id, docs.id, 'a path with a space');
      const noSlash = await folders.getByPath(`${ROOT_NAME}/alpha`);
      assert.equal(noSlash.id, alpha.id, 'a path without the leading slash names the same folder');
    });

    test('unknown id, path, or a numeric-looking name that is not an id: 404 OBJECT_NOT_FOUND', async () => {
      await assert.rejects(folders.getById('999999999999'), (err) => assertApiError(err, 404, 'OBJECT_NOT_FOUND'));
      await assert.rejects(folders.getByPath(`${ROOT}/alpha/nope`), (err) => assertApiError(err, 404, 'OBJECT_NOT_FOUND'));
    });
  });

  describe('updateProperties (sync PATCH)', () => {
    test('rename: the folder path changes and the files below move with it', async () => {
      assert.ok(alpha && inDocs, 'needs alpha and its file');
      const info = await folders.updatePropertiesWithHttpInfo(alpha.id, { name: 'alpha2' });
      assert.equal(info.httpStatusCode, 200);
      const f = info.data;
      assertFolder(f, { path: `${ROOT}/alpha2`, parentFolderId: root.id, name: 'alpha2' });
      assert.equal(f.id, alpha.id, 'same id');
      assert.ok(f.updatedAt.getTime() >= alpha.updatedAt.getTime(), 'updatedAt moves forward');
      assert.equal((await folders.getById(docs.id)).path, `${ROOT}/alpha2/my docs`, 'the subfolder moved');
      await assertFileAt(inDocs.id, `${ROOT}/alpha2/my docs/scan.png`);
      assert.equal((await fetchBytes(inDocs.url)).status, 404, 'the old url no longer serves');
      alpha = f;
    });

    test('move by parentFolderId (a number, as FolderUpdateInput types it)', async () => {
      assert.ok(alpha && beta, 'needs alpha and beta');
      const f = await folders.updateProperties(alpha.id, { parentFolderId: Number(beta.id) });
      assertFolder(f, { path: `${ROOT}/beta/alpha2`, parentFolderId: beta.id });
      await assertFileAt(inDocs.id, `${ROOT}/beta/alpha2/my docs/scan.png`);
      alpha = f;
    });

    test('rename and move at once', async () => {
      assert.ok(alpha && root, 'needs alpha');
      const f = await folders.updateProperties(alpha.id, { name: 'alpha', parentFolderId: Number(root.id) });
      assertFolder(f, { path: `${ROOT}/alpha`, parentFolderId: root.id, name: 'alpha' });
      await assertFileAt(inDocs.id, `${ROOT}/alpha/my docs/scan.png`);
      alpha = f;
    });

    test('moving a folder into its own subtree rejects with 400, and nothing moves', async () => {
      assert.ok(alpha && docs, 'needs alpha and docs');
      await assert.rejects(folders.updateProperties(alpha.id, { parentFolderId: Number(docs.id) }), (err) => assertApiError(err, 400, 'VALIDATION_ERROR'));
      await assert.rejects(folders.updateProperties(alpha.id, { parentFolderId: Number(alpha.id) }), (err) => assertApiError(err, 400, 'VALIDATION_ERROR'));
      assert.equal((await folders.getById(alpha.id)).path, `${ROOT}/alpha`);
    });

    test('unknown folder: 404', async () => {
      await assert.rejects(folders.updateProperties('999999999999', { name: 'x' }), (err) => assertApiError(err, 404, 'OBJECT_NOT_FOUND'));
    });
  });

  describe('updatePropertiesRecursively + checkUpdateStatus', () => {
    let locator;

    test('updatePropertiesRecursively answers 202 with a typed FolderUpdateTaskLocator', async () => {
      assert.ok(alpha && beta, 'needs alpha and beta');
      const info = await folders.updatePropertiesRecursivelyWithHttpInfo({ id: alpha.id, name: 'gamma', parentFolderId: Number(beta.id) });
      assert.equal(info.httpStatusCode, 202);
      locator = info.data;
      assert.ok(locator instanceof FolderUpdateTaskLocator, 'typed FolderUpdateTaskLocator');
      assert.equal(typeof locator.id, 'string');
      assert.ok(locator.id.length > 0, 'task id');
      assert.equal(typeof locator.links, 'object', 'links is a map');
      assert.match(String(locator.links.status), /^https?:\/\//, 'links.status is absolute');
      const m = new URL(locator.links.status).pathname.match(STATUS_PATH);
      assert.ok(m, `links.status is .../folders/update/async/tasks/{id}/status, got ${locator.links.status}`);
      assert.equal(decodeURIComponent(m[1]), locator.id);
    });

    test('checkUpdateStatus reaches COMPLETE with a typed FolderActionResponse whose result is the Folder', { timeout: TASK_TIMEOUT_MS + 10_000 }, async () => {
      assert.ok(locator, 'needs the task');
      const { res, seen } = await pollTask(() => folders.checkUpdateStatus(locator.id), { timeoutMs: TASK_TIMEOUT_MS });
      for (const s of seen) assert.ok(TASK_STATUSES.includes(s), `status ${JSON.stringify(s)} is not one of ${TASK_STATUSES}`);
      assert.ok(res instanceof FolderActionResponse, 'typed FolderActionResponse');
      assert.equal(res.status, 'COMPLETE', `ended ${res.status}: ${JSON.stringify(res.errors)}`);
      assert.equal(res.taskId, locator.id);
      assertDate(res.startedAt, 'startedAt');
      assertDate(res.completedAt, 'completedAt');
      assert.ok(res.completedAt.getTime() >= res.startedAt.getTime(), 'completedAt >= startedAt');
      if (res.requestedAt !== undefined) assertDate(res.requestedAt, 'requestedAt');
      assert.ok(!res.numErrors, `numErrors is 0 or absent, got ${res.numErrors}`);
      assertFolder(res.result, { path: `${ROOT}/beta/gamma`, parentFolderId: beta.id, name: 'gamma' });
      assert.equal(res.result.id, alpha.id);
      assert.equal((await folders.getById(docs.id)).path, `${ROOT}/beta/gamma/my docs`, 'the subfolder moved');
      await assertFileAt(inDocs.id, `${ROOT}/beta/gamma/my docs/scan.png`);
      alpha = res.result;
    });

    test('the links.status URL answers the same status', async () => {
      assert.ok(locator, 'needs the task');
      const r = await fetch(locator.links.status, { headers: { authorization: `Bearer ${server.token}` } });
      assert.equal(r.status, 200);
      const body = await r.json();
      assert.equal(body.taskId, locator.id);
      assert.equal(body.status, 'COMPLETE');
    });

    test('name only, without parentFolderId', { timeout: TASK_TIMEOUT_MS + 10_000 }, async () => {
      assert.ok(alpha, 'needs alpha');
      const loc = await folders.updatePropertiesRecursively({ id: alpha.id, name: 'delta' });
      const { res } = await pollTask(() => folders.checkUpdateStatus(loc.id), { timeoutMs: TASK_TIMEOUT_MS });
      assert.equal(res.status, 'COMPLETE', JSON.stringify(res.errors));
      assertFolder(res.result, { path: `${ROOT}/beta/delta`, parentFolderId: beta.id });
      await assertFileAt(inDocs.id, `${ROOT}/beta/delta/my docs/scan.png`);
      alpha = res.result;
    });

    test('moving a folder into its own subtree rejects with ApiException 400, and nothing moves', async () => {
      assert.ok(alpha && docs, 'needs alpha and docs');
      const err = await rejection(folders.updatePropertiesRecursively({ id: alpha.id, parentFolderId: Number(docs.id) }));
      assertApiError(err, 400, 'VALIDATION_ERROR');
      const err2 = await rejection(folders.updatePropertiesRecursively({ id: alpha.id, parentFolderId: Number(alpha.id) }));
      assertApiError(err2, 400, 'VALIDATION_ERROR');
      assert.equal((await folders.getById(alpha.id)).path, `${ROOT}/beta/delta`, 'the folder stayed');
      assert.equal((await folders.getById(docs.id)).path, `${ROOT}/beta/delta/my docs`, 'the subfolder stayed');
      await assertFileAt(inDocs.id, `${ROOT}/beta/delta/my docs/scan.png`);
    });

    test('an unknown folder id rejects with 404, or with a CANCELED task; an unknown task id with 404', async () => {
      let loc;
      try {
        loc = await folders.updatePropertiesRecursively({ id: '999999999999', name: 'x' });
      } catch (err) {
        assertApiError(err, 404, 'OBJECT_NOT_FOUND');
      }
      if (loc) {
        const { res } = await pollTask(() => folders.checkUpdateStatus(loc.id), { timeoutMs: TASK_TIMEOUT_MS });
        assert.equal(res.status, 'CANCELED', 'an accepted task on an unknown folder must end CANCELED');
      }
      await assert.rejects(folders.checkUpdateStatus('does-not-exist'), (err) => assertApiError(err, 404, 'OBJECT_NOT_FOUND'));
      await assert.rejects(folders.checkUpdateStatus('a/b c'), (err) => assertApiError(err, 404, 'OBJECT_NOT_FOUND'), 'percent-encoded task id');
    });
  });

  describe('doSearch', () => {
    const N = 12;
    let many; // Folder ROOT/many
    let children = []; // child-00 .. child-11

    const search = (opts) => folders.doSearch(...searchArgs(FOLDER_SEARCH_PARAMS, opts));

    before(async () => {
      many = await folders.create({ name: 'many', parentPath: ROOT });
      for (let i = 0; i < N; i++) {
        children.push(await folders.create({ name: `child-${String(i).padStart(2, '0')}`, parentFolderId: many.id }));
      }
      const gone = await folders.create({ name: 'child-archived', parentFolderId: many.id });
      await folders.archive(gone.id);
    });

    test("searchArgs' parameter order is the SDK's own", () => {
      assert.deepEqual(sdkParamNames(FoldersApiRequestFactory.prototype.doSearch), FOLDER_SEARCH_PARAMS);
      assert.deepEqual(sdkParamNames(folders.doSearch), FOLDER_SEARCH_PARAMS, 'client.files.foldersApi.doSearch');
    });

    test('doSearch(properties, after, before, limit, sort, ids, ..., name, path, parentFolderIds) answers a typed CollectionResponseFolder', async () => {
      const res = await folders.doSearch(
        ['name', 'path'], undefined, undefined, 3, ['name'], undefined, undefined, undefined,
        undefined, undefined, undefined, undefined, undefined, undefined,
        'child', undefined, [Number(many.id)],
      );
      assert.ok(res instanceof CollectionResponseFolder, 'typed CollectionResponseFolder');
      assert.equal(res.results.length, 3);
      for (const f of res.results) assertFolder(f);
      assert.deepEqual(res.results.map((f) => f.name), ['child-00', 'child-01', 'child-02']);
      assert.equal(typeof res.paging?.next?.after, 'string', 'more follow: paging.next.after');
    });

    test('paging with limit 5 and sort -name visits every folder exactly once, in order', async () => {
      const { results, pages } = await collectPages((after) => search({ after, limit: 5, sort: ['-name'], parentFolderIds: [Number(many.id)] }));
      assert.equal(pages, 3, '12 folders in pages of 5');
      const ids = results.map((f) => f.id);
      assert.equal(new Set(ids).size, ids.length, 'no id twice');
      assert.deepEqual([...ids].sort(), children.map((f) => f.id).sort(), 'exactly the live children (the archived one is left out)');
      const names = results.map((f) => f.name);
      assert.deepEqual(names, [...names].sort().reverse(), 'descending by name');
      for (const f of results) assertFolder(f, { parentFolderId: many.id });
    });

    test('name (substring), path (exact), ids, createdAt range', async () => {
      const byName = await search({ name: 'CHILD-1', parentFolderIds: [Number(many.id)] });
      assert.deepEqual(byName.results.map((f) => f.name).sort(), ['child-10', 'child-11']);
      const byPath = await search({ path: `${ROOT}/many/child-03` });
      assert.deepEqual(byPath.results.map((f) => f.id), [children[3].id]);
      const byIds = await search({ ids: [Number(children[1].id), Number(children[7].id)] });
      assert.deepEqual(byIds.results.map((f) => f.id).sort(), [children[1].id, children[7].id].sort());
      const since = await search({ createdAtGte: children[0].createdAt, parentFolderIds: [Number(many.id)], limit: 100 });
      assert.equal(since.results.length, N, 'createdAtGte (a Date, sent as an ISO string)');
      const none = await search({ createdAtLte: new Date(children[0].createdAt.getTime() - 1), parentFolderIds: [Number(many.id)] });
      assert.deepEqual(none.results, [], 'createdAtLte before the first child');
    });
  });

  describe('archive and archiveByPath', () => {
    test('archive(id) answers 204 (void); the folder is gone and the files inside are archived', async () => {
      const box = await folders.create({ name: 'box', parentPath: ROOT });
      const sub = await folders.create({ name: 'sub', parentFolderId: box.id });
      const f = await files.upload({ data: makePng(5, 5, 5), name: 'in-box.png' }, sub.id, undefined, undefined, undefined,
        options({ access: 'PUBLIC_NOT_INDEXABLE' }));
      assert.equal((await fetchBytes(f.url)).status, 200, 'served before');
      const info = await folders.archiveWithHttpInfo(box.id);
      assert.equal(info.httpStatusCode, 204);
      assert.equal(info.data, undefined, 'void');
      await assert.rejects(folders.getById(box.id), (err) => assertApiError(err, 404, 'OBJECT_NOT_FOUND'));
      await assert.rejects(folders.getById(sub.id), (err) => assertApiError(err, 404, 'OBJECT_NOT_FOUND'), 'the subfolder too');
      await assert.rejects(folders.getByPath(`${ROOT}/box`), (err) => assertApiError(err, 404, 'OBJECT_NOT_FOUND'));
      const g = await files.getById(f.id);
      assert.equal(g.archived, true, 'the file inside is archived');
      assert.equal((await fetchBytes(f.url)).status, 404, 'and no longer served');
      const res = await folders.doSearch(...searchArgs(FOLDER_SEARCH_PARAMS, { ids: [Number(box.id), Number(sub.id)] }));
      assert.deepEqual(res.results, [], 'search leaves archived folders out');
    });

    test('archiveByPath(path) answers void; the folder is gone and the files inside are archived', async () => {
      const crate = await folders.create({ name: 'old crate', parentPath: ROOT });
      const f = await files.upload({ data: makePng(5, 5, 6), name: 'in-crate.png' }, crate.id, undefined, undefined, undefined,
        options({ access: 'PRIVATE' }));
      assert.equal(await folders.archiveByPath(`${ROOT}/old crate`), undefined, 'void');
      await assert.rejects(folders.getByPath(`${ROOT}/old crate`), (err) => assertApiError(err, 404, 'OBJECT_NOT_FOUND'));
      await assert.rejects(folders.getById(crate.id), (err) => assertApiError(err, 404, 'OBJECT_NOT_FOUND'));
      assert.equal((await files.getById(f.id)).archived, true, 'the file inside is archived');
      const again = await folders.create({ name: 'old crate', parentPath: ROOT });
      assert.notEqual(again.id, crate.id, 'the name is free again');
    });

    test('archive of an unknown folder, by id or by path, rejects with 404', async () => {
      await assert.rejects(folders.archive('999999999999'), (err) => assertApiError(err, 404, 'OBJECT_NOT_FOUND'));
      await assert.rejects(folders.archiveByPath(`${ROOT}/no such`), (err) => assertApiError(err, 404, 'OBJECT_NOT_FOUND'));
    });
  });

  describe('scopes', () => {
    test('files.read can read folders but not create them, and not poll update tasks (they need a write scope)', async (t) => {
      const token = await createToken(server, ['files.read']);
      if (!token) {
        t.skip('needs a spawned server (FERRY_BIN) to create a token');
        return;
      }
      assert.ok(root, 'needs the root folder');
      const ro = sdkClient(server, { token }).files.foldersApi;
      assert.equal((await ro.getById(root.id)).id, root.id, 'files.read can read');
      await assert.rejects(ro.create({ name: 'x', parentPath: ROOT }), (err) => assertApiError(err, 403, 'MISSING_SCOPES'));
      await assert.rejects(ro.archive(root.id), (err) => assertApiError(err, 403, 'MISSING_SCOPES'));
      const loc = await folders.updatePropertiesRecursively({ id: root.id, name: ROOT_NAME });
      await assert.rejects(ro.checkUpdateStatus(loc.id), (err) => assertApiError(err, 403, 'MISSING_SCOPES'), 'checkUpdateStatus needs write');
      await pollTask(() => folders.checkUpdateStatus(loc.id));
    });
  });
});
