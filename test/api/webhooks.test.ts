import '../support/fast-notify';
import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { startStack, waitFor, type TestStack } from '../support/stack';
import { startReceiver, type Answer, type Received } from '../support/webhook-receiver';

let stack: TestStack;
before(async () => {
  stack = await startStack({ queues: ['nlp', 'notify'] });
});
after(() => stack?.stop());

/** A fresh user, so each test's webhooks see only that test's events. */
async function userWithWebhook(answers: (number | Answer)[], events = ['insight.processed']) {
  const user = await stack.newUser();
  const receiver = await startReceiver(answers);
  const { status, body } = await stack.call('POST', '/api/webhooks', { url: receiver.url, events }, user.apiKey);
  assert.equal(status, 201, JSON.stringify(body));
  return { ...user, receiver, webhook: body as { id: string; secret: string } };
}

async function processInsight(apiKey: string, text: string): Promise<string> {
  const { body } = await stack.call('POST', '/api/insights', { text }, apiKey);
  await waitFor(async () => {
    const job = await stack.call('GET', `/api/jobs/${body.jobId}`, undefined, apiKey);
    return job.body.status === 'completed' ? true : undefined;
  }, 30_000, `insight ${body.insightId}`);
  return body.insightId;
}

async function deliveryRow(webhookId: string, statuses: string[]) {
  return waitFor(async () => {
    const [row] = await stack.db.query<{ status: string; attempts: number; http_status: number | null; last_error: string | null }>(
      'SELECT status, attempts, http_status, last_error FROM deliveries WHERE webhook_id = $1',
      [webhookId],
    );
    return row && statuses.includes(row.status) ? row : undefined;
  }, 30_000, `a delivery to ${webhookId} in ${statuses.join('|')}`);
}

