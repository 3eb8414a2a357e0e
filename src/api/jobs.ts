import {
  WorkflowFailedError,
  WorkflowNotFoundError,
  type Client,
  type WorkflowExecutionDescription,
  type WorkflowExecutionInfo,
} from '@temporalio/client';
import { JOB_KIND, JOB_STATUS, USER_ID, type JobStatus } from '../temporal/search-attributes';
import { progressQuery, type JobProgress } from '../workflows/identity';
import type { JobOutcome } from '../workflows/job';

export interface JobView {
  jobId: string;
  kind: string;
  status: JobStatus;
  progress: JobProgress;
  startedAt?: string;
  closedAt?: string;
  result?: unknown;
  error?: { message: string; type?: string };
}

const QUERY_TIMEOUT_MS = 2_000;

type ExecutionSummary = Pick<WorkflowExecutionInfo, 'workflowId' | 'type' | 'status' | 'startTime' | 'closeTime' | 'typedSearchAttributes'>;

/** Temporal's execution status, refined by the job's own JobStatus attribute. */
function statusOf(info: ExecutionSummary): JobStatus {
  const own = info.typedSearchAttributes.get(JOB_STATUS) as JobStatus | undefined;
  switch (info.status.name) {
    case 'RUNNING':
    case 'CONTINUED_AS_NEW':
      return own === 'cancelled' ? 'cancelled' : own ? 'running' : 'queued';
    case 'COMPLETED':
      return own === 'cancelled' ? 'cancelled' : 'completed';
    case 'CANCELLED':
      return 'cancelled';
    default:
      return 'failed';
  }
}

function summary(info: ExecutionSummary): Omit<JobView, 'progress'> {
  return {
    jobId: info.workflowId,
    kind: info.typedSearchAttributes.get(JOB_KIND) ?? info.type,
    status: statusOf(info),
    startedAt: info.startTime.toISOString(),
    closedAt: info.closeTime?.toISOString(),
  };
}

function failureOf(err: unknown): { message: string; type?: string } {
  let cause = err as { message: string; cause?: unknown; type?: string } | undefined;
  while (cause?.cause) cause = cause.cause as typeof cause;
  return { message: cause?.message ?? String(err), type: cause?.type };
}

/** A remaining-time estimate ages between the moments the workflow makes one. */
function countDown(progress: JobProgress): JobProgress {
  const { secondsRemaining, estimatedAt } = progress;
  if (typeof secondsRemaining !== 'number' || typeof estimatedAt !== 'string') return progress;
  const since = (Date.now() - Date.parse(estimatedAt)) / 1000;
  return { ...progress, secondsRemaining: Math.round(Math.max(0, secondsRemaining - since) * 10) / 10 };
}

/** The job as its owner sees it; undefined when it does not exist or belongs to someone else. */
export async function getJob(client: Client, jobId: string, userId: string): Promise<JobView | undefined> {
  const handle = client.workflow.getHandle(jobId);
  let info: WorkflowExecutionDescription;
  try {
    info = await handle.describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
  if (info.typedSearchAttributes.get(USER_ID) !== userId) return undefined;
  const view = summary(info);

  if (info.status.name === 'RUNNING') {
    const progress = await client.connection
      .withDeadline(Date.now() + QUERY_TIMEOUT_MS, () => handle.query(progressQuery))
      .catch(() => undefined);
    return { ...view, progress: progress ? countDown(progress) : { stage: 'queued', percent: 0 } };
  }
  try {
    const outcome = (await handle.result()) as JobOutcome<unknown>;
    if (outcome.status === 'cancelled') {
      return { ...view, status: 'cancelled', progress: { stage: 'cancelled', percent: 0 }, error: { message: outcome.reason } };
    }
    return { ...view, progress: { stage: 'done', percent: 100 }, result: outcome.result };
  } catch (err) {
    if (!(err instanceof WorkflowFailedError)) throw err;
    return { ...view, progress: { stage: view.status, percent: 0 }, error: failureOf(err) };
  }
}

const VISIBILITY_FILTER: Record<JobStatus, string> = {
  queued: `ExecutionStatus = 'Running' AND JobStatus IS NULL`,
  running: `ExecutionStatus = 'Running' AND JobStatus = 'running'`,
  completed: `ExecutionStatus = 'Completed' AND JobStatus = 'completed'`,
  failed: `ExecutionStatus IN ('Failed', 'Terminated', 'TimedOut')`,
  cancelled: `(ExecutionStatus = 'Canceled' OR JobStatus = 'cancelled')`,
};

/** The user's jobs, newest first, from Temporal visibility (search attributes UserId, JobKind, JobStatus). */
export async function listJobs(
  client: Client,
  userId: string,
  filter: { status?: JobStatus; kind?: string; limit: number },
): Promise<Omit<JobView, 'progress'>[]> {
  const clauses = [`UserId = '${userId}'`];
  if (filter.kind) clauses.push(`JobKind = '${filter.kind}'`);
  if (filter.status) clauses.push(VISIBILITY_FILTER[filter.status]);
  const jobs: Omit<JobView, 'progress'>[] = [];
  for await (const info of client.workflow.list({ query: clauses.join(' AND '), pageSize: filter.limit })) {
    jobs.push(summary(info));
    if (jobs.length >= filter.limit) break;
  }
  return jobs;
}
