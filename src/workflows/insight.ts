import { ActivityFailure, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { NlpActivities } from '../activities';
import { notifySubscribers } from './event-delivery';
import { runCancellable, trackProgress, type JobOutcome } from './job';
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
 * Turns one text into structured knowledge. Each stage is its own retryable activity on the nlp queue;
 * entities, embedding and classification are independent and run side by side.
 */
export async function insightWorkflow(input: InsightWorkflowInput): Promise<JobOutcome<InsightResult>> {
  const nlp = proxyActivities<NlpActivities>({
    taskQueue: queueFor('nlp'),
    startToCloseTimeout: '30s',
    heartbeatTimeout: '5s',
    retry: DEFAULT_RETRY,
  });
  const report = trackProgress({ stage: 'queued', percent: 0 });
  const { insightId } = input;

  const pipeline = async (): Promise<InsightResult> => {
    report({ stage: 'store', percent: 5 });
    await nlp.storeInsight({ ...input, jobId: workflowInfo().workflowId });
    await nlp.setInsightStatus({ insightId, status: 'processing' });
    if (input.holdMs) {
      report({ stage: 'hold', percent: 10 });
      await nlp.holdForTest({ ms: input.holdMs });
    }

    report({ stage: 'normalise', percent: 15 });
    const { language, supported } = await nlp.normaliseInsight({ insightId });
    if (!supported) {
      await nlp.finishInsight({ insightId, status: 'unsupported_language' });
      return { insightId, status: 'unsupported_language', language };
    }

    const done = new Set<string>();
    const finished = (stage: string) => <T>(value: T): T => {
      done.add(stage);
      report({ stage: `analyse: ${[...done].join(', ')} done`, percent: 25 + done.size * 20 });
      return value;
    };
    report({ stage: 'analyse', percent: 25 });
    const [{ entities }, , { category, confidence }] = await Promise.all([
      nlp.extractInsightEntities({ insightId }).then(finished('entities')),
      nlp.embedInsight({ insightId }).then(finished('embedding')),
      nlp.classifyInsight({ insightId }).then(finished('classification')),
    ]);

    report({ stage: 'relate', percent: 90 });
    const { related } = await nlp.relateInsight({ insightId });
    await nlp.finishInsight({ insightId, status: 'processed' });
    return { insightId, status: 'processed', language, entities, category, confidence, related };
  };

  try {
    const outcome = await runCancellable(pipeline, () => nlp.setInsightStatus({ insightId, status: 'cancelled' }));
    report({ stage: outcome.status === 'completed' ? 'done' : 'cancelled', percent: outcome.status === 'completed' ? 100 : 0 });
    if (outcome.status === 'completed') await notifySubscribers('insight.processed', insightId);
    return outcome;
  } catch (err) {
    if (err instanceof ActivityFailure) await nlp.setInsightStatus({ insightId, status: 'failed' });
    throw err;
  }
}
