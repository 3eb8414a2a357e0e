import type { Client } from '@temporalio/client';
import { optionalTsToMs } from '@temporalio/common/lib/time';
import proto from '@temporalio/proto';
import { QUEUE_KINDS, taskQueue, type Config, type QueueKind } from '../config';

const { TaskQueueType, TaskQueueKind } = proto.temporal.api.enums.v1;

export interface QueueStats {
  kind: QueueKind;
  queue: string;
  /** Workflow tasks and activity tasks are separate queues in Temporal, with their own backlog and pollers. */
  type: 'workflow' | 'activity';
  backlogCount: number;
  /** Age of the oldest task waiting, in seconds; 0 with no backlog. */
  backlogAgeSec: number;
  /** Pollers the server saw recently (it forgets one a few minutes after its last poll). */
  pollers: number;
  byPriority: { priorityKey: number; backlogCount: number; backlogAgeSec: number }[];
}

const TYPES = [
  ['workflow', TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW],
  ['activity', TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY],
] as const;

const DEADLINE_MS = 3_000;

const seconds = (d: Parameters<typeof optionalTsToMs>[0]) => (optionalTsToMs(d) ?? 0) / 1000;

/**
 * Backlog and pollers of every task queue from DescribeTaskQueue with `reportStats`, in the default API
 * mode: on server 1.32 it answers `stats` (approximate backlog count and age) and `statsByPriorityKey`
 * for one task type, plus its pollers. The ENHANCED mode is deprecated and answers less.
 */
export async function describeQueues(client: Client, cfg: Config): Promise<QueueStats[]> {
  const requests = QUEUE_KINDS.flatMap((kind) =>
    TYPES.map(async ([type, taskQueueType]): Promise<QueueStats> => {
      const queue = taskQueue(kind, cfg);
      const res = await client.connection.withDeadline(Date.now() + DEADLINE_MS, () =>
        client.workflowService.describeTaskQueue({
          namespace: cfg.temporal.namespace,
          taskQueue: { name: queue, kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
          taskQueueType,
          reportStats: true,
        }),
      );
      return {
        kind,
        queue,
        type,
        backlogCount: Number(res.stats?.approximateBacklogCount ?? 0),
        backlogAgeSec: seconds(res.stats?.approximateBacklogAge),
        pollers: res.pollers?.length ?? 0,
        byPriority: Object.entries(res.statsByPriorityKey ?? {}).map(([key, s]) => ({
          priorityKey: Number(key),
          backlogCount: Number(s.approximateBacklogCount ?? 0),
          backlogAgeSec: seconds(s.approximateBacklogAge),
        })),
      };
    }),
  );
  return Promise.all(requests);
}
