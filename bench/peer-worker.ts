// The peer's worker process for `npm run bench:peer`: the insight stages of src/activities/nlp, unchanged, run as
// BullMQ jobs on a real Redis. Queue `peer-stage` holds one job per stage, chained by a BullMQ flow; queue
// `peer-insight` holds one job that runs every stage. The stages are Temporal activities and log through the
// activity context, so each runs inside the SDK's MockActivityEnvironment: the same code, without a server.
import { Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { releaseActivityResources, warmUp } from '../src/activities';
import * as nlp from '../src/activities/nlp';
import type { StoreInsightInput } from '../src/activities/nlp/store';
import { config } from '../src/config';
import { closeDb } from '../src/db';
import { PEER_QUEUES, type PeerStage } from './peer-queues';


const activityEnv = new MockActivityEnvironment(undefined, { logger: new DefaultLogger('WARN') });
const inContext = <A, R>(fn: (a: A) => Promise<R>, arg: A) => activityEnv.run(fn, arg);

async function runStage(stage: PeerStage, input: StoreInsightInput): Promise<unknown> {
  const { insightId } = input;
  switch (stage) {
    case 'store':
      return inContext(nlp.storeInsight, input);
    case 'normalise':
      return inContext(nlp.normaliseInsight, { insightId });
    case 'entities':
      return inContext(nlp.extractInsightEntities, { insightId });
    case 'embedding':
      return inContext(nlp.embedInsight, { insightId });
    case 'classify':
      return inContext(nlp.classifyInsight, { insightId });
    case 'relate':
      return inContext(nlp.relateInsight, { insightId });
    case 'finish':
      return inContext(nlp.finishInsight, { insightId, status: 'processed' as const });
  }
}

/** All stages in one job, with the three independent ones side by side as the insight workflow runs them. */
async function runAll(input: StoreInsightInput): Promise<void> {
  await runStage('store', input);
  await runStage('normalise', input);
  await Promise.all((['entities', 'embedding', 'classify'] as const).map((stage) => runStage(stage, input)));
  await runStage('relate', input);
  await runStage('finish', input);
}

const concurrency = config().queues.nlp.maxConcurrentActivities;
await warmUp(['nlp']);
const connection = new Redis(Number(process.env.PEER_REDIS_PORT), '127.0.0.1', { maxRetriesPerRequest: null });
const workers = [
  new Worker<StoreInsightInput>(PEER_QUEUES.stage, (job: Job<StoreInsightInput>) => runStage(job.name as PeerStage, job.data), { connection, concurrency }),
  new Worker<StoreInsightInput>(PEER_QUEUES.insight, (job: Job<StoreInsightInput>) => runAll(job.data), { connection, concurrency }),
];
await Promise.all(workers.map((w) => w.waitUntilReady()));
console.log(`peer worker ready (concurrency ${concurrency})`);
process.once('SIGTERM', () => {
  void Promise.all(workers.map((w) => w.close()))
    .then(() => Promise.all([releaseActivityResources(), closeDb(), connection.quit()]))
    .finally(() => process.exit(0));
});
