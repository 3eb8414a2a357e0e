import { existsSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type proto from '@temporalio/proto';
import type { Db } from '../db';
import { jobsStarted } from '../monitoring/app-metrics';
import type { AudioWorkflowInput } from '../workflows/audio';
import type { InsightWorkflowInput } from '../workflows/insight';
import { HttpError } from './errors';

type History = proto.temporal.api.history.v1.IHistory;
type HistoryEvent = proto.temporal.api.history.v1.IHistoryEvent;
type Failure = proto.temporal.api.failure.v1.IFailure;
type StartedAttributes = proto.temporal.api.history.v1.IWorkflowExecutionStartedEventAttributes;

export interface JobFailure {
  error: { message: string; type?: string };
  /** Attempts of the activity that gave up (or was running when the job was ended): what a retry policy spent. */
  attempts: number;
  /** Activity types that completed before the job failed, local activities included. */
  completedStages: string[];
  started: StartedAttributes;
}

/** The innermost cause, where the reason is (the outer ones say "activity failed", "child failed"). */
function rootCause(failure: Failure | null | undefined): { message: string; type?: string } {
  let f = failure;
  while (f?.cause) f = f.cause;
  return { message: f?.message || 'failed without a message', type: f?.applicationFailureInfo?.type || undefined };
}

/** A local activity's marker: its type, attempt and whether it failed (core writes them as JSON). */
function markerOf(event: HistoryEvent): { type: string; attempt: number; failed: boolean } | undefined {
  const attrs = event.markerRecordedEventAttributes;
  const data = attrs?.details?.data?.payloads?.[0]?.data;
  if (!data) return undefined;
  try {
    const detail = JSON.parse(Buffer.from(data).toString()) as { activity_type?: string; attempt?: number };
    if (!detail.activity_type) return undefined;
    return { type: detail.activity_type, attempt: detail.attempt ?? 1, failed: Boolean(attrs.failure) };
  } catch {
    return undefined;
  }
}

/** Why the job ended, how many attempts its last activity had, and how it was started, all from its history. */
export function failureFromHistory(history: History): JobFailure | undefined {
  const events = history.events ?? [];
  const started = events[0]?.workflowExecutionStartedEventAttributes;
  if (!started) return undefined;
  const scheduled = new Map<string, string>();
  const attempts = new Map<string, number>();
  const completedStages: string[] = [];
  let lastAttempt = 1;
  let error: JobFailure['error'] = { message: 'the job ended without saying why' };
  let failedActivity: string | undefined;
  for (const e of events) {
    const id = String(e.eventId);
    if (e.activityTaskScheduledEventAttributes) scheduled.set(id, e.activityTaskScheduledEventAttributes.activityType?.name ?? 'activity');
    const start = e.activityTaskStartedEventAttributes;
    if (start) {
      attempts.set(String(start.scheduledEventId), start.attempt ?? 1);
      lastAttempt = start.attempt ?? 1;
    }
    const done = e.activityTaskCompletedEventAttributes;
    if (done) completedStages.push(scheduled.get(String(done.scheduledEventId)) ?? 'activity');
    const marker = markerOf(e);
    if (marker) {
      lastAttempt = marker.attempt;
      if (!marker.failed) completedStages.push(marker.type);
    }
    const failed = e.workflowExecutionFailedEventAttributes;
    if (failed) {
      error = rootCause(failed.failure);
      const activity = failed.failure?.activityFailureInfo ?? failed.failure?.cause?.activityFailureInfo;
      failedActivity = activity ? String(activity.scheduledEventId) : undefined;
    }
    if (e.workflowExecutionTerminatedEventAttributes) {
      error = { message: e.workflowExecutionTerminatedEventAttributes.reason || 'terminated', type: 'Terminated' };
    }
    if (e.workflowExecutionTimedOutEventAttributes) error = { message: 'the job ran past its execution timeout', type: 'TimedOut' };
  }
  const attempt = (failedActivity && attempts.get(failedActivity)) || lastAttempt;
  return { error, attempts: attempt, completedStages, started };
}

export async function jobFailure(client: Client, jobId: string): Promise<JobFailure | undefined> {
  return failureFromHistory(await client.workflow.getHandle(jobId).fetchHistory());
}

/** The failed job's root id and a new suffix: a retry of a retry stays `<root>-retry-<suffix>`, not a chain. */
export function retryJobId(jobId: string): string {
  const root = jobId.replace(/-retry-[0-9a-z]+$/, '');
  const suffix = (Date.now().toString(36) + randomUUID().slice(0, 4)).toLowerCase();
  return `${root}-retry-${suffix}`;
}

/**
 * Why a retry could not do the work, when something it needs is gone since the job ran: its user, its
 * upload (removed by the cleanup job after UPLOAD_RETENTION_DAYS), or its stored insight (once stored, a
 * retry works on the row, so a deleted row cannot come back from the input).
 */
async function inputGone(db: Db, workflowType: string, input: unknown, failure: JobFailure, userId: string | undefined): Promise<string | undefined> {
  if (userId) {
    const users = await db.query('SELECT 1 FROM users WHERE id = $1', [userId]);
    if (users.length === 0) return `its user ${userId} no longer exists`;
  }
  if (workflowType === 'audioWorkflow') {
    const { uploadPath, audioId } = input as AudioWorkflowInput;
    const [row] = await db.query<{ upload_oid: number | null }>('SELECT upload_oid FROM audio_recordings WHERE id = $1', [audioId]);
    // Uploads since migration 020 are the recording's large object; older ones a file under the API's DATA_DIR.
    const kept = uploadPath ? existsSync(uploadPath) : row?.upload_oid != null;
    if (!kept) return `the upload of audio ${audioId} was removed (failed uploads are cleaned up after the retention period)`;
  }
  if (workflowType === 'insightWorkflow' && failure.completedStages.includes('storeInsight')) {
    const { insightId } = input as InsightWorkflowInput;
    const rows = await db.query('SELECT 1 FROM insights WHERE id = $1', [insightId]);
    if (rows.length === 0) return `insight ${insightId} was deleted`;
  }
  return undefined;
}

const RESERVED_ATTRIBUTE = /^Temporal/;

/**
 * Starts the failed job's work again as a new workflow: the same type, queue, input payloads (as recorded in
 * its first history event, not decoded and re-encoded), search attributes, priority and timeouts, with
 * `retryOf` in its memo. Payloads are passed through untouched so whatever codec wrote them reads them.
 */
export async function retryJob(deps: { client: Client; db: Db }, jobId: string, failure: JobFailure, userId: string | undefined): Promise<string> {
  const { started } = failure;
  const workflowType = started.workflowType?.name ?? '';
  const converter = deps.client.options.loadedDataConverter.payloadConverter;
  const [input] = started.input?.payloads?.length ? [converter.fromPayload(started.input.payloads[0])] : [undefined];
  const gone = await inputGone(deps.db, workflowType, input, failure, userId);
  if (gone) throw new HttpError(409, 'input_gone', `job ${jobId} cannot be retried: ${gone}`, { jobId, reason: gone });

  const newId = retryJobId(jobId);
  const indexed = Object.fromEntries(Object.entries(started.searchAttributes?.indexedFields ?? {}).filter(([key]) => !RESERVED_ATTRIBUTE.test(key)));
  await deps.client.workflowService.startWorkflowExecution({
    namespace: deps.client.options.namespace,
    workflowId: newId,
    workflowType: started.workflowType,
    taskQueue: started.taskQueue,
    input: started.input,
    workflowExecutionTimeout: started.workflowExecutionTimeout,
    workflowRunTimeout: started.workflowRunTimeout,
    workflowTaskTimeout: started.workflowTaskTimeout,
    retryPolicy: started.retryPolicy,
    priority: started.priority,
    header: started.header,
    searchAttributes: { indexedFields: indexed },
    memo: { fields: { retryOf: converter.toPayload(jobId) } },
    identity: deps.client.options.identity,
    requestId: randomUUID(),
  });
  const kindPayload = indexed.JobKind;
  const kind = kindPayload ? String(converter.fromPayload(kindPayload)) : workflowType;
  jobsStarted.inc({ kind, priority: started.priority?.priorityKey ?? 0 });
  return newId;
}
