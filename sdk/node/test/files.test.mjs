// Every method of client.files.filesApi except importFromUrl/checkImport
// (see import.test.mjs), through HubSpot's official Node SDK
// (@hubspot/api-client), unchanged, against Ferry. See ../README.md.
//
// The tests share one server and run in order; later tests use files that
// earlier ones uploaded, and each names what it needs.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { FilesApiRequestFactory } from '@hubspot/api-client/lib/codegen/files/apis/FilesApi.js';
import { CollectionResponseFile } from '@hubspot/api-client/lib/codegen/files/models/CollectionResponseFile.js';
import { FileStat } from '@hubspot/api-client/lib/codegen/files/models/FileStat.js';
import { Folder } from '@hubspot/api-client/lib/codegen/files/models/Folder.js';
import { SignedUrl } from '@hubspot/api-client/lib/codegen/files/models/SignedUrl.js';

import {
  FILE_SEARCH_PARAMS,
  assertApiError,
  assertDate,
  collectPages,
  createToken,
  describeFerry,
  fetchBytes,
  ferryTarget,
  makePng,
  md5hex,
  pngSize,
  rejection,
  sdkClient,
  searchArgs,
  sdkParamNames,
  uniq,
} from './helpers.mjs';

const target = ferryTarget();

// A fresh root per run, so that the exact-path checks also hold on a shared server.
const ROOT = `/sdk-files-${uniq()}`;
const FILE_REQUIRED = ['id', 'createdAt', 'updatedAt', 'archived', 'access'];
const TYPES = ['IMG', 'DOCUMENT', 'AUDIO', 'MOVIE', 'OTHER'];

const PHOTO = makePng(40, 30, 1);
const NOTES = Buffer.from('Meeting notes\nünïcödé line\n', 'utf8');
const BIG = makePng(300, 200, 2); // for the resized signed URL

/** The options part of an upload: HubSpot takes it as a JSON string. */
const options = (o) => JSON.stringify(o);