/** The receiver's side, as docs/api.md tells integrators to do it. */
function verifySignature(secret: string, req: Received): boolean {
  const timestamp = String(req.headers['x-insight-timestamp']);
  if (Math.abs(Date.now() / 1000 - Number(timestamp)) > 300) return false;
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(`${timestamp}.${req.body}`).digest('hex')}`);
  const given = Buffer.from(String(req.headers['x-insight-signature']));
  return given.length === expected.length && timingSafeEqual(given, expected);
}

describe('webhook registration', () => {
  it('registers a webhook, shows its secret once, lists and deletes it', async () => {
    const user = await stack.newUser();
    const created = await stack.call('POST', '/api/webhooks', { url: 'https://example.com/hook' }, user.apiKey);
    assert.equal(created.status, 201);
    assert.match(created.body.id, /^[0-9a-f-]{36}$/);
    assert.match(created.body.secret, /^whsec_[\w-]{43}$/);
    assert.deepEqual(created.body.events, ['insight.processed', 'audio.transcribed', 'insight.failed', 'audio.failed', 'job.cancelled']);

    const list = await stack.call('GET', '/api/webhooks', undefined, user.apiKey);
    assert.deepEqual(list.body.webhooks.map((w: { id: string }) => w.id), [created.body.id]);
    assert.equal(list.body.webhooks[0].secret, undefined);

    const deleted = await stack.call('DELETE', `/api/webhooks/${created.body.id}`, undefined, user.apiKey);
    assert.equal(deleted.status, 204);
    assert.deepEqual((await stack.call('GET', '/api/webhooks', undefined, user.apiKey)).body.webhooks, []);
    assert.equal((await stack.call('DELETE', `/api/webhooks/${created.body.id}`, undefined, user.apiKey)).status, 404);
  });

  it("answers 404 for another user's webhook and hides it from their list", async () => {
    const created = await stack.call('POST', '/api/webhooks', { url: 'https://example.com/mine', events: ['digest.ready'] });
    const other = await stack.newUser();
    const del = await stack.call('DELETE', `/api/webhooks/${created.body.id}`, undefined, other.apiKey);
    assert.equal(del.status, 404);
    assert.equal(del.body.error.code, 'not_found');
    assert.equal((await stack.call('GET', `/api/webhooks/${created.body.id}/deliveries`, undefined, other.apiKey)).status, 404);
    assert.deepEqual((await stack.call('GET', '/api/webhooks', undefined, other.apiKey)).body.webhooks, []);
    assert.equal((await stack.call('GET', `/api/webhooks/${created.body.id}/deliveries`)).status, 200);
  });

  const bad: [string, unknown, string][] = [
    ['a missing url', { events: ['insight.processed'] }, 'body.url'],
    ['a url that is not one', { url: 'not a url' }, 'body.url'],
    ['an ftp url', { url: 'ftp://example.com/hook' }, 'body.url'],
    ['a javascript: url', { url: 'javascript:alert(1)' }, 'body.url'],
    ['a url of the wrong type', { url: 42 }, 'body.url'],
    ['an unknown event type', { url: 'https://example.com', events: ['insight.deleted'] }, 'body.events.0'],
    ['an empty event list', { url: 'https://example.com', events: [] }, 'body.events'],
    ['an unknown field', { url: 'https://example.com', secret: 'mine' }, 'body'],
  ];
  for (const [name, body, field] of bad) {
    it(`rejects ${name} with a 400 naming ${field}`, async () => {
      const res = await stack.call('POST', '/api/webhooks', body);
      assert.equal(res.status, 400);
      assert.ok(res.body.error.details.fields.some((f: { field: string }) => f.field === field), JSON.stringify(res.body));
    });
  }

  it('rejects a webhook id that is not a UUID', async () => {
    const res = await stack.call('DELETE', '/api/webhooks/42');
    assert.equal(res.status, 400);
    assert.equal(res.body.error.details.fields[0].field, 'params.webhookId');
  });
});

describe('webhook delivery', () => {
  it('POSTs a signed insight.processed event once the insight is processed', async () => {
    const { apiKey, receiver, webhook } = await userWithWebhook([]);
    const insightId = await processInsight(apiKey, 'Acme Corp hired Jane Smith in Berlin.');
    const [req] = await receiver.waitForRequests(1);

    assert.ok(verifySignature(webhook.secret, req), 'the signature verifies with the secret');
    assert.ok(!verifySignature(`${webhook.secret}x`, req), 'and not with another secret');
    assert.equal(req.headers['content-type'], 'application/json');
    assert.equal(req.headers['x-insight-event'], 'insight.processed');
    const body = JSON.parse(req.body);
    assert.deepEqual(Object.keys(body).sort(), ['createdAt', 'data', 'id', 'type']);
    assert.equal(body.type, 'insight.processed');
    assert.equal(body.data.insightId, insightId);
    assert.equal(body.data.status, 'processed');

    const [row] = await stack.db.query<{ id: string; event_id: string }>('SELECT id, event_id::text FROM deliveries WHERE webhook_id = $1', [webhook.id]);
    assert.equal(req.headers['x-insight-delivery'], row.id);
    assert.equal(String(body.id), row.event_id);
    const log = await waitFor(async () => {
      const res = await stack.call('GET', `/api/webhooks/${webhook.id}/deliveries`, undefined, apiKey);
      return res.body.deliveries[0]?.status === 'delivered' ? res.body.deliveries : undefined;
    }, 10_000, 'the delivery logged as delivered');
    assert.equal(log.length, 1);
    assert.equal(log[0].attempts, 1);
    assert.equal(log[0].httpStatus, 200);
    assert.equal(log[0].eventType, 'insight.processed');
    await receiver.close();
  });

  it('retries a receiver that answers 500 twice, with backoff, and records three attempts', async () => {
    const { apiKey, receiver, webhook } = await userWithWebhook([500, 500]);
    await processInsight(apiKey, 'Globex opened a lab in Lisbon.');
    const requests = await receiver.waitForRequests(3);

    assert.equal(new Set(requests.map((r) => r.headers['x-insight-delivery'])).size, 1, 'one delivery id across attempts');
    assert.ok(requests.every((r) => verifySignature(webhook.secret, r)));
    assert.ok(requests[1].at - requests[0].at >= 80, `first retry after ${requests[1].at - requests[0].at} ms`);
    const row = await deliveryRow(webhook.id, ['delivered']);
    assert.equal(row.attempts, 3);
    assert.equal(row.http_status, 200);
    assert.equal(row.last_error, 'HTTP 500', 'the status only, never the receiver\'s body');
    await receiver.close();
  });

  it('does not retry a 410, and records the refusal', async () => {
    const { apiKey, receiver, webhook } = await userWithWebhook([410]);
    await processInsight(apiKey, 'Initech moved to Austin.');
    const row = await deliveryRow(webhook.id, ['failed']);
    assert.equal(row.attempts, 1);
    assert.equal(row.http_status, 410);
    assert.match(row.last_error ?? '', /^HTTP 410/);
    await new Promise((r) => setTimeout(r, 1_500));
    assert.equal(receiver.received.length, 1);
    await receiver.close();
  });

  it('waits as long as a 503 asks with Retry-After', async () => {
    const { apiKey, receiver, webhook } = await userWithWebhook([{ status: 503, headers: { 'retry-after': '1' } }]);
    await processInsight(apiKey, 'Umbrella Corp sold its Paris office.');
    const requests = await receiver.waitForRequests(2);
    // Without Retry-After the first retry would come after 0.1–0.2 s.
    assert.ok(requests[1].at - requests[0].at >= 900, `retried after ${requests[1].at - requests[0].at} ms`);
    assert.equal((await deliveryRow(webhook.id, ['delivered'])).attempts, 2);
    await receiver.close();
  });

  it('stops retrying once the webhook is deleted', async () => {
    const { apiKey, receiver, webhook } = await userWithWebhook([
      { status: 503, headers: { 'retry-after': '1' } },
      { status: 503, headers: { 'retry-after': '1' } },
    ]);
    await processInsight(apiKey, 'Hooli bought Pied Piper in Palo Alto.');
    await receiver.waitForRequests(1);
    assert.equal((await stack.call('DELETE', `/api/webhooks/${webhook.id}`, undefined, apiKey)).status, 204);
    const row = await deliveryRow(webhook.id, ['cancelled']);
    assert.equal(row.attempts, 1);
    assert.equal(receiver.received.length, 1);
    await receiver.close();
  });
});
