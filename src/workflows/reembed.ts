import { continueAsNew, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { NlpActivities } from '../activities';
import { trackProgress } from './job';
import { DEFAULT_RETRY } from './retry';

export interface ReembedInput {
  /** The model the vectors are brought to; part of the workflow id, so one run per model change. */
  model: string;
  batchSize: number;
  /** Stale vectors counted when the job was started, for its progress. */
  total: number;
  /** Batches before continuing as new (default 200: each adds a handful of events to the history). */
  batchesPerRun?: number;
  /** Where a continued run picks up, and what the runs before it did. */
  afterId?: string | null;
  reembedded?: number;
}

/**
 * Re-embeds every insight whose vector another embedding model made, batch by batch in id order. Resumable at
 * every level: a batch that dies is retried (its rows are rewritten only while still stale), and the cursor
 * carries across continue-as-new. Search keeps answering meanwhile: stale insights are found by their words.
 */
export async function reembedWorkflow(input: ReembedInput): Promise<{ model: string; reembedded: number }> {
  const nlp = proxyActivities<NlpActivities>({ startToCloseTimeout: '10m', heartbeatTimeout: '1m', retry: DEFAULT_RETRY });
  let afterId = input.afterId ?? null;
  let reembedded = input.reembedded ?? 0;
  const percent = () => Math.min(99, Math.round((100 * reembedded) / Math.max(1, input.total)));
  const report = trackProgress({ stage: 'reembed', percent: percent(), reembedded });
  for (let batch = 0; batch < (input.batchesPerRun ?? 200); batch++) {
    const done = await nlp.reembedBatch({ afterId, limit: input.batchSize });
    reembedded += done.reembedded;
    afterId = done.lastId;
    report({ stage: 'reembed', percent: percent(), reembedded });
    if (afterId === null) return { model: input.model, reembedded };
    if (workflowInfo().continueAsNewSuggested) break;
  }
  return continueAsNew<typeof reembedWorkflow>({ ...input, afterId, reembedded });
}
