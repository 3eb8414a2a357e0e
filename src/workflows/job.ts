import { RetryState } from '@temporalio/common';
import { ActivityFailure, CancellationScope, TemporalFailure, isCancellation, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import { JOB_STATUS, type JobStatus } from '../temporal/search-attributes';
import { cancelSignal, progressQuery, type JobProgress } from './identity';
import { DEFAULT_RETRY } from './retry';

/** What a job workflow returns: its result, or why it was cancelled. */
export type JobOutcome<T> =
  | { status: 'completed'; result: T }
  | { status: 'cancelled'; reason: string };

export function setJobStatus(status: JobStatus): void {
  upsertSearchAttributes([{ key: JOB_STATUS, value: status }]);
}

/** Answers the progress query from the workflow's own state; call once at the top of a workflow. */
export function trackProgress(initial: JobProgress): (update: JobProgress) => void {
  let progress = initial;
  setHandler(progressQuery, () => progress);
  return (update) => {
    progress = update;
  };
}

export interface JobEndings {
  /** Records a cancel (signalled or Temporal's own) before the job ends. */
  onCancelled(reason: string): Promise<void>;
  /** Records a failure (an activity that gave up, a non-retryable error) before the workflow fails. */
  onFailed(message: string, attempts: number): Promise<void>;
}

/**
 * How many attempts the step that failed the job made. A workflow sees an activity's retry state, not its
 * attempt count: a step that ran out of retries made the retry policy's maximum (every job stage uses
 * DEFAULT_RETRY); one that failed with an error that is never retried (bad input, a missing tool) gave up
 * on the attempt that met it, counted as 1, since those errors fail the same way on every attempt. The
 * first activity in the cause chain is the step, also when the failure comes from a child job.
 */
export function failedAttempts(err: TemporalFailure): number {
  for (let cause: Error | undefined = err; cause; cause = cause.cause as Error | undefined) {
    if (cause instanceof ActivityFailure) {
      return cause.retryState === RetryState.MAXIMUM_ATTEMPTS_REACHED ? (DEFAULT_RETRY.maximumAttempts ?? 1) : 1;
    }
  }
  return 1;
}

/**
 * Runs the job's work in a scope that the cancel signal cancels, and ends it the same way for every kind
 * of job. A signalled cancel ends the job as 'cancelled' (the workflow completes, so the API can read
 * why); Temporal's own cancel of the whole workflow still propagates, after `onCancelled` has recorded it.
 * A TemporalFailure fails the workflow after `onFailed` has recorded it; any other error is a bug in the
 * workflow code, which Temporal answers by retrying the workflow task, so nothing is recorded for it.
 */
export async function runJob<T>(work: () => Promise<T>, endings: JobEndings): Promise<JobOutcome<T>> {
  const scope = new CancellationScope();
  let signalReason: string | undefined;
  setHandler(cancelSignal, (reason) => {
    signalReason = reason ?? 'cancelled by the user';
    scope.cancel();
  });
  setJobStatus('running');
  try {
    const result = await scope.run(work);
    setJobStatus('completed');
    return { status: 'completed', result };
  } catch (err) {
    if (!isCancellation(err)) {
      if (err instanceof TemporalFailure) {
        await CancellationScope.nonCancellable(() => endings.onFailed((err.cause ?? err).message, failedAttempts(err)));
        setJobStatus('failed');
      }
      throw err;
    }
    const reason = signalReason ?? 'workflow cancelled';
    await CancellationScope.nonCancellable(() => endings.onCancelled(reason));
    setJobStatus('cancelled');
    if (signalReason === undefined) throw err;
    return { status: 'cancelled', reason };
  }
}
