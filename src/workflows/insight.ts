import { patched, proxyActivities, proxyLocalActivities, workflowInfo, type ActivityOptions } from '@temporalio/workflow';
import type { NlpActivities } from '../activities';
import { announceJobEnding, notifySubscribers } from './event-delivery';
import { runJob, trackProgress, type JobOutcome } from './job';
import { queueFor } from './queues';
import { DEFAULT_RETRY } from './retry';

export interface InsightWorkflowInput {
  insightId: string;
  userId: string;
  text: string;
  title?: string;
  tags: string[];
  /** Test hook: hold the job in flight this long (only accepted when ALLOW_TEST_HOOKS=true). */
  holdMs?: number;
}

export interface InsightResult {
  insightId: string;
  status: 'processed' | 'unsupported_language';
  language: string;
  entities?: number;
  category?: string;
  confidence?: number;
  related?: number;
}

/**
 * The CPU stages' options, sized by the text's length. Measured on 2 cores with 200,000 characters of
 * Brown prose, the three stages side by side on the 2-thread pool: 7.9 s in all (entities alone 3.2 s,
 * in 25 windows). The budget, 30 s + 0.3 s per 1,000 characters (90 s at 200,000), leaves room for a
 * loaded machine and for waiting behind other jobs in the pool, yet a stuck attempt of a short text still
 * ends in 30 s. Stages heartbeat every second while they wait or work, so a lost worker is noticed in 10 s
 * and the server's cancel (a timeout included) reaches the thread doing the work, which stops.
 */
function cpuStageOptions(chars: number): ActivityOptions {
  return {
    taskQueue: queueFor('nlp'),
    startToCloseTimeout: 30_000 + Math.ceil(chars / 1000) * 300,
    heartbeatTimeout: '10s',
    retry: DEFAULT_RETRY,
  };
}

/**
 * Turns one text into structured knowledge. Every stage is a retryable activity on the nlp queue.
 *
 * The CPU stages (entities, embedding, classification: independent of each other) are one regular activity that
 * runs them side by side on its worker's thread pool: insights, not stages, spread over the nlp workers, and each
 * costs the server one task instead of three (bench:nlp: server CPU per insight 83 -> 63 ms, burst throughput
 * +14%). The short database stages (store, normalise, relate, finish) run as local activities in the worker that
 * runs the workflow: same retries, but no round trip through the task queue, which on these machines cost more
 * than the stages themselves.
 */
export async function insightWorkflow(input: InsightWorkflowInput): Promise<JobOutcome<InsightResult>> {
  const short = proxyActivities<NlpActivities>(cpuStageOptions(0));
  const db = proxyLocalActivities<NlpActivities>({ startToCloseTimeout: '10s', retry: DEFAULT_RETRY });
  const report = trackProgress({ stage: 'queued', percent: 0 });
  const { insightId } = input;

  const pipeline = async (): Promise<InsightResult> => {
    report({ stage: 'store', percent: 5 });
    await db.storeInsight({ ...input, jobId: workflowInfo().workflowId });
    if (input.holdMs) {
      report({ stage: 'hold', percent: 10 });
      await short.holdForTest({ ms: input.holdMs });
    }

    report({ stage: 'normalise', percent: 15 });
    const { language, supported, chars } = await db.normaliseInsight({ insightId });
    if (!supported) {
      await db.finishInsight({ insightId, status: 'unsupported_language' });
      return { insightId, status: 'unsupported_language', language };
    }

    report({ stage: 'analyse', percent: 25 });
    const nlp = proxyActivities<NlpActivities>(cpuStageOptions(chars));
    // Workflows started when the stages were three activities replay as three.
    const analysed = patched('analyse-in-one-activity')
      ? await nlp.analyseInsight({ insightId })
      : await Promise.all([nlp.extractInsightEntities({ insightId }), nlp.embedInsight({ insightId }), nlp.classifyInsight({ insightId })]).then(
          ([{ entities }, , classified]) => ({ entities, ...classified }),
        );
    const { entities } = analysed;
    let { category, confidence } = analysed;
    // Workflows started before these stages existed replay without them.
    if (patched('user-categories-and-entity-relations')) {
      report({ stage: 'personalise', percent: 85 });
      // The user's own categories need the embedding; relations need the entities.
      [{ category, confidence }] = await Promise.all([db.personaliseCategory({ insightId }), db.extractInsightRelations({ insightId })]);
    }

    report({ stage: 'relate', percent: 90 });
    const { related } = await db.relateInsight({ insightId });
    await db.finishInsight({ insightId, status: 'processed' });
    return { insightId, status: 'processed', language, entities, category, confidence, related };
  };

  const ending = { kind: 'insight' as const, userId: input.userId, subject: { insightId } };
  const outcome = await runJob(pipeline, {
    async onCancelled(reason) {
      await db.setInsightStatus({ insightId, status: 'cancelled' });
      await announceJobEnding(db.recordJobEnding, { ...ending, type: 'job.cancelled', reason, attempts: workflowInfo().attempt });
    },
    async onFailed(reason, attempts) {
      await db.setInsightStatus({ insightId, status: 'failed' });
      await announceJobEnding(db.recordJobEnding, { ...ending, type: 'insight.failed', reason, attempts });
    },
  });
  report({ stage: outcome.status === 'completed' ? 'done' : 'cancelled', percent: outcome.status === 'completed' ? 100 : 0 });
  if (outcome.status === 'completed') await notifySubscribers('insight.processed', insightId);
  return outcome;
}
