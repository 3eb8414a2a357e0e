import { ActivityFailure, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { NlpActivities } from '../activities';
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
  status: 'processed';
}

/** Turns one stored text into structured knowledge, stage by stage, each stage a retryable activity. */
export async function insightWorkflow(input: InsightWorkflowInput): Promise<JobOutcome<InsightResult>> {
  const nlp = proxyActivities<NlpActivities>({
    taskQueue: queueFor('nlp'),
    startToCloseTimeout: '30s',
    heartbeatTimeout: '5s',
    retry: DEFAULT_RETRY,
  });
  const report = trackProgress({ stage: 'queued', percent: 0 });
  const { insightId } = input;

  try {
    return await runCancellable(
      async () => {
        report({ stage: 'store', percent: 10 });
        await nlp.storeInsight({ ...input, jobId: workflowInfo().workflowId });
        await nlp.setInsightStatus({ insightId, status: 'processing' });
        if (input.holdMs) {
          report({ stage: 'hold', percent: 50 });
          await nlp.holdForTest({ ms: input.holdMs });
        }
        await nlp.setInsightStatus({ insightId, status: 'processed' });
        report({ stage: 'done', percent: 100 });
        return { insightId, status: 'processed' as const };
      },
      () => nlp.setInsightStatus({ insightId, status: 'cancelled' }),
    );
  } catch (err) {
    if (err instanceof ActivityFailure) {
      await nlp.setInsightStatus({ insightId, status: 'failed' });
    }
    throw err;
  }
}
