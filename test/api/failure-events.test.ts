import '../support/fast-notify';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { taskQueue } from '../../src/config';
import { periodicReportWorkflow } from '../../src/workflows';
import { startStack, submitInsight, waitFor, type TestStack } from '../support/stack';
import { startReceiver, type Receiver } from '../support/webhook-receiver';

let stack: TestStack;
before(async () => {
  stack = await startStack({ queues: ['nlp', 'notify', 'maintenance'] });
});
after(() => stack?.stop());

interface EventView {
  id: number;
  type: string;
  createdAt: string;
  data: Record<string, any>;
}

/** A fresh user whose webhook takes `events` (the default list when undefined). */
async function userWithWebhook(events?: string[]) {
  const user = await stack.newUser();
  const receiver = await startReceiver();
  const { status, body } = await stack.call('POST', '/api/webhooks', { url: receiver.url, ...(events ? { events } : {}) }, user.apiKey);
  assert.equal(status, 201, JSON.stringify(body));
  return { ...user, receiver, webhookEvents: body.events as string[] };
}

async function eventOf(apiKey: string, type: string, matches: (e: EventView) => boolean): Promise<EventView> {
  return waitFor(async () => {
    const { body } = await stack.call('GET', '/api/events?limit=100', undefined, apiKey);
    return (body.events as EventView[]).find((e) => e.type === type && matches(e));
  }, 30_000, `a ${type} event`);
}

/** The one delivery of `type` the receiver got, parsed. */
async function delivered(receiver: Receiver, type: string): Promise<EventView> {
  const requests = await waitFor(async () => {
    const found = receiver.received.filter((r) => r.headers['x-insight-event'] === type);
    return found.length > 0 ? found : undefined;
  }, 30_000, `a ${type} delivery`);
  assert.equal(requests.length, 1, 'delivered once');
  return JSON.parse(requests[0].body);
}

const junk = Buffer.from(Array.from({ length: 400 }, (_, i) => 1 + ((i * 7919) % 255))).toString('latin1');

describe('failure events', () => {
  it('a webhook with the default event list takes failures and cancels, not reports', async () => {
    const { receiver, webhookEvents } = await userWithWebhook();
    await receiver.close();
    assert.deepEqual(webhookEvents, ['insight.processed', 'audio.transcribed', 'insight.failed', 'audio.failed', 'job.cancelled']);
    const named = await stack.call('POST', '/api/webhooks', { url: 'https://example.com/h', events: ['report.ready', 'job.cancelled'] });
    assert.equal(named.status, 201, JSON.stringify(named.body));
    const unknown = await stack.call('POST', '/api/webhooks', { url: 'https://example.com/h', events: ['job.failed'] });
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body.error.details.fields[0].field, 'body.events.0');
  });

  it('an insight job that fails records insight.failed with its reason and attempts, shown and delivered', async () => {
    const user = await userWithWebhook();
    const { insightId, job } = await submitInsight(stack, { text: junk }, user.apiKey);
    assert.equal(job.status, 'failed');

    const event = await eventOf(user.apiKey, 'insight.failed', (e) => e.data.insightId === insightId);
    assert.equal(event.data.kind, 'insight');
    assert.equal(event.data.jobId, job.jobId);
    assert.match(event.data.reason, /no readable words/);
    // The stage failed with an input error, which is never retried.
    assert.equal(event.data.attempts, 1);
    assert.deepEqual(Object.keys(event.data).sort(), ['attempts', 'insightId', 'jobId', 'kind', 'reason']);

    const body = await delivered(user.receiver, 'insight.failed');
    assert.deepEqual(body, event);
    // A failure is not reported as processed.
    assert.equal(user.receiver.received.filter((r) => r.headers['x-insight-event'] === 'insight.processed').length, 0);
    await user.receiver.close();
  });

  it('a cancelled job records job.cancelled with the reason, shown and delivered', async () => {
    const user = await userWithWebhook(['job.cancelled']);
    const { body } = await stack.call('POST', '/api/insights', { text: 'A job nobody needs any more.', holdMs: 60_000 }, user.apiKey);
    await waitFor(async () => {
      const { body: view } = await stack.call('GET', `/api/jobs/${body.jobId}`, undefined, user.apiKey);
      return view.status === 'running' && view.progress.stage === 'hold' ? true : undefined;
    }, 30_000, 'the job to hold');
    const cancel = await stack.call('POST', `/api/jobs/${body.jobId}/cancel`, { reason: 'changed my mind' }, user.apiKey);
    assert.equal(cancel.status, 202);

    const event = await eventOf(user.apiKey, 'job.cancelled', (e) => e.data.insightId === body.insightId);
    assert.deepEqual(event.data, { kind: 'insight', jobId: body.jobId, reason: 'changed my mind', attempts: 1, insightId: body.insightId });
    assert.deepEqual(await delivered(user.receiver, 'job.cancelled'), event);
    await user.receiver.close();
  });
});

describe('report events', () => {
  it('a periodic report records report.ready for its owner, delivered to a webhook that names it', async () => {
    const user = await userWithWebhook(['report.ready']);
    const idle = await userWithWebhook(['report.ready']);
    const id = randomUUID();
    await stack.db.query(
      `INSERT INTO insights (id, user_id, text, status, job_id, category, created_at) VALUES ($1, $2, 'text', 'processed', $3, 'news', now() - interval '1 day')`,
      [id, user.userId, `insight-${id}`],
    );
    const run = await stack.client.workflow.execute(periodicReportWorkflow, {
      taskQueue: taskQueue('maintenance'),
      workflowId: `test-report-${randomUUID()}`,
      args: [{ periodDays: 7 }],
    });

    const { body } = await stack.call('GET', '/api/reports', undefined, user.apiKey);
    assert.equal(body.reports.length, 1);
    const event = await eventOf(user.apiKey, 'report.ready', () => true);
    assert.deepEqual(event.data, {
      reportId: body.reports[0].id,
      period: { start: run.periodStart, end: run.periodEnd },
      insights: 1,
      recordings: 0,
    });
    assert.deepEqual(await delivered(user.receiver, 'report.ready'), event);

    // A user with nothing in the period has no report, so no event either.
    const { body: idleEvents } = await stack.call('GET', '/api/events', undefined, idle.apiKey);
    assert.deepEqual(idleEvents.events, []);
    assert.equal(idle.receiver.received.length, 0);
    await Promise.all([user.receiver.close(), idle.receiver.close()]);
  });
});
