import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { nlpPool } from '../../src/activities/nlp/compute';
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

it('cancelling a long job stops its CPU work: the pool threads running it are freed, not left to finish', async () => {
  const { body } = await stack.call('POST', '/api/insights', { text: longProse(200_000) });
  const pool = await nlpPool();
  // In the middle of the analysis: entity windows on one thread, the embedding on the other.
  await waitFor(async () => (pool.load().running === 2 ? true : undefined), 60_000, 'both pool threads busy with the job');
  const cancel = await stack.call('POST', `/api/jobs/${body.jobId}/cancel`, { reason: 'test' });
  assert.equal(cancel.status, 202, JSON.stringify(cancel.body));
  const cancelledAt = Date.now();
  // Left running, the two stages need ~8 s of the threads; the cancel reaches them with the next heartbeat (≤ 1 s).
  await waitFor(async () => (pool.load().running === 0 && pool.load().queued === 0 ? true : undefined), 5_000, 'the pool to be free');
  console.log(`# pool free ${Date.now() - cancelledAt} ms after the cancel`);
  const { body: job } = await stack.call('GET', `/api/jobs/${body.jobId}`);
  assert.equal(job.status, 'cancelled');
});
