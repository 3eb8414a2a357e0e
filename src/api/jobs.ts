import {
  WorkflowFailedError,
  WorkflowNotFoundError,
  type Client,
  type WorkflowExecutionDescription,
  type WorkflowExecutionInfo,
} from '@temporalio/client';
import { JOB_KIND, JOB_STATUS, SCHEDULED_BY_ID, USER_ID, type JobStatus } from '../temporal/search-attributes';
import { progressQuery, type JobProgress } from '../workflows/identity';
import type { JobOutcome } from '../workflows/job';
import { jobFailure } from './dead-letters';

export interface JobView {
  jobId: string;
  /** The run's id, for links into the Temporal Web UI. */
  runId: string;
  kind: string;
  status: JobStatus;
  progress: JobProgress;
  startedAt?: string;
  closedAt?: string;
  result?: unknown;
  error?: { message: string; type?: string };
  /** The failed job this one re-runs (POST /api/jobs/:id/retry). */
  retryOf?: string;
}

/** Who is asking: admins see and act on every user's jobs and the periodic runs. */
export interface Viewer {
  userId: string;
  admin: boolean;
}

export type JobSummary = Omit<JobView, 'progress'> & {
  /** The owner, in `scope=all` listings; null for runs of a schedule. */
  userId?: string | null;
  /** The schedule that started the run. */
  scheduleId?: string;
  /** Attempts of the activity that gave up, in `status=failed` listings. */
  attempts?: number;
};

const QUERY_TIMEOUT_MS = 2_000;

type ExecutionSummary = Pick<WorkflowExecutionInfo, 'workflowId' | 'runId' | 'type' | 'status' | 'startTime' | 'closeTime' | 'typedSearchAttributes' | 'memo'>;

/** Temporal's execution status, refined by the job's own JobStatus attribute. */
export function statusOf(info: Pick<ExecutionSummary, 'status' | 'typedSearchAttributes'>): JobStatus {
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

function summary(info: ExecutionSummary): JobSummary {
  const retryOf = info.memo?.retryOf;
  const scheduleId = info.typedSearchAttributes.get(SCHEDULED_BY_ID);
  return {
    jobId: info.workflowId,
    runId: info.runId,
    kind: info.typedSearchAttributes.get(JOB_KIND) ?? info.type,
    status: statusOf(info),
    startedAt: info.startTime.toISOString(),
    closedAt: info.closeTime?.toISOString(),
    ...(typeof retryOf === 'string' ? { retryOf } : {}),
    ...(scheduleId ? { scheduleId } : {}),
  };
}

/**
 * The job's description when the viewer may see it: their own, or for an admin any job (one with a
 * JobKind: event deliveries and other internal workflows are not jobs). Undefined otherwise, so another
 * user's job looks exactly like one that does not exist.
 */
export async function describeJob(client: Client, jobId: string, viewer: Viewer): Promise<WorkflowExecutionDescription | undefined> {
  let info: WorkflowExecutionDescription;
  try {
    info = await client.workflow.getHandle(jobId).describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
  const owner = info.typedSearchAttributes.get(USER_ID);
  if (owner === viewer.userId) return info;
  if (viewer.admin && info.typedSearchAttributes.get(JOB_KIND)) return info;
  return undefined;
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

/** The job as the viewer sees it; undefined when it does not exist or is not theirs to see. */
export async function getJob(client: Client, jobId: string, viewer: Viewer): Promise<JobView | undefined> {
  const handle = client.workflow.getHandle(jobId);
  const info = await describeJob(client, jobId, viewer);
  if (!info) return undefined;
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

/**
 * The user's jobs, newest first, from Temporal visibility (search attributes UserId, JobKind, JobStatus);
 * with `scope: 'all'` (admins) every job with a JobKind, the periodic runs included. Failed jobs come with
 * their last error and attempts, read from their histories.
 */
export async function listJobs(
  client: Client,
  userId: string,
  filter: { status?: JobStatus; kind?: string; limit: number; scope: 'own' | 'all' },
): Promise<JobSummary[]> {
  const clauses = [filter.scope === 'all' ? 'JobKind IS NOT NULL' : `UserId = '${userId}'`];
  if (filter.kind) clauses.push(`JobKind = '${filter.kind}'`);
  if (filter.status) clauses.push(VISIBILITY_FILTER[filter.status]);
  const infos: WorkflowExecutionInfo[] = [];
  for await (const info of client.workflow.list({ query: clauses.join(' AND '), pageSize: filter.limit })) {
    infos.push(info);
    if (infos.length >= filter.limit) break;
  }
  return Promise.all(
    infos.map(async (info) => {
      const job: JobSummary = summary(info);
      if (filter.scope === 'all') job.userId = info.typedSearchAttributes.get(USER_ID) ?? null;
      if (job.status !== 'failed') return job;
      const failure = await jobFailure(client, info.workflowId).catch(() => undefined);
      return failure ? { ...job, error: failure.error, attempts: failure.attempts } : job;
    }),
  );
}
