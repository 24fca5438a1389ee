// Ferry's signed webhooks, received by a handler that verifies each delivery
// with the official Standard Webhooks package (standardwebhooks), while
// files arrive through HubSpot's official SDK. This is the user's story
// from docs/webhooks.md: subscribe, import, receive file.created and
// import.completed, see each attempt, and catch up from the feed after
// the receiver was down.

import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import { Webhook } from 'standardwebhooks';

import { describeFerry, ferryTarget, makePng, pollTask, sdkClient, startOrigin, uniq } from './helpers.mjs';

const target = ferryTarget();
const FOLDER = `/sdk-webhooks-${uniq()}`;

/** A webhook endpoint that verifies every delivery, as docs/webhooks.md shows. */
async function startReceiver() {
  const events = new Map(); // webhook-id -> event, each once
  const state = { verifier: null, rejected: [], duplicates: 0 };
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let event;
      try {
        event = state.verifier.verify(body, req.headers);
      } catch (err) {
        state.rejected.push(String(err));
        res.writeHead(400).end();
        return;
      }
      if (events.has(event.id)) state.duplicates++;
      else events.set(event.id, event);
      res.writeHead(204).end();
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/hook`,
    events,
    state,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

/** Calls Ferry's own API with the server's token. */
async function ferry(server, method, path, body) {
  const res = await fetch(server.baseUrl + path, {
    method,
    headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** Every event after cursor, through the feed's paging. */
async function feedAfter(server, cursor) {
  const out = [];
  for (;;) {
    const { status, body } = await ferry(server, 'GET', `/ferry/v1/events?limit=2&after=${cursor}`);
    assert.equal(status, 200);
    out.push(...body.results);
    if (body.results.length) cursor = body.results.at(-1).cursor;
    if (!body.paging) return out;
  }
}

async function waitFor(cond, what, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

describeFerry('signed webhooks verified with standardwebhooks', target, () => {
  let server;
  let origin;
  let receiver;
  let client;
  let webhook; // the subscription, with its secret

  before(async () => {
    server = await target.start();
    origin = await startOrigin({ '/pic.png': { body: makePng(4, 3), type: 'image/png' } });
    receiver = await startReceiver();
    client = sdkClient(server);
  });

  after(async () => {
    await receiver?.close();
    await origin?.close();
    await server?.stop();
  });

  test('subscribing answers 201 with a whsec_ secret, shown once', async () => {
    const { status, body } = await ferry(server, 'POST', '/ferry/v1/webhooks', {
      url: receiver.url,
      events: ['file.created', 'import.completed'],
      description: 'sdk suite',
    });
    assert.equal(status, 201, JSON.stringify(body));
    assert.match(body.secret, /^whsec_[A-Za-z0-9+/=]+$/);
    webhook = body;
    receiver.state.verifier = new Webhook(body.secret);
    const again = await ferry(server, 'GET', `/ferry/v1/webhooks/${body.id}`);
    assert.equal(again.body.secret, undefined, 'the secret is never shown again');
  });

  test('an import through the SDK delivers file.created and import.completed, verified', { timeout: 60_000 }, async () => {
    const locator = await client.files.filesApi.importFromUrl({
      url: origin.url('/pic.png'),
      access: 'PRIVATE',
      folderPath: FOLDER,
      duplicateValidationStrategy: 'NONE',
      duplicateValidationScope: 'EXACT_FOLDER',
      overwrite: false,
    });
    const { res } = await pollTask(() => client.files.filesApi.checkImport(locator.id));
    assert.equal(res.status, 'COMPLETE');

    await waitFor(() => receiver.events.size >= 2, 'two deliveries');
    assert.deepEqual(receiver.state.rejected, [], 'every delivery verifies');
    const byType = Object.fromEntries([...receiver.events.values()].map((e) => [e.type, e]));
    assert.equal(byType['file.created'].data.id, res.result.id, 'file.created carries the File');
    assert.equal(byType['file.created'].data.path, `${FOLDER}/pic.png`);
    assert.equal(byType['import.completed'].data.taskId, locator.id, 'import.completed carries the task status');
    assert.equal(byType['import.completed'].data.result.id, res.result.id);
    assert.equal(receiver.state.duplicates, 0);
  });

  test('each attempt is on record', async () => {
    let deliveries;
    async function refresh() {
      deliveries = (await ferry(server, 'GET', `/ferry/v1/webhooks/${webhook.id}/deliveries`)).body.results;
    }
    await refresh();
    for (let i = 0; i < 100 && !deliveries.every((d) => d.state === 'SUCCEEDED'); i++) {
      await sleep(100);
      await refresh();
    }
    assert.equal(deliveries.length, 2);
    for (const d of deliveries) {
      assert.equal(d.state, 'SUCCEEDED');
      assert.equal(d.attempts.length, 1);
      assert.equal(d.attempts[0].statusCode, 204);
      assert.equal(typeof d.attempts[0].durationMs, 'number');
    }
  });

  test('after downtime, the feed from the last cursor has exactly what was missed', async () => {
    const last = [...receiver.events.values()].map((e) => Number(e.cursor)).sort((a, b) => a - b).at(-1);
    await receiver.close(); // the endpoint is down
    const missed = [];
    for (const name of ['a.txt', 'b.txt']) {
      const file = await client.files.filesApi.upload(
        { data: Buffer.from(name), name },
        undefined,
        FOLDER,
        name,
        undefined,
        JSON.stringify({ access: 'PRIVATE' }),
      );
      missed.push(file.id);
    }
    const caughtUp = await feedAfter(server, last);
    const created = caughtUp.filter((e) => e.type === 'file.created').map((e) => e.data.id);
    assert.deepEqual(created, missed, 'the feed holds the missed file.created events, in order');
    const cursors = caughtUp.map((e) => Number(e.cursor));
    assert.deepEqual(cursors, cursors.map((_, i) => last + 1 + i), 'cursors continue without a gap');
  });
});
