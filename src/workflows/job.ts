import { CancellationScope, defineQuery, defineSignal, isCancellation, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import { JOB_STATUS, type JobStatus } from '../temporal/search-attributes';

/** What every job workflow shares with the API: its progress query, its cancel signal and its result. */
export interface JobProgress {
  stage: string;
  percent: number;
  [detail: string]: unknown;
}

export type JobOutcome<T> =
  | { status: 'completed'; result: T }
  | { status: 'cancelled'; reason: string };

export const progressQuery = defineQuery<JobProgress>('progress');
export const cancelSignal = defineSignal<[reason?: string]>('cancel');

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

/**
 * Runs the job's work in a scope that the cancel signal cancels. A signalled cancel ends the job
 * as 'cancelled' (the workflow completes, so the API can read why); Temporal's own cancel of the
 * whole workflow still propagates, after `onCancelled` has recorded it.
 */
export async function runCancellable<T>(
  work: () => Promise<T>,
  onCancelled: (reason: string) => Promise<void>,
): Promise<JobOutcome<T>> {
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
      setJobStatus('failed');
      throw err;
    }
    const reason = signalReason ?? 'workflow cancelled';
    await CancellationScope.nonCancellable(() => onCancelled(reason));
    setJobStatus('cancelled');
    if (signalReason === undefined) throw err;
    return { status: 'cancelled', reason };
  }
}
