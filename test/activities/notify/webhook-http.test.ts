import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { classifyResponse, parseRetryAfter, postWebhook } from '../../../src/activities/notify/webhook-http';
import { addressRefusal, guardedLookup, RefusedTarget, urlRefusal } from '../../../src/webhook-target';
import { freePort } from '../../support/ports';
import { startReceiver, type Receiver } from '../../support/webhook-receiver';

describe('what an answer means', () => {
  it('delivers on 2xx', () => {
    assert.deepEqual(classifyResponse(204, null), { delivered: true, httpStatus: 204 });
  });

  it('retries 408, 429 and 5xx, keeping Retry-After', () => {
    for (const status of [408, 429, 500, 502, 503, 504]) {
      const outcome = classifyResponse(status, null);
      assert.equal(outcome.delivered, false);
      assert.equal(outcome.delivered === false && outcome.retryable, true, `HTTP ${status}`);
    }
    assert.deepEqual(classifyResponse(429, '30'), { delivered: false, retryable: true, httpStatus: 429, error: 'HTTP 429', retryAfterMs: 30_000 });
  });

  it('does not retry other 4xx or a redirect', () => {
    for (const status of [301, 400, 401, 403, 404, 410, 422]) {
      const outcome = classifyResponse(status, null);
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
    policy: { allowPrivate: true, allowedHosts: [] },
  });

  it('does not follow a redirect, and sends signed headers', async () => {
    const outcome = await postWebhook(request(receiver.url));
    assert.deepEqual(outcome, { delivered: false, retryable: false, httpStatus: 301, error: 'HTTP 301' });
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

describe('the address check on the address dialled', () => {
  let receiver: Receiver;
  before(async () => {
    receiver = await startReceiver();
  });
  after(() => receiver.close());
  const request = (url: string, policy: { allowPrivate: boolean; allowedHosts: string[] }) => ({
    url,
    secret: 'whsec_test',
    body: '{}',
    eventType: 'insight.processed',
    deliveryId: 'd-2',
    timeoutMs: 2_000,
    policy,
  });

  it('refuses 127.0.0.1 without WEBHOOK_ALLOW_PRIVATE and delivers with it', async () => {
    const refused = await postWebhook(request(receiver.url, { allowPrivate: false, allowedHosts: [] }));
    assert.deepEqual(refused, { delivered: false, retryable: false, error: 'refused target: 127.0.0.1 is a loopback address' });
    assert.equal(receiver.received.length, 0);
    const delivered = await postWebhook(request(receiver.url, { allowPrivate: true, allowedHosts: [] }));
    assert.deepEqual(delivered, { delivered: true, httpStatus: 200 });
    assert.equal(receiver.received.length, 1);
  });

  it('refuses a name resolving to loopback when it connects, unless the host is allow-listed', async () => {
    const byName = receiver.url.replace('127.0.0.1', 'localhost');
    const before = receiver.received.length;
    const refused = await postWebhook(request(byName, { allowPrivate: false, allowedHosts: [] }));
    assert.deepEqual(refused, { delivered: false, retryable: false, error: 'refused target: localhost resolves to 127.0.0.1 is a loopback address' });
    assert.equal(receiver.received.length, before);
    const allowed = await postWebhook(request(byName, { allowPrivate: false, allowedHosts: ['localhost'] }));
    assert.deepEqual(allowed, { delivered: true, httpStatus: 200 });
  });

  it('checks every answer of a rebinding resolver at connect time, not the answer seen at registration', async () => {
    let calls = 0;
    // First answer public (what registration saw), then loopback (what the attacker's DNS says at delivery).
    const rebinding = async () => [{ address: calls++ === 0 ? '93.184.216.34' : '127.0.0.1', family: 4 }];
    const policy = { allowPrivate: false, allowedHosts: [] };
    assert.equal(await urlRefusal('http://rebind.example/hook', policy, rebinding), undefined);
    const lookup = guardedLookup(policy, rebinding);
    const err = await new Promise<Error | null>((resolve) => lookup('rebind.example', {}, (e) => resolve(e)));
    assert.ok(err instanceof RefusedTarget);
    assert.match(err.message, /rebind\.example resolves to 127\.0\.0\.1 is a loopback address/);
  });
});

describe('address classes', () => {
  it('allows public unicast only, IPv4-mapped IPv6 read as IPv4', () => {
    for (const ok of ['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111', '::ffff:8.8.8.8']) assert.equal(addressRefusal(ok), undefined, ok);
    for (const bad of ['127.0.0.1', '10.0.0.1', '172.31.255.255', '192.168.0.1', '169.254.169.254', '100.64.0.1', '224.0.0.1', '0.0.0.0', '255.255.255.255', '::1', '::', 'fe80::1', 'fc00::1', 'ff02::1', '::ffff:10.0.0.1', '64:ff9b::a00:1']) {
      assert.ok(addressRefusal(bad), bad);
    }
  });
});
