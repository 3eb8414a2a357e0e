import '../support/env';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Context } from '@temporalio/activity';
import { WorkflowFailedError, type Client, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { Worker, type NativeConnection } from '@temporalio/worker';
import type { AudioActivities, NlpActivities, TrainingActivities } from '../../src/activities';
import { config, taskQueue } from '../../src/config';
import { connectClient, connectWorkerConnection, temporalAddress } from '../../src/temporal/connection';
import { installTemporalRuntime } from '../../src/temporal/runtime';
import { JOB_STATUS } from '../../src/temporal/search-attributes';
import { bundleWorkflows } from '../../src/workers/create';
import { audioWorkflow, insightWorkflow, trainingWorkflow } from '../../src/workflows';
import { cancelSignal } from '../../src/workflows/identity';
import type { JobOutcome } from '../../src/workflows/job';
import { waitFor } from '../support/stack';

/**
 * The failure and cancel branches of the job workflows, run by the real workflow code on the suite's
 * Temporal server against fake activities (as samples-typescript's workflows-mocks do): each activity call
 * is recorded, and one chosen activity fails or blocks until cancelled.
 */
const calls: { name: string; input: any }[] = [];
const recorded = (name: string) => calls.filter((c) => c.name === name).map((c) => c.input);

type Behaviour = 'fail' | 'flaky' | 'block';
const behaviour = new Map<string, Behaviour>();

function fake(name: string, result: unknown = {}) {
  return async (input: unknown) => {
    calls.push({ name, input });
    if (behaviour.get(name) === 'fail') throw ApplicationFailure.nonRetryable(`${name} cannot go on`, 'FakeFailure');
    if (behaviour.get(name) === 'flaky') throw ApplicationFailure.retryable(`${name} failed again`, 'FakeFailure');
    if (behaviour.get(name) === 'block') {
      // Heartbeats deliver the cancel to the activity; it ends the way a real one does.
      for (;;) {
        Context.current().heartbeat();
        await Context.current().sleep(200);
      }
    }
    return result;
  };
}

const nlp: Partial<NlpActivities> = {
  storeInsight: fake('storeInsight') as NlpActivities['storeInsight'],
  normaliseInsight: fake('normaliseInsight', { language: 'en', supported: true, chars: 10 }) as NlpActivities['normaliseInsight'],
  analyseInsight: fake('analyseInsight', { entities: 0, category: 'news', confidence: 1 }) as NlpActivities['analyseInsight'],
  setInsightStatus: fake('setInsightStatus') as NlpActivities['setInsightStatus'],
  recordJobEnding: fake('recordJobEnding', { subjectId: 'ending' }) as NlpActivities['recordJobEnding'],
};
const chunk = { index: 0, startSec: 0, durationSec: 5 };
// The worker-specific queue the fake preparation names: the chunk and the cleanup run there.
const hostQueue = `${taskQueue('audio')}-host-fake`;
const audio: Partial<AudioActivities> = {
  registerAudio: fake('registerAudio') as AudioActivities['registerAudio'],
  prepareAudio: fake('prepareAudio', { chunks: [chunk], durationSec: 5, engine: 'whisper', typicalRealTimeFactor: 1, hostQueue }) as AudioActivities['prepareAudio'],
  setAudioStatus: fake('setAudioStatus') as AudioActivities['setAudioStatus'],
  transcribeChunk: fake('transcribeChunk') as AudioActivities['transcribeChunk'],
  cleanupAudio: fake('cleanupAudio') as AudioActivities['cleanupAudio'],
};
const training: Partial<TrainingActivities> = {
  beginTrainingRun: fake('beginTrainingRun', { since: null }) as TrainingActivities['beginTrainingRun'],
  trainCandidate: fake('trainCandidate') as TrainingActivities['trainCandidate'],
  finishTrainingRun: fake('finishTrainingRun') as TrainingActivities['finishTrainingRun'],
};

let client: Client;
let connection: NativeConnection;
let stopWorkers: AbortController;
let running: Promise<unknown>;

before(async () => {
  installTemporalRuntime();
  const cfg = config();
  client = await connectClient(temporalAddress(cfg), cfg.temporal.namespace);
  connection = await connectWorkerConnection(temporalAddress(cfg));
  const bundle = await bundleWorkflows();
  const workers = await Promise.all(
    (['nlp', 'audio', 'training'] as const).map((kind) =>
      Worker.create({ connection, taskQueue: taskQueue(kind), workflowBundle: bundle, activities: { ...nlp, ...audio, ...training } }),
    ),
  );
  workers.push(await Worker.create({ connection, taskQueue: hostQueue, activities: audio }));
  stopWorkers = new AbortController();
  running = Promise.all(workers.map((w) => w.runUntil(new Promise((resolve) => stopWorkers.signal.addEventListener('abort', resolve)))));
});

after(async () => {
  stopWorkers?.abort();
  await running;
  await Promise.all([client?.connection.close(), connection?.close()]);
});

function reset(setup: Record<string, Behaviour>) {
  calls.length = 0;
  behaviour.clear();
  for (const [name, how] of Object.entries(setup)) behaviour.set(name, how);
}

async function jobStatus(handle: WorkflowHandle): Promise<unknown> {
  return (await handle.describe()).typedSearchAttributes.get(JOB_STATUS);
}

const insightInput = () => ({ insightId: randomUUID(), userId: randomUUID(), text: 'Fake text.', tags: [] });
const audioInput = () => ({
  audioId: randomUUID(),
  userId: randomUUID(),
  originalName: 'a.wav',
  sizeBytes: 10,
  uploadPath: '/nowhere',
  engine: 'auto' as const,
  parallelChunks: 1,
});

describe('job workflows end explicitly', () => {
  it('an insight whose stage fails for good is recorded failed and the workflow fails', async () => {
    reset({ analyseInsight: 'fail' });
    const input = insightInput();
    const handle = await client.workflow.start(insightWorkflow, { taskQueue: taskQueue('nlp'), workflowId: `insight-${input.insightId}`, args: [input] });
    await assert.rejects(handle.result(), (err) => err instanceof WorkflowFailedError);
    assert.deepEqual(recorded('setInsightStatus'), [{ insightId: input.insightId, status: 'failed' }]);
    assert.equal(await jobStatus(handle), 'failed');
    const { runId } = await handle.describe();
    assert.deepEqual(recorded('recordJobEnding'), [
      {
        type: 'insight.failed',
        kind: 'insight',
        userId: input.userId,
        jobId: handle.workflowId,
        runId,
        reason: 'analyseInsight cannot go on',
        attempts: 1,
        subject: { insightId: input.insightId },
      },
    ]);
  });

  it('a stage that ran out of retries is recorded with the attempts it made', async () => {
    reset({ analyseInsight: 'flaky' });
    const input = insightInput();
    const handle = await client.workflow.start(insightWorkflow, { taskQueue: taskQueue('nlp'), workflowId: `insight-${input.insightId}`, args: [input] });
    await assert.rejects(handle.result(), (err) => err instanceof WorkflowFailedError);
    assert.equal(recorded('analyseInsight').length, 6);
    const [ending] = recorded('recordJobEnding');
    assert.equal(ending.type, 'insight.failed');
    assert.equal(ending.attempts, 6);
  });

  it('an insight cancelled by the signal ends cancelled with the reason, and records it', async () => {
    reset({ analyseInsight: 'block' });
    const input = insightInput();
    const handle = await client.workflow.start(insightWorkflow, { taskQueue: taskQueue('nlp'), workflowId: `insight-${input.insightId}`, args: [input] });
    await waitFor(async () => (recorded('analyseInsight').length > 0 ? true : undefined), 20_000, 'the blocking stage to start');
    await handle.signal(cancelSignal, 'not needed');
    const outcome = (await handle.result()) as JobOutcome<unknown>;
    assert.deepEqual(outcome, { status: 'cancelled', reason: 'not needed' });
    assert.deepEqual(recorded('setInsightStatus'), [{ insightId: input.insightId, status: 'cancelled' }]);
    assert.equal(await jobStatus(handle), 'cancelled');
    const [ending] = recorded('recordJobEnding');
    assert.deepEqual([ending.type, ending.reason, ending.attempts, ending.subject], ['job.cancelled', 'not needed', 1, { insightId: input.insightId }]);
  });

  it("an insight cancelled by Temporal itself records the cancel and the workflow ends cancelled", async () => {
    reset({ analyseInsight: 'block' });
    const input = insightInput();
    const handle = await client.workflow.start(insightWorkflow, { taskQueue: taskQueue('nlp'), workflowId: `insight-${input.insightId}`, args: [input] });
    await waitFor(async () => (recorded('analyseInsight').length > 0 ? true : undefined), 20_000, 'the blocking stage to start');
    await handle.cancel();
    await assert.rejects(handle.result(), (err) => err instanceof WorkflowFailedError && err.cause instanceof CancelledFailure);
    assert.deepEqual(recorded('setInsightStatus'), [{ insightId: input.insightId, status: 'cancelled' }]);
    assert.deepEqual(recorded('recordJobEnding').map((e) => [e.type, e.reason]), [['job.cancelled', 'workflow cancelled']]);
  });

  it('a recording whose chunk fails is recorded failed with the reason, and its working files are removed', async () => {
    reset({ transcribeChunk: 'fail' });
    const input = audioInput();
    const handle = await client.workflow.start(audioWorkflow, { taskQueue: taskQueue('audio'), workflowId: `audio-${input.audioId}`, args: [input] });
    await assert.rejects(handle.result(), (err) => err instanceof WorkflowFailedError);
    assert.deepEqual(recorded('setAudioStatus').at(-1), { audioId: input.audioId, status: 'failed', error: 'transcribeChunk cannot go on' });
    assert.deepEqual(recorded('cleanupAudio'), [{ audioId: input.audioId }]);
    const [ending] = recorded('recordJobEnding');
    assert.deepEqual(
      [ending.type, ending.kind, ending.reason, ending.attempts, ending.subject],
      ['audio.failed', 'audio', 'transcribeChunk cannot go on', 1, { audioId: input.audioId }],
    );
  });

  it('a cancelled recording is recorded cancelled and still cleaned up', async () => {
    reset({ transcribeChunk: 'block' });
    const input = audioInput();
    const handle = await client.workflow.start(audioWorkflow, { taskQueue: taskQueue('audio'), workflowId: `audio-${input.audioId}`, args: [input] });
    await waitFor(async () => (recorded('transcribeChunk').length > 0 ? true : undefined), 20_000, 'the chunk to start');
    await handle.signal(cancelSignal);
    assert.deepEqual(await handle.result(), { status: 'cancelled', reason: 'cancelled by the user' });
    assert.deepEqual(recorded('setAudioStatus').at(-1), { audioId: input.audioId, status: 'cancelled' });
    assert.deepEqual(recorded('cleanupAudio'), [{ audioId: input.audioId }]);
    assert.deepEqual(recorded('recordJobEnding').map((e) => [e.type, e.reason]), [['job.cancelled', 'cancelled by the user']]);
  });

  it('a training run whose candidate cannot be trained is finished as failed with the error', async () => {
    reset({ trainCandidate: 'fail' });
    const handle = await client.workflow.start(trainingWorkflow, {
      taskQueue: taskQueue('training'),
      workflowId: `training-${randomUUID()}`,
      args: [{ minImprovement: 0, labelWeight: 1 }],
    });
    await assert.rejects(handle.result(), (err) => err instanceof WorkflowFailedError);
    const [finish] = recorded('finishTrainingRun');
    assert.equal(finish.status, 'failed');
    assert.deepEqual(finish.summary, { error: 'trainCandidate cannot go on' });
  });
});
