// `<QUEUE>_TUNER=resource` puts that queue's worker on Temporal's resource-based tuner, with the fixed counts as
// its ceilings, and leaves the other queues on fixed slots; over its target the tuner holds a queue to its
// minimum of one activity at a time (eight at once on fixed slots), and jobs still run to the end.
import '../support/resource-tuner';
import '../support/env';
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ResourceBasedController } from '@temporalio/worker';
import { config } from '../../src/config';
import { slotOptions } from '../../src/workers/create';
import { startStack, waitFor, type TestStack } from '../support/stack';

let stack: TestStack;
before(async () => {
  stack = await startStack();
});
after(() => stack?.stop());

test('a resource-tuned queue gets the tuner with its slot counts as ceilings; the others keep fixed slots', () => {
  const cfg = config();
  assert.equal(cfg.queues.nlp.tuner, 'resource');
  assert.equal(cfg.queues.audio.tuner, 'fixed');
  const controller = ResourceBasedController.create({ targetMemoryUsage: cfg.tunerTargets.memory, targetCpuUsage: cfg.tunerTargets.cpu });
  const nlp = slotOptions(cfg.queues.nlp, () => controller);
  assert.equal(nlp.maxConcurrentActivityTaskExecutions, undefined);
  assert.ok(nlp.tuner && 'activityTaskSlotOptions' in nlp.tuner);
  assert.deepEqual(nlp.tuner.activityTaskSlotOptions, { minimumSlots: 1, maximumSlots: 6 });
  assert.equal(nlp.tuner.workflowTaskSlotOptions?.maximumSlots, cfg.queues.nlp.maxConcurrentWorkflowTasks);
  assert.equal('controller' in nlp.tuner && nlp.tuner.controller, controller);
  const audio = slotOptions(cfg.queues.audio, () => assert.fail('a fixed queue asked for the controller'));
  assert.deepEqual(audio, { maxConcurrentActivityTaskExecutions: cfg.queues.audio.maxConcurrentActivities, maxConcurrentWorkflowTaskExecutions: cfg.queues.audio.maxConcurrentWorkflowTasks });
});

/** [started, completed] of the job's hold activity, from its workflow history. */
async function holdInterval(jobId: string): Promise<[number, number]> {
  const events = (await stack.client.workflow.getHandle(jobId).fetchHistory()).events ?? [];
  const scheduled = events.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'holdForTest');
  assert.ok(scheduled, `${jobId} scheduled no hold`);
  const id = Number(scheduled.eventId);
  const started = events.find((e) => Number(e.activityTaskStartedEventAttributes?.scheduledEventId) === id);
  const completed = events.find((e) => Number(e.activityTaskCompletedEventAttributes?.scheduledEventId) === id);
  assert.ok(started?.eventTime && completed?.eventTime, `${jobId}'s hold did not run to the end`);
  const ms = (t: NonNullable<typeof started.eventTime>) => Number(t.seconds) * 1000 + Math.floor((t.nanos ?? 0) / 1e6);
  return [ms(started.eventTime), ms(completed.eventTime)];
}

test('over its memory target the resource-tuned queue runs one activity at a time, and every job completes', async () => {
  const posted = await Promise.all(
    [1, 2, 3].map((n) => stack.call('POST', '/api/insights', { text: `Tuner note ${n}: Ada Lovelace met Grace Hopper in Paris.`, holdMs: 1500 })),
  );
  const jobIds = posted.map(({ status, body }) => {
    assert.equal(status, 202, JSON.stringify(body));
    return body.jobId as string;
  });
  for (const jobId of jobIds) {
    const job = await waitFor(async () => {
      const { body } = await stack.call('GET', `/api/jobs/${jobId}`);
      return body.status === 'completed' || body.status === 'failed' ? body : undefined;
    }, 90_000, `${jobId} closed`);
    assert.equal(job.status, 'completed', JSON.stringify(job));
  }
  const holds = (await Promise.all(jobIds.map(holdInterval))).sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < holds.length; i++) assert.ok(holds[i]![0] >= holds[i - 1]![1], `holds overlapped: ${JSON.stringify(holds)}`);
});
