import { workflowInfo } from '@temporalio/workflow';
import type { QueueKind } from '../config';

/**
 * The task queue of a kind of work, as seen from inside a workflow. Queues share the prefix of the
 * queue the workflow runs on (TASK_QUEUE_PREFIX), derived here because workflows cannot read config.
 */
export function queueFor(kind: QueueKind): string {
  const own = workflowInfo().taskQueue;
  const dash = own.lastIndexOf('-');
  return dash === -1 ? kind : `${own.slice(0, dash)}-${kind}`;
}
