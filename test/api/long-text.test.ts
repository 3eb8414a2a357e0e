import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { longProse } from '../support/long-text';
import { startStack, waitFor, type TestStack } from '../support/stack';

/**
 * The longest text the API accepts (MAX_TEXT_CHARS, 200,000) of varied real prose completes: its CPU
 * stages heartbeat and work in windows instead of timing out and retrying until the job fails.
 */
let stack: TestStack;
before(async () => {
  stack = await startStack({ queues: ['nlp', 'notify'] });
});
after(() => stack?.stop());

it('a 200,000-character text completes, with entities from its whole length', async () => {
  const text = longProse(200_000);
  assert.equal(text.length, 200_000);
  const started = Date.now();
  const { status, body } = await stack.call('POST', '/api/insights', { text });
  assert.equal(status, 202, JSON.stringify(body));
  const job = await waitFor(async () => {
    const { body: j } = await stack.call('GET', `/api/jobs/${body.jobId}`);
    return ['completed', 'failed', 'cancelled'].includes(j.status) ? j : undefined;
  }, 300_000, 'the long insight to finish');
  const seconds = (Date.now() - started) / 1000;
  console.log(`# 200,000 characters: ${seconds.toFixed(1)} s from POST to completed`);
  assert.equal(job.status, 'completed', JSON.stringify(job.error ?? job));
  const { body: insight } = await stack.call('GET', `/api/insights/${body.insightId}`);
  assert.ok(insight.entities.length > 500, `${insight.entities.length} entities`);
  assert.ok(insight.entities.some((e: { start: number }) => e.start > 190_000), 'the last window was read too');
  const { events } = await stack.client.workflow.getHandle(body.jobId).fetchHistory();
  const retried = events!.filter((e) => (e.activityTaskStartedEventAttributes?.attempt ?? 1) > 1);
  assert.equal(retried.length, 0, 'no stage needed a second attempt');
});
