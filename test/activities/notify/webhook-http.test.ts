import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { classifyResponse, parseRetryAfter, postWebhook } from '../../../src/activities/notify/webhook-http';
import { freePort } from '../../support/ports';
import { startReceiver, type Receiver } from '../../support/webhook-receiver';

describe('what an answer means', () => {
  it('delivers on 2xx', () => {
    assert.deepEqual(classifyResponse(204, null, ''), { delivered: true, httpStatus: 204 });
  });

  it('retries 408, 429 and 5xx, keeping Retry-After', () => {
    for (const status of [408, 429, 500, 502, 503, 504]) {
      const outcome = classifyResponse(status, null, 'busy');
      assert.equal(outcome.delivered, false);
      assert.equal(outcome.delivered === false && outcome.retryable, true, `HTTP ${status}`);
    }
    assert.deepEqual(classifyResponse(429, '30', ''), { delivered: false, retryable: true, httpStatus: 429, error: 'HTTP 429', retryAfterMs: 30_000 });
  });

  it('does not retry other 4xx or a redirect', () => {
    for (const status of [301, 400, 401, 403, 404, 410, 422]) {
      const outcome = classifyResponse(status, null, 'no');
      assert.equal(outcome.delivered === false && outcome.retryable, false, `HTTP ${status}`);
    }
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    assert.equal(parseRetryAfter('120', now), 120_000);
    assert.equal(parseRetryAfter('Wed, 01 Jan 2025 00:00:05 GMT', now), 5_000);
    assert.equal(parseRetryAfter('Tue, 31 Dec 2024 00:00:00 GMT', now), 0);
    assert.equal(parseRetryAfter('soon', now), undefined);
    assert.equal(parseRetryAfter(null, now), undefined);
  });
});

describe('posting to a real receiver', () => {
  let receiver: Receiver;
  before(async () => {
    receiver = await startReceiver([{ status: 301, headers: { location: 'http://127.0.0.1:1/elsewhere' } }]);
  });
  after(() => receiver.close());
  const request = (url: string, timeoutMs = 2_000) => ({
    url,
    secret: 'whsec_test',
    body: '{"id":1,"type":"insight.processed","createdAt":"2025-01-01T00:00:00.000Z","data":{}}',
    eventType: 'insight.processed',
    deliveryId: 'd-1',
    timeoutMs,
  });

  it('does not follow a redirect, and sends signed headers', async () => {
    const outcome = await postWebhook(request(receiver.url));
    assert.deepEqual(outcome, { delivered: false, retryable: false, httpStatus: 301, error: 'HTTP 301: receiver says no' });
    assert.equal(receiver.received.length, 1);
    const { headers, body } = receiver.received[0];
    assert.equal(headers['x-insight-delivery'], 'd-1');
    assert.equal(headers['x-insight-event'], 'insight.processed');
    const signed = createHmac('sha256', 'whsec_test').update(`${headers['x-insight-timestamp']}.${body}`).digest('hex');
    assert.equal(headers['x-insight-signature'], `sha256=${signed}`);
  });

  it('treats a refused connection as retryable', async () => {
    const outcome = await postWebhook(request(`http://127.0.0.1:${await freePort()}/`));
    assert.equal(outcome.delivered === false && outcome.retryable, true);
    assert.match(outcome.delivered === false ? outcome.error : '', /ECONNREFUSED/);
  });

  it('gives up on a receiver that does not answer within the timeout, as retryable', async () => {
    const silent = http.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const started = Date.now();
    const outcome = await postWebhook(request(`http://127.0.0.1:${(silent.address() as AddressInfo).port}/`, 300));
    assert.ok(Date.now() - started < 2_000);
    assert.deepEqual(outcome, { delivered: false, retryable: true, error: 'no answer within 0.3 s' });
    silent.closeAllConnections();
    silent.close();
  });
});
