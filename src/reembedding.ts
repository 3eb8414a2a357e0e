import type { Client } from '@temporalio/client';
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';
import { countStaleEmbeddings } from './activities/nlp/reembed';
import { EMBEDDING_MODEL } from './activities/nlp/embeddings';
import { taskQueue, type Config } from './config';
import { logger } from './logging';
import { JOB_KIND } from './temporal/search-attributes';
import { reembedJobId } from './workflows/identity';
import { reembedWorkflow } from './workflows/reembed';

const BATCH_SIZE = 50;

/**
 * Starts the re-embedding job when stored vectors come from another embedding model than this process's
 * (a deployment that changed model). Called where an nlp worker starts: each new worker of a rolling upgrade
 * calls it, and the fixed workflow id makes them share one run; once it is done, a later call starts another
 * only if older workers wrote stale vectors meanwhile.
 */
export async function startReembedding(client: Client, cfg: Config): Promise<string | null> {
  const total = await countStaleEmbeddings();
  if (total === 0) return null;
  const jobId = reembedJobId(cfg.taskQueuePrefix, EMBEDDING_MODEL);
  await client.workflow.start(reembedWorkflow, {
    workflowId: jobId,
    taskQueue: taskQueue('nlp', cfg),
    args: [{ model: EMBEDDING_MODEL, batchSize: BATCH_SIZE, total }],
    workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    typedSearchAttributes: [{ key: JOB_KIND, value: 'maintenance' }],
  });
  logger.info({ jobId, total, model: EMBEDDING_MODEL }, 'vectors of another embedding model: re-embedding them');
  return jobId;
}