/** Asserts the File fields every upload, getById and replace must carry. */
function assertFile(f, { path, size, md5, access, type, extension, width, height } = {}) {
  assert.equal(typeof f, 'object', 'a File object');
  assert.ok(f !== null, 'a File object, not null');
  assert.equal(typeof f.id, 'string', `id is a string, got ${JSON.stringify(f.id)}`);
  assert.match(f.id, /^\d+$/, 'id holds a decimal integer');
  for (const k of ['createdAt', 'updatedAt']) {
    // upload/getById/replace/updateProperties are untyped in the SDK: dates stay ISO strings.
    assert.equal(typeof f[k], 'string', `${k} is an ISO string in the untyped File`);
    assert.match(f[k], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/, `${k} is ISO-8601 UTC with milliseconds`);
  }
  assert.equal(typeof f.archived, 'boolean', 'archived');
  assert.ok(TYPES.includes(f.type), `type ${f.type} is one of ${TYPES}`);
  assert.doesNotMatch(String(f.extension), /^\./, 'extension has no dot');
  assert.ok(!String(f.name).includes('/'), 'name has no slash');
  assert.equal(f.path, `${f.path.slice(0, f.path.lastIndexOf('/'))}/${f.name}.${f.extension}`, 'path ends with name.extension');
  assert.match(String(f.url), /^https?:\/\//, `url is absolute, got ${f.url}`);
  if (f.parentFolderId !== undefined) assert.match(f.parentFolderId, /^\d+$/, 'parentFolderId is a decimal string');
  if (path !== undefined) assert.equal(f.path, path, 'path');
  if (size !== undefined) assert.equal(f.size, size, 'size');
  if (md5 !== undefined) assert.equal(f.fileMd5, md5, 'fileMd5');
  if (access !== undefined) assert.equal(f.access, access, 'access');
  if (type !== undefined) assert.equal(f.type, type, 'type');
  if (extension !== undefined) assert.equal(f.extension, extension, 'extension');
  if (width !== undefined) assert.equal(f.width, width, 'width');
  if (height !== undefined) assert.equal(f.height, height, 'height');
}

/** The hosting URL's path must be /hubfs/<portal>/<the file's path>. */
function assertHostedAt(f) {
  const u = new URL(f.url);
  const m = decodeURIComponent(u.pathname).match(/^\/hubfs\/(\d+)(\/.*)$/);
  assert.ok(m, `url should be /hubfs/<portal>/<path>, got ${f.url}`);
  assert.equal(m[2], f.path, 'the url names the file path');
}

/** Anonymous GET of a URL: its status and body. */
async function anon(url) {
  return fetchBytes(url, { redirect: 'manual' });
}

describeFerry('files with @hubspot/api-client', target, () => {
  let server;
  let client;
  let files; // client.files.filesApi
  let folders; // client.files.foldersApi

  // Shared between the ordered tests below.
  let photo; // File: ROOT/photo.png, PUBLIC_NOT_INDEXABLE
  let notes; // File: ROOT/notes.txt, uploaded by folderId
  let catFile; // File: ROOT/cat archive/cat.png
  let big; // File: ROOT/private/big.png, PRIVATE, 300x200

  before(async () => {
    server = await target.start();
    client = sdkClient(server);
    files = client.files.filesApi;
    folders = client.files.foldersApi;
  });

  after(async () => {
    const end = await server?.stop();
    if (end && (end.code !== 0 || end.killedAfterTimeout)) console.error(`note: ferry ended with ${JSON.stringify(end)} after SIGTERM`);
  });

  describe('upload', () => {
    test('upload(file, undefined, folderPath, fileName, undefined, options) answers the File', async () => {
      photo = await files.upload(
        { data: PHOTO, name: 'camera-roll-0001.png' },
        undefined,
        ROOT,
        'photo.png',
        undefined,
        options({ access: 'PUBLIC_NOT_INDEXABLE', overwrite: false, duplicateValidationStrategy: 'NONE', duplicateValidationScope: 'EXACT_FOLDER' }),
      );
      assertFile(photo, {
        path: `${ROOT}/photo.png`, size: PHOTO.length, md5: md5hex(PHOTO), access: 'PUBLIC_NOT_INDEXABLE',
        type: 'IMG', extension: 'png', width: 40, height: 30,
      });
      assert.equal(photo.name, 'photo', 'name has no extension');
      assert.equal(photo.archived, false);
      assert.match(photo.parentFolderId, /^\d+$/, 'the folder ROOT was created and holds the file');
      assertHostedAt(photo);
    });

    test('the uploaded bytes are served at url', async () => {
      assert.ok(photo, 'needs the upload');
      const got = await anon(photo.url);
      assert.equal(got.status, 200, `GET ${photo.url}`);
      assert.match(got.headers.get('content-type') ?? '', /^image\/png\b/);
      assert.ok(got.body.equals(PHOTO), 'served bytes equal the uploaded bytes');
    });

    test('upload answers exactly 201 with a Location header (uploadWithHttpInfo)', async () => {
      const info = await files.uploadWithHttpInfo(
        { data: makePng(2, 2, 9), name: 'loc.png' }, undefined, ROOT, undefined, undefined, options({ access: 'PRIVATE' }),
      );
      assert.equal(info.httpStatusCode, 201);
      assertFile(info.data, { path: `${ROOT}/loc.png`, access: 'PRIVATE' });
      const loc = info.headers.location;
      assert.ok(loc, `Location header, got headers ${JSON.stringify(info.headers)}`);
      assert.ok(new URL(loc, server.baseUrl).pathname.endsWith(`/files/v3/files/${info.data.id}`), `Location names the file, got ${loc}`);
    });

    test('upload(file, folderId, ..., charsetHunch, options) puts the file in that folder', async () => {
      assert.ok(photo, 'needs the first upload');
      notes = await files.upload(
        { data: NOTES, name: 'notes.txt' },
        photo.parentFolderId,
        undefined,
        undefined, // no fileName: the name comes from the file part
        'utf-8',
        options({ access: 'PUBLIC_INDEXABLE' }),
      );
      assertFile(notes, { path: `${ROOT}/notes.txt`, size: NOTES.length, md5: md5hex(NOTES), access: 'PUBLIC_INDEXABLE', extension: 'txt' });
      assert.equal(notes.parentFolderId, photo.parentFolderId, 'same folder as the first upload');
      assert.equal(notes.width, undefined, 'a text file has no width');
      const got = await anon(notes.url);
      assert.equal(got.status, 200);
      assert.match(got.headers.get('content-type') ?? '', /^text\/plain\b/);
      assert.ok(got.body.equals(NOTES), 'served bytes equal the uploaded bytes');
      assert.doesNotMatch(got.headers.get('x-robots-tag') ?? '', /noindex/i, 'PUBLIC_INDEXABLE is indexable');
    });

    test('trap: a basePath with a trailing slash still uploads (14.x chunked multipart over Node http)', async () => {
      // The SDK concatenates basePath and path, so this client POSTs //files/v3/files,
      // with Transfer-Encoding: chunked and no Content-Length; Node http follows no redirect.
      const slashed = sdkClient(server, { basePath: `${server.baseUrl}/` }).files.filesApi;
      const data = makePng(5, 4, 3);
      const f = await slashed.upload({ data, name: 'slash.png' }, undefined, `${ROOT}/slash`, undefined, undefined,
        options({ access: 'PUBLIC_NOT_INDEXABLE', overwrite: false, duplicateValidationStrategy: 'NONE', duplicateValidationScope: 'ENTIRE_PORTAL' }));
      assertFile(f, { path: `${ROOT}/slash/slash.png`, size: data.length, md5: md5hex(data), width: 5, height: 4 });
      const back = await slashed.getById(f.id);
      assert.equal(back.id, f.id, 'getById through the same client');
    });

    test('a name already taken gets a free name; overwrite: true replaces the live file', async () => {
      assert.ok(photo, 'needs the first upload');
      const again = makePng(40, 30, 4);
      const second = await files.upload({ data: again, name: 'photo.png' }, undefined, ROOT, 'photo.png', undefined,
        options({ access: 'PUBLIC_NOT_INDEXABLE', overwrite: false, duplicateValidationStrategy: 'NONE', duplicateValidationScope: 'EXACT_FOLDER' }));
      assert.notEqual(second.id, photo.id, 'a new file');
      assert.notEqual(second.path, photo.path, `a second photo.png without overwrite must not take ${photo.path}`);
      assert.ok(second.path.startsWith(`${ROOT}/photo`), `path ${second.path}`);

      const third = makePng(8, 8, 5);
      const over = await files.upload({ data: third, name: 'x.png' }, undefined, ROOT, second.path.split('/').pop(), undefined,
        options({ access: 'PUBLIC_NOT_INDEXABLE', overwrite: true, duplicateValidationStrategy: 'NONE', duplicateValidationScope: 'EXACT_FOLDER' }));
      assert.equal(over.path, second.path, 'overwrite keeps the path');
      assert.equal(over.fileMd5, md5hex(third));
      const got = await anon(over.url);
      assert.ok(got.body.equals(third), 'the path now serves the new bytes');
      const old = await files.getById(second.id);
      assert.equal(old.archived, true, 'the overwritten file is archived');
    });

    test('duplicateValidationStrategy RETURN_EXISTING returns the existing file; REJECT answers 409', async () => {
      assert.ok(photo, 'needs the first upload');
      const existing = await files.upload({ data: PHOTO, name: 'copy.png' }, undefined, ROOT, 'copy.png', undefined,
        options({ access: 'PUBLIC_NOT_INDEXABLE', overwrite: false, duplicateValidationStrategy: 'RETURN_EXISTING', duplicateValidationScope: 'EXACT_FOLDER' }));
      assert.equal(existing.id, photo.id, 'same bytes in the same folder: the existing file');
      const err = await rejection(files.upload({ data: PHOTO, name: 'copy.png' }, undefined, ROOT, 'copy.png', undefined,
        options({ access: 'PUBLIC_NOT_INDEXABLE', overwrite: false, duplicateValidationStrategy: 'REJECT', duplicateValidationScope: 'ENTIRE_PORTAL' })));
      assertApiError(err, 409);
    });

    test('upload without folderId or folderPath rejects with ApiException 400 VALIDATION_ERROR naming the field', async () => {
      const err = await rejection(files.upload({ data: PHOTO, name: 'nowhere.png' }, undefined, undefined, 'nowhere.png', undefined,
        options({ access: 'PRIVATE' })));
      assertApiError(err, 400, 'VALIDATION_ERROR');
      assert.ok(Array.isArray(err.body.errors) && err.body.errors.length >= 1, `errors[] is non-empty: ${JSON.stringify(err.body)}`);
      for (const e of err.body.errors) assert.equal(typeof e.message, 'string', 'errors[].message');
      const ins = err.body.errors.map((e) => e.in);
      assert.ok(ins.some((i) => i === 'folderId' || i === 'folderPath'), `errors[].in names folderId or folderPath, got ${JSON.stringify(ins)}`);
    });

    test('upload without options, or with an unknown access, rejects with 400 naming the field', async () => {
      const noOpts = await rejection(files.upload({ data: PHOTO, name: 'a.png' }, undefined, ROOT));
      assertApiError(noOpts, 400, 'VALIDATION_ERROR');
      assert.ok(noOpts.body.errors?.some((e) => /^options/.test(e.in)), `errors[].in names options: ${JSON.stringify(noOpts.body.errors)}`);
      const bad = await rejection(files.upload({ data: PHOTO, name: 'a.png' }, undefined, ROOT, undefined, undefined, options({ access: 'OPEN' })));
      assertApiError(bad, 400, 'VALIDATION_ERROR');
      assert.ok(bad.body.errors?.some((e) => /access/.test(e.in)), `errors[].in names access: ${JSON.stringify(bad.body.errors)}`);
    });
  });

  describe('getById and getMetadata', () => {
    test('getById returns the uploaded File', async () => {
      assert.ok(photo, 'needs the first upload');
      const f = await files.getById(photo.id);
      for (const k of ['id', 'name', 'path', 'size', 'width', 'height', 'extension', 'type', 'fileMd5', 'url', 'access', 'parentFolderId', 'createdAt']) {
        assert.deepEqual(f[k], photo[k], `getById().${k} matches upload().${k}`);
      }
    });

    test("getById(id, ['name', 'size']) returns only those plus the required properties", async () => {
      assert.ok(photo, 'needs the first upload');
      const f = await files.getById(photo.id, ['name', 'size']);
      assert.equal(f.name, 'photo');
      assert.equal(f.size, PHOTO.length);
      assert.equal(f.id, photo.id, 'id is required, so always there');
      const allowed = new Set(['name', 'size', ...FILE_REQUIRED]);
      const extra = Object.keys(f).filter((k) => !allowed.has(k));
      assert.deepEqual(extra, [], `unrequested properties returned: ${extra.join(', ')}`);
      assert.equal(f.path, undefined, 'path was not asked for');
    });

    test('getById of an unknown id rejects with ApiException 404 OBJECT_NOT_FOUND', async () => {
      await assert.rejects(files.getById('999999999999'), (err) => assertApiError(err, 404, 'OBJECT_NOT_FOUND'));
    });

    test("getMetadata('/dir with space/name.ext') answers a typed FileStat with .file (the SDK sends the path as one encoded segment)", async () => {
      const data = makePng(6, 6, 6);
      catFile = await files.upload({ data, name: 'cat.png' }, undefined, `${ROOT}/cat archive`, 'cat.png', undefined, options({ access: 'PRIVATE' }));
      assert.equal(catFile.path, `${ROOT}/cat archive/cat.png`);
      const stat = await files.getMetadata(`${ROOT}/cat archive/cat.png`);
      assert.ok(stat instanceof FileStat, 'typed FileStat');
      assert.equal(stat.folder, undefined, 'a file path names no folder');
      assert.equal(typeof stat.file, 'object', 'FileStat.file');
      assert.equal(stat.file.id, catFile.id);
      assert.equal(stat.file.path, catFile.path);
      assert.equal(stat.file.fileMd5, md5hex(data));
    });

    test('getMetadata(path, properties) selects properties of the file', async () => {
      assert.ok(photo, 'needs the first upload');
      const stat = await files.getMetadata(photo.path, ['path']);
      assert.equal(stat.file?.id, photo.id);
      assert.equal(stat.file.path, photo.path);
      const allowed = new Set(['path', ...FILE_REQUIRED]);
      const extra = Object.keys(stat.file).filter((k) => !allowed.has(k));
      assert.deepEqual(extra, [], `unrequested properties returned: ${extra.join(', ')}`);
    });

    test('getMetadata of a folder path answers FileStat.folder, a typed Folder', async () => {
      assert.ok(catFile, 'needs the cat upload');
      const stat = await files.getMetadata(`${ROOT}/cat archive`);
      assert.ok(stat instanceof FileStat, 'typed FileStat');
      assert.equal(stat.file, undefined, 'a folder path names no file');
      assert.ok(stat.folder instanceof Folder, `FileStat.folder is a typed Folder, got ${JSON.stringify(stat.folder)}`);
      assert.equal(stat.folder.id, catFile.parentFolderId);
      assert.equal(stat.folder.name, 'cat archive');
      assert.equal(stat.folder.path, `${ROOT}/cat archive`);
      assert.equal(stat.folder.archived, false);
      assertDate(stat.folder.createdAt, 'folder.createdAt');
      assertDate(stat.folder.updatedAt, 'folder.updatedAt');
    });

    test('getMetadata of a path with nothing there rejects with 404 OBJECT_NOT_FOUND', async () => {
      await assert.rejects(files.getMetadata(`${ROOT}/no such/thing.png`), (err) => assertApiError(err, 404, 'OBJECT_NOT_FOUND'));
    });
  });

  describe('signed URLs', () => {
    test('a PRIVATE file is not served at its plain url', async () => {
      big = await files.upload({ data: BIG, name: 'big.png' }, undefined, `${ROOT}/private`, undefined, undefined, options({ access: 'PRIVATE' }));
      assertFile(big, { access: 'PRIVATE', width: 300, height: 200, size: BIG.length });
      const got = await anon(big.url);
      assert.equal(got.status, 404, `anonymous GET of a PRIVATE file's url should be 404, got ${got.status}`);
    });

    test("getSignedUrl(id, 'thumb', 3600, true) answers a typed SignedUrl", async () => {
      assert.ok(big, 'needs the private upload');
      const t0 = Date.now();
      const s = await files.getSignedUrl(big.id, 'thumb', 3600, true);
      assert.ok(s instanceof SignedUrl, 'typed SignedUrl');
      assert.match(s.url, /^https?:\/\//, 'url is absolute');
      assertDate(s.expiresAt, 'expiresAt');
      const life = s.expiresAt.getTime() - t0;
      assert.ok(life > 3540_000 && life <= 3660_000, `expiresAt is about an hour ahead, got ${life} ms`);
      assert.equal(s.name, 'big');
      assert.equal(s.extension, 'png');
      assert.equal(s.size, BIG.length, 'size is the file size in bytes');
      assert.equal(s.type, 'IMG');
      assert.equal(typeof s.width, 'number', 'width');
      assert.equal(typeof s.height, 'number', 'height');

      const got = await anon(s.url);
      assert.equal(got.status, 200, `GET the signed url ${s.url}`);
      assert.match(got.headers.get('content-type') ?? '', /^image\//, 'an image');
      const dim = pngSize(got.body);
      assert.ok(dim.width <= 100 && dim.height <= 100, `thumb fits 100x100, got ${dim.width}x${dim.height}`);
      assert.ok(dim.width > 0 && dim.height > 0, 'not empty');
    });

    test('getSignedUrl(id) without a size serves the original bytes', async () => {
      assert.ok(big, 'needs the private upload');
      const s = await files.getSignedUrl(big.id);
      const got = await anon(s.url);
      assert.equal(got.status, 200);
      assert.ok(got.body.equals(BIG), 'the original bytes');
      assert.deepEqual(pngSize(got.body), { width: 300, height: 200 });
    });

    test('a tampered signed url answers 404', async () => {
      assert.ok(big, 'needs the private upload');
      const s = await files.getSignedUrl(big.id, 'thumb', 600, false);
      assert.equal((await anon(s.url)).status, 200, 'the untouched url works');
      const u = new URL(s.url);
      const params = [...u.searchParams.keys()];
      assert.ok(params.length > 0, `a signed url carries its signature in the query, got ${s.url}`);
      const flip = (v) => v.slice(0, -1) + (v.endsWith('A') ? 'B' : 'A');
      const tampered = [];
      // Every query value changed by one character (a value that still means
      // the same, like upscale=falsA read as false, grants nothing more, so
      // booleans and sizes are changed to other meaningful values instead).
      for (const k of params) {
        const t = new URL(s.url);
        const v = t.searchParams.get(k);
        if (v === 'true' || v === 'false') t.searchParams.set(k, v === 'true' ? 'false' : 'true');
        else if (v === 'thumb') t.searchParams.set(k, 'preview');
        else if (/^\d+$/.test(v)) t.searchParams.set(k, String(Number(v) + 3600));
        else t.searchParams.set(k, flip(v));
        tampered.push(t);
      }
      assert.ok(catFile, 'needs the cat upload (another PRIVATE file)');
      const other = new URL(s.url); // the same signature on another private file's path
      other.pathname = new URL(catFile.url).pathname;
      tampered.push(other);
      for (const t of tampered) {
        const got = await anon(t.toString());
        assert.equal(got.status, 404, `tampered ${t} answered ${got.status}`);
      }
      const bare = new URL(s.url);
      bare.search = '';
      assert.equal((await anon(bare.toString())).status, 404, 'without the query: 404');
    });

    test('a SENSITIVE file has no signed URL (404) and is not served at its url', async () => {
      const f = await files.upload({ data: makePng(4, 4, 60), name: 'secret.png' }, undefined, `${ROOT}/private`, undefined, undefined,
        options({ access: 'SENSITIVE' }));
      assert.equal(f.access, 'SENSITIVE');
      await assert.rejects(files.getSignedUrl(f.id), (err) => assertApiError(err, 404, 'OBJECT_NOT_FOUND'));
      assert.equal((await anon(f.url)).status, 404);
    });

    test('getSignedUrl of an unknown file rejects with 404', async () => {
      await assert.rejects(files.getSignedUrl('999999999999', 'thumb', 60, false), (err) => assertApiError(err, 404, 'OBJECT_NOT_FOUND'));
    });
  });

  describe('doSearch', () => {
    const N = 25;
    let searchFolder; // id of ROOT/search
    let uploaded = []; // Files, batch-00 .. batch-24
    let hidden; // HIDDEN_NOT_INDEXABLE file in the same folder
    let archived; // archived file in the same folder

    const search = (opts) => files.doSearch(...searchArgs(FILE_SEARCH_PARAMS, opts));

    before(async () => {
      // 15 PNGs, 10 text files; every fifth is PRIVATE.
      for (let i = 0; i < N; i++) {
        const n = String(i).padStart(2, '0');
        const png = i < 15;
        const data = png ? makePng(10 + i, 10, 100 + i) : Buffer.from(`text file ${n}\n`);
        const f = await files.upload({ data, name: `batch-${n}.${png ? 'png' : 'txt'}` }, searchFolder, searchFolder ? undefined : `${ROOT}/search`,
          undefined, undefined, options({ access: i % 5 === 0 ? 'PRIVATE' : 'PUBLIC_NOT_INDEXABLE' }));
        searchFolder ??= f.parentFolderId;
        uploaded.push(f);
      }
      hidden = await files.upload({ data: makePng(3, 3, 50), name: 'batch-hidden.png' }, searchFolder, undefined, undefined, undefined,
        options({ access: 'HIDDEN_NOT_INDEXABLE' }));
      archived = await files.upload({ data: makePng(3, 3, 51), name: 'batch-archived.png' }, searchFolder, undefined, undefined, undefined,
        options({ access: 'PUBLIC_NOT_INDEXABLE' }));
      await files.archive(archived.id);
    });

    test("searchArgs' parameter order is the SDK's own", () => {
      assert.deepEqual(sdkParamNames(FilesApiRequestFactory.prototype.doSearch), FILE_SEARCH_PARAMS);
      assert.deepEqual(sdkParamNames(files.doSearch), FILE_SEARCH_PARAMS, 'client.files.filesApi.doSearch');
    });

    test('doSearch with positional arguments answers a typed CollectionResponseFile', async () => {
      // The way the SDK's README calls it: one undefined per unused parameter.
      const res = await files.doSearch(
        undefined, undefined, undefined, 5, ['name'], undefined, undefined, undefined,
        undefined, undefined, undefined, undefined, undefined, undefined,
        'batch-0', undefined, [Number(searchFolder)],
      );
      assert.ok(res instanceof CollectionResponseFile, 'typed CollectionResponseFile');
      assert.deepEqual(res.results.map((f) => f.name), ['batch-00', 'batch-01', 'batch-02', 'batch-03', 'batch-04']);
      assert.equal(typeof res.paging?.next?.after, 'string', 'batch-05.. follow: paging.next.after');
      assert.match(String(res.paging.next.link ?? 'http://x'), /^https?:\/\//, 'paging.next.link, if any, is absolute');
    });

    test('paging with limit 10 and sort -createdAt visits every file exactly once, newest first', async () => {
      const { results, pages } = await collectPages((after) => search({ after, limit: 10, sort: ['-createdAt'], parentFolderIds: [Number(searchFolder)] }));
      assert.equal(pages, 3, '25 files in pages of 10');
      const ids = results.map((f) => f.id);
      assert.equal(new Set(ids).size, ids.length, 'no id twice');
      assert.deepEqual([...ids].sort(), uploaded.map((f) => f.id).sort(), 'exactly the 25 live, non-hidden files');
      for (let i = 1; i < results.length; i++) {
        assert.ok(Date.parse(results[i - 1].createdAt) >= Date.parse(results[i].createdAt), `createdAt descending at ${i}`);
      }
      assert.ok(!ids.includes(hidden.id), 'hidden file not returned');
      assert.ok(!ids.includes(archived.id), 'archived file not returned');
    });

    test('name matches a substring; extension and type filter', async () => {
      const byName = await search({ name: 'batch-1', parentFolderIds: [Number(searchFolder)], limit: 100 });
      // batch-10 .. batch-19, not batch-01: a substring of the name, case-insensitive.
      assert.deepEqual(byName.results.map((f) => f.name).sort(), Array.from({ length: 10 }, (_, i) => `batch-1${i}`));
      const upper = await search({ name: 'BATCH-1', parentFolderIds: [Number(searchFolder)], limit: 100 });
      assert.equal(upper.results.length, 10, 'name matching ignores case');
      const png = await search({ extension: 'png', type: 'IMG', parentFolderIds: [Number(searchFolder)], limit: 100 });
      assert.equal(png.results.length, 15, 'the 15 live PNGs');
      for (const f of png.results) assert.equal(f.extension, 'png');
      const txt = await search({ extension: 'txt', parentFolderIds: [Number(searchFolder)], limit: 100 });
      assert.equal(txt.results.length, 10, 'the 10 text files');
      assert.ok(txt.results.every((f) => f.type === 'DOCUMENT'), `text files are DOCUMENT, got ${[...new Set(txt.results.map((f) => f.type))]}`);
    });

    test('allowsAnonymousAccess true: public files only; false: private only', async () => {
      const pub = await search({ allowsAnonymousAccess: true, parentFolderIds: [Number(searchFolder)], limit: 100 });
      const priv = await search({ allowsAnonymousAccess: false, parentFolderIds: [Number(searchFolder)], limit: 100 });
      assert.equal(pub.results.length, 20);
      assert.equal(priv.results.length, 5);
      assert.ok(pub.results.every((f) => f.access.startsWith('PUBLIC_')), 'public');
      assert.ok(priv.results.every((f) => f.access === 'PRIVATE'), 'private');
    });

    test('ids, path, size range, fileMd5 and properties', async () => {
      const [a, b] = uploaded;
      const byIds = await search({ ids: [Number(a.id), Number(b.id)] });
      assert.deepEqual(byIds.results.map((f) => f.id).sort(), [a.id, b.id].sort());
      const byPath = await search({ path: uploaded[3].path });
      assert.deepEqual(byPath.results.map((f) => f.id), [uploaded[3].id], 'path names one file');
      const bySize = await search({ sizeGte: uploaded[7].size, sizeLte: uploaded[7].size, parentFolderIds: [Number(searchFolder)], limit: 100 });
      assert.ok(bySize.results.some((f) => f.id === uploaded[7].id) && bySize.results.every((f) => f.size === uploaded[7].size), 'size range');
      // (the folder filter keeps files with the same bytes from earlier runs on a shared server out)
      const byMd5 = await search({ fileMd5: uploaded[9].fileMd5, parentFolderIds: [Number(searchFolder)] });
      assert.deepEqual(byMd5.results.map((f) => f.id), [uploaded[9].id]);
      const byUrl = await search({ url: uploaded[4].url });
      assert.deepEqual(byUrl.results.map((f) => f.id), [uploaded[4].id], 'url names one file');
      // PNG i is (10 + i) x 10: widths 15..17 are batch-05 .. batch-07.
      const byWidth = await search({ widthGte: 15, widthLte: 17, heightGte: 10, heightLte: 10, parentFolderIds: [Number(searchFolder)], limit: 100 });
      assert.deepEqual(byWidth.results.map((f) => f.name).sort(), ['batch-05', 'batch-06', 'batch-07'], 'width and height ranges');
      const sinceLast = await search({ updatedAtGte: new Date(Date.parse(uploaded[N - 1].updatedAt)), parentFolderIds: [Number(searchFolder)], limit: 100 });
      assert.ok(sinceLast.results.some((f) => f.id === uploaded[N - 1].id), 'updatedAtGte (a Date) includes the last upload');
      assert.ok(sinceLast.results.every((f) => Date.parse(f.updatedAt) >= Date.parse(uploaded[N - 1].updatedAt)), 'updatedAtGte');
      const sel = await search({ properties: ['name', 'path'], parentFolderIds: [Number(searchFolder)], limit: 3 });
      assert.equal(sel.results.length, 3);
      const allowed = new Set(['name', 'path', ...FILE_REQUIRED]);
      for (const f of sel.results) {
        const extra = Object.keys(f).filter((k) => !allowed.has(k));
        assert.deepEqual(extra, [], `unrequested properties returned: ${extra.join(', ')}`);
        assert.equal(typeof f.path, 'string');
      }
    });

    test('hidden files are never returned by search, but getById reads them', async () => {
      for (const opts of [{ name: 'batch-hidden' }, { ids: [Number(hidden.id)] }, { path: hidden.path }, { fileMd5: hidden.fileMd5 }]) {
        const res = await search(opts);
        assert.deepEqual(res.results.map((f) => f.id), [], `search ${JSON.stringify(opts)} returned the hidden file`);
      }
      const f = await files.getById(hidden.id);
      assert.equal(f.access, 'HIDDEN_NOT_INDEXABLE');
    });

    test('a limit above 100 rejects with 400 VALIDATION_ERROR', async () => {
      await assert.rejects(search({ limit: 101 }), (err) => assertApiError(err, 400, 'VALIDATION_ERROR'));
    });
  });

  describe('updateProperties', () => {
    let f; // ROOT/movable.png
    let movedFolder; // Folder ROOT/moved
    const DATA = makePng(12, 12, 12);

    before(async () => {
      f = await files.upload({ data: DATA, name: 'movable.png' }, undefined, ROOT, undefined, undefined, options({ access: 'PUBLIC_NOT_INDEXABLE' }));
      movedFolder = await folders.create({ name: 'moved', parentPath: ROOT });
    });

    test('rename: the path and the hosting url follow', async () => {
      const oldUrl = f.url;
      const r = await files.updateProperties(f.id, { name: 'renamed' });
      assertFile(r, { path: `${ROOT}/renamed.png`, md5: md5hex(DATA) });
      assert.equal(r.id, f.id, 'same id');
      assert.equal(r.name, 'renamed');
      assertHostedAt(r);
      assert.equal((await anon(r.url)).status, 200, 'new url serves');
      assert.equal((await anon(oldUrl)).status, 404, 'old url is gone');
      f = r;
    });

    test('move by parentFolderPath', async () => {
      const r = await files.updateProperties(f.id, { parentFolderPath: movedFolder.path });
      assert.equal(r.path, `${ROOT}/moved/renamed.png`);
      assert.equal(r.parentFolderId, movedFolder.id);
      assertHostedAt(r);
      const got = await anon(r.url);
      assert.equal(got.status, 200);
      assert.ok(got.body.equals(DATA));
      f = r;
    });

    test('move by parentFolderId back to ROOT', async () => {
      assert.ok(photo, 'needs the first upload');
      const r = await files.updateProperties(f.id, { parentFolderId: photo.parentFolderId });
      assert.equal(r.path, `${ROOT}/renamed.png`);
      assert.equal(r.parentFolderId, photo.parentFolderId);
      f = r;
    });

    test('access PRIVATE hides the url; PUBLIC_INDEXABLE serves it without noindex', async () => {
      const p = await files.updateProperties(f.id, { access: 'PRIVATE' });
      assert.equal(p.access, 'PRIVATE');
      assert.equal((await anon(p.url)).status, 404, 'PRIVATE: not served anonymously');
      const q = await files.updateProperties(f.id, { access: 'PUBLIC_INDEXABLE' });
      assert.equal(q.access, 'PUBLIC_INDEXABLE');
      const got = await anon(q.url);
      assert.equal(got.status, 200);
      assert.doesNotMatch(got.headers.get('x-robots-tag') ?? '', /noindex/i);
      f = q;
    });

    test('isUsableInContent false, and search finds it by that', async () => {
      const r = await files.updateProperties(f.id, { isUsableInContent: false });
      assert.equal(r.isUsableInContent, false);
      const res = await files.doSearch(...searchArgs(FILE_SEARCH_PARAMS, { ids: [Number(f.id)], isUsableInContent: false }));
      assert.deepEqual(res.results.map((x) => x.id), [f.id]);
      const back = await files.updateProperties(f.id, { isUsableInContent: true });
      assert.equal(back.isUsableInContent, true);
    });

    test('expiresAt (a Date) sets File.expiresAt in epoch ms; clearExpires removes it', async () => {
      const when = new Date(Date.now() + 2 * 24 * 3600_000);
      when.setUTCMilliseconds(0);
      const r = await files.updateProperties(f.id, { expiresAt: when });
      assert.equal(typeof r.expiresAt, 'number', `File.expiresAt is an int64 epoch-ms number, got ${JSON.stringify(r.expiresAt)}`);
      assert.equal(r.expiresAt, when.getTime());
      assert.equal((await anon(r.url)).status, 200, 'not yet expired: still served');
      const c = await files.updateProperties(f.id, { clearExpires: true });
      assert.equal(c.expiresAt, undefined, 'expiresAt cleared');
      const g = await files.getById(f.id);
      assert.equal(g.expiresAt, undefined, 'getById agrees');
    });

    test('a parentFolderPath that does not exist, or an unknown file, is rejected', async () => {
      await assert.rejects(files.updateProperties(f.id, { parentFolderPath: `${ROOT}/no-such-folder` }), (err) => assertApiError(err, 400, 'VALIDATION_ERROR'));
      await assert.rejects(files.updateProperties('999999999999', { name: 'x' }), (err) => assertApiError(err, 404, 'OBJECT_NOT_FOUND'));
    });
  });

  describe('replace', () => {
    test('replace(id, file, charsetHunch, options) keeps the id and path and changes the content', async () => {
      const orig = makePng(20, 10, 20);
      const f = await files.upload({ data: orig, name: 'replace-me.png' }, undefined, ROOT, undefined, undefined, options({ access: 'PUBLIC_NOT_INDEXABLE' }));
      const next = makePng(64, 48, 21);
      const r = await files.replace(f.id, { data: next, name: 'whatever.png' }, undefined, options({ access: 'PUBLIC_NOT_INDEXABLE' }));
      assertFile(r, { path: f.path, size: next.length, md5: md5hex(next), width: 64, height: 48, access: 'PUBLIC_NOT_INDEXABLE' });
      assert.equal(r.id, f.id, 'same id');
      assert.notEqual(r.fileMd5, f.fileMd5, 'new md5');
      assert.notEqual(r.size, f.size, 'new size');
      const got = await anon(r.url);
      assert.equal(got.status, 200);
      assert.ok(got.body.equals(next), 'the url serves the new bytes');
      const g = await files.getById(f.id);
      assert.equal(g.fileMd5, md5hex(next), 'getById sees the new content');
    });

    test('replace of a text file with charsetHunch and options.access PRIVATE', async () => {
      const f = await files.upload({ data: Buffer.from('v1\n'), name: 'doc.txt' }, undefined, ROOT, undefined, 'utf-8', options({ access: 'PUBLIC_NOT_INDEXABLE' }));
      const next = Buffer.from('version two: ünïcödé\n', 'utf8');
      const r = await files.replace(f.id, { data: next, name: 'doc.txt' }, 'utf-8', options({ access: 'PRIVATE' }));
      assertFile(r, { path: f.path, size: next.length, md5: md5hex(next), access: 'PRIVATE', extension: 'txt' });
      assert.equal(r.id, f.id);
      assert.equal((await anon(r.url)).status, 404, 'now PRIVATE: not served anonymously');
      const s = await files.getSignedUrl(r.id);
      const got = await anon(s.url);
      assert.equal(got.status, 200);
      assert.ok(got.body.equals(next), 'the signed url serves the new bytes');
    });

    test('replace of an unknown file rejects with 404', async () => {
      await assert.rejects(files.replace('999999999999', { data: PHOTO, name: 'p.png' }, undefined, options({ access: 'PRIVATE' })),
        (err) => assertApiError(err, 404, 'OBJECT_NOT_FOUND'));
    });
  });

  describe('archive and GDPR delete', () => {
    test('archive answers 204 (void); getById then shows archived true and the url answers 404', async () => {
      const f = await files.upload({ data: makePng(4, 4, 40), name: 'old.png' }, undefined, ROOT, undefined, undefined, options({ access: 'PUBLIC_NOT_INDEXABLE' }));
      assert.equal((await anon(f.url)).status, 200, 'served before');
      const info = await files.archiveWithHttpInfo(f.id);
      assert.equal(info.httpStatusCode, 204);
      assert.equal(info.data, undefined, 'void');
      const g = await files.getById(f.id);
      assert.equal(g.archived, true, 'archived');
      assert.match(String(g.archivedAt), /^\d{4}-\d\d-\d\dT/, 'archivedAt');
      assert.equal((await anon(f.url)).status, 404, 'not served after archive');
      const res = await files.doSearch(...searchArgs(FILE_SEARCH_PARAMS, { ids: [Number(f.id)] }));
      assert.deepEqual(res.results, [], 'search leaves archived files out');
    });

    test('archive returns undefined through the plain method too', async () => {
      const f = await files.upload({ data: makePng(4, 4, 41), name: 'old2.png' }, undefined, ROOT, undefined, undefined, options({ access: 'PRIVATE' }));
      assert.equal(await files.archive(f.id), undefined);
      assert.equal((await files.getById(f.id)).archived, true);
    });

    test('_delete (GDPR) answers 204; the file is gone: getById answers 404 OBJECT_NOT_FOUND', async () => {
      const f = await files.upload({ data: makePng(4, 4, 42), name: 'gdpr.png' }, undefined, ROOT, undefined, undefined, options({ access: 'PUBLIC_NOT_INDEXABLE' }));
      assert.equal(await files._delete(f.id), undefined, 'void');
      await assert.rejects(files.getById(f.id), (err) => assertApiError(err, 404, 'OBJECT_NOT_FOUND'));
      await assert.rejects(files.getMetadata(f.path), (err) => assertApiError(err, 404, 'OBJECT_NOT_FOUND'));
      assert.equal((await anon(f.url)).status, 404, 'not served');
      await assert.rejects(files._delete(f.id), (err) => assertApiError(err, 404, 'OBJECT_NOT_FOUND'), 'a second delete: 404');
    });

    test('archive of an unknown file rejects with 404', async () => {
      await assert.rejects(files.archive('999999999999'), (err) => assertApiError(err, 404, 'OBJECT_NOT_FOUND'));
    });
  });

  describe('scopes', () => {
    test('a token with only files.read gets ApiException 403 MISSING_SCOPES on upload, and can still read', async (t) => {
      const token = await createToken(server, ['files.read']);
      if (!token) {
        t.skip('needs a spawned server (FERRY_BIN) to create a token');
        return;
      }
      const ro = sdkClient(server, { token }).files.filesApi;
      assert.ok(photo, 'needs the first upload');
      const f = await ro.getById(photo.id);
      assert.equal(f.id, photo.id, 'files.read can read');

      const err = await rejection(ro.upload({ data: PHOTO, name: 'no.png' }, undefined, ROOT, undefined, undefined, options({ access: 'PRIVATE' })));
      assertApiError(err, 403, 'MISSING_SCOPES');
      assert.equal(err.headers?.['x-hubspot-correlation-id'], err.body.correlationId, 'correlation id header = body');
      const d = err.body.errors?.[0];
      assert.ok(d, `errors[0] is present: ${JSON.stringify(err.body)}`);
      const needed = d.context?.requiredGranularScopes ?? err.body.context?.requiredGranularScopes;
      assert.ok(Array.isArray(needed) && needed.length > 0, `requiredGranularScopes lists the scopes: ${JSON.stringify(err.body)}`);

      await assert.rejects(ro.archive(photo.id), (e) => assertApiError(e, 403, 'MISSING_SCOPES'), 'archive needs a delete scope');
      await assert.rejects(ro.updateProperties(photo.id, { name: 'nope' }), (e) => assertApiError(e, 403, 'MISSING_SCOPES'), 'updateProperties needs a write scope');
      assert.equal((await files.getById(photo.id)).name, 'photo', 'nothing changed');
    });
  });
});
