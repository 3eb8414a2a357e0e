import { workflowInfo } from '@temporalio/workflow';
import { prefixed, prefixOf, type QueueKind } from './identity';

/**
 * The task queue of a kind of work, as seen from inside a workflow. Queues share the prefix of the
 * queue the workflow runs on (TASK_QUEUE_PREFIX), derived here because workflows cannot read config.
 */
export function queueFor(kind: QueueKind): string {
  return prefixed(prefixOf(workflowInfo().taskQueue), kind);
}
