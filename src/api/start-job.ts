import type { Response } from 'express';
import type { Client, WorkflowStartOptions } from '@temporalio/client';
import type { Workflow } from '@temporalio/common';
import { taskQueue, type Config } from '../config';
import { jobsStarted } from '../monitoring/app-metrics';
import { JOB_KIND, USER_ID } from '../temporal/search-attributes';
import type { JobKind, QueueKind } from '../workflows/identity';
import { HttpError } from './errors';
import { jobPriority, type PriorityLevel } from './priority';

export interface JobStart<W extends Workflow> {
  kind: JobKind;
  queue: QueueKind;
  jobId: string;
  userId: string;
  args: Parameters<W>;
  priority?: PriorityLevel;
  /** Id policies, for jobs whose id is fixed rather than new each time. */
  idPolicies?: Pick<WorkflowStartOptions<W>, 'workflowIdReusePolicy' | 'workflowIdConflictPolicy'>;
}

/**
 * Every job the API starts goes through here, so each carries the same search attributes (the owner,
 * which `GET /api/jobs` filters on, and the kind), the owner's priority and fairness key, and is counted.
 */
export async function startJob<W extends Workflow>(deps: { client: Client; cfg: Config }, workflow: W, job: JobStart<W>): Promise<void> {
  const priority = await jobPriority(deps.client, deps.cfg, job.userId, job.priority);
  const options = {
    workflowId: job.jobId,
    taskQueue: taskQueue(job.queue, deps.cfg),
    priority,
    args: job.args,
    typedSearchAttributes: [
      { key: USER_ID, value: job.userId },
      { key: JOB_KIND, value: job.kind },
    ],
    ...job.idPolicies,
  };
  // Temporal types `args` by a conditional on W, which TypeScript cannot resolve for a generic W; JobStart
  // already ties `args` to Parameters<W>.
  await deps.client.workflow.start(workflow, options as unknown as WorkflowStartOptions<W>);
  jobsStarted.inc({ kind: job.kind, priority: priority.priorityKey });
}

/** 202 with the job's address, the answer to every request that starts a job. */
export function acceptedJob(res: Response, jobId: string, body: Record<string, unknown>): void {
  res.status(202).location(`/api/jobs/${jobId}`).json({ ...body, jobId });
}

/** Test hooks hold jobs in flight on purpose; outside tests they would let a user tie up workers. */
export function refuseTestHooks(cfg: Config, holdMs: number | undefined): void {
  if (holdMs !== undefined && !cfg.allowTestHooks) {
    throw new HttpError(400, 'invalid_request', 'body.holdMs: only accepted when ALLOW_TEST_HOOKS=true', {
      fields: [{ field: 'body.holdMs', message: 'test hooks are disabled' }],
    });
  }
}
