import type { Client } from '@temporalio/client';
import type { Priority } from '@temporalio/common';
import type { Config } from '../config';

export const PRIORITY_LEVELS = ['high', 'normal', 'low'] as const;
export type PriorityLevel = (typeof PRIORITY_LEVELS)[number];

/** Temporal priority keys: 1 runs first, 5 last; the server's default (and ours for `normal`) is 3. */
const KEY: Record<PriorityLevel, number> = { high: 1, normal: 3, low: 5 };
const LOWEST_KEY = 5;

/**
 * The Temporal priority of a new job. The requested level sets the key; a user with more than
 * ADAPTIVE_PRIORITY_RUNNING_JOBS jobs running gets it one step lower (key + 1, at most 5), so one user's
 * flood waits behind everyone else's ordinary work. The fairness key is the user: with fairness on in
 * the server, tasks of the same priority are dispatched across users in turn rather than first come.
 * Activities and child workflows inherit the workflow's priority, so the start is the only place to set it.
 */
export async function jobPriority(client: Client, cfg: Config, userId: string, level: PriorityLevel = 'normal'): Promise<Required<Pick<Priority, 'priorityKey' | 'fairnessKey'>>> {
  let priorityKey = KEY[level];
  const threshold = cfg.limits.adaptiveRunningJobs;
  if (threshold > 0) {
    // The id is a UUID from our own database, safe inside the quoted literal.
    const { count } = await client.workflow.count(`UserId = '${userId}' AND ExecutionStatus = 'Running'`);
    if (count > threshold) priorityKey = Math.min(LOWEST_KEY, priorityKey + 1);
  }
  return { priorityKey, fairnessKey: userId };
}
