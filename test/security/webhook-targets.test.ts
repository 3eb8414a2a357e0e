import '../support/strict-webhooks';
import '../support/fast-notify';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { startStack, waitFor, type TestStack } from '../support/stack';
import { startReceiver } from '../support/webhook-receiver';

let stack: TestStack;
before(async () => {
  stack = await startStack({ queues: ['nlp', 'notify'] });
});
after(() => stack?.stop());

describe('webhook targets with WEBHOOK_ALLOW_PRIVATE off', () => {
  it('refuses loopback, private, link-local, CGNAT, multicast, unspecified and IPv6 internal targets with 400 naming body.url', async () => {
    const user = await stack.newUser();
    const refused: [string, RegExp][] = [
      ['http://127.0.0.1:8080/hook', /127\.0\.0\.1 is a loopback address/],
      ['http://localhost:8080/hook', /localhost resolves to 127\.0\.0\.1 is a loopback address/],
      ['http://10.1.2.3/hook', /private/],
      ['http://172.16.0.1/hook', /private/],
      ['http://192.168.1.1/hook', /private/],
      ['http://169.254.169.254/latest/meta-data/', /169\.254\.169\.254 is a linkLocal address/],
      ['http://100.64.0.1/hook', /carrierGradeNat/],
      ['http://224.0.0.1/hook', /multicast/],
      ['http://0.0.0.0/hook', /unspecified/],
      ['http://[::1]/hook', /::1 is a loopback address/],
      ['http://[fe80::1]/hook', /linkLocal/],
      ['http://[fd00::1]/hook', /uniqueLocal/],
      ['http://[::ffff:127.0.0.1]/hook', /127\.0\.0\.1 is a loopback address/],
      ['http://[::ffff:a9fe:a9fe]/hook', /169\.254\.169\.254 is a linkLocal/],
      ['http://[2002:7f00:1::]/hook', /6to4/],
      ['http://2130706433/hook', /127\.0\.0\.1 is a loopback address/],
      ['http://no-such-host.invalid/hook', /does not resolve/],
    ];
    for (const [url, reason] of refused) {
      const res = await stack.call('POST', '/api/webhooks', { url }, user.apiKey);
      assert.equal(res.status, 400, `${url}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.error.details.fields[0].field, 'body.url');
      assert.match(res.body.error.message, reason, url);
    }
    const list = await stack.call('GET', '/api/webhooks', undefined, user.apiKey);
    assert.deepEqual(list.body.webhooks, []);
  });

  it('accepts a public address', async () => {
    const user = await stack.newUser();
    const res = await stack.call('POST', '/api/webhooks', { url: 'https://93.184.216.34/hook' }, user.apiKey);
    assert.equal(res.status, 201, JSON.stringify(res.body));
  });

  it('allows at most WEBHOOKS_PER_USER active webhooks per user', async () => {
    const user = await stack.newUser();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await stack.call('POST', '/api/webhooks', { url: `https://93.184.216.34/hook/${i}` }, user.apiKey);
      assert.equal(res.status, 201);
      ids.push(res.body.id);
    }
    const fourth = await stack.call('POST', '/api/webhooks', { url: 'https://93.184.216.34/hook/3' }, user.apiKey);
    assert.equal(fourth.status, 409);
    assert.equal(fourth.body.error.code, 'webhook_limit');
    const other = await stack.newUser();
    assert.equal((await stack.call('POST', '/api/webhooks', { url: 'https://93.184.216.34/x' }, other.apiKey)).status, 201, 'the limit is per user');
    assert.equal((await stack.call('DELETE', `/api/webhooks/${ids[0]}`, undefined, user.apiKey)).status, 204);
    assert.equal((await stack.call('POST', '/api/webhooks', { url: 'https://93.184.216.34/hook/4' }, user.apiKey)).status, 201, 'a deleted one frees a place');
  });

  it('refuses at connect time a name that resolves to a private address when the delivery dials it (DNS rebinding)', async () => {
    const user = await stack.newUser();
    const receiver = await startReceiver();
    // As if `localhost` had resolved to a public address when the webhook was registered: the row is what
    // registration would have written, and only the connect-time check stands between the worker and 127.0.0.1.
    const webhookId = randomUUID();
    await stack.db.query(`INSERT INTO webhooks (id, user_id, url, events, secret) VALUES ($1, $2, $3, $4, 'whsec_x')`, [
      webhookId,
      user.userId,
      receiver.url.replace('127.0.0.1', 'localhost'),
      ['insight.processed'],
    ]);
    const { body } = await stack.call('POST', '/api/insights', { text: 'Acme hired a new CTO in Berlin.' }, user.apiKey);
    assert.ok(body.jobId);
    const row = await waitFor(async () => {
      const [r] = await stack.db.query<{ status: string; attempts: number; last_error: string | null }>(
        'SELECT status, attempts, last_error FROM deliveries WHERE webhook_id = $1',
        [webhookId],
      );
      return r?.status === 'failed' ? r : undefined;
    }, 30_000, 'the refused delivery');
    assert.match(row.last_error ?? '', /^refused target: localhost resolves to 127\.0\.0\.1 is a loopback address/);
    assert.equal(row.attempts, 1, 'a refused target is not retried');
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(receiver.received.length, 0, 'nothing reached the internal receiver');
    await receiver.close();
  });
});
