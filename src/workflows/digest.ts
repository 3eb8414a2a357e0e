import { condition, continueAsNew, defineSignal, proxyActivities, setHandler, sleep, workflowInfo } from '@temporalio/workflow';
import type { NotifyActivities } from '../activities';
import { DEFAULT_RETRY } from './retry';
import { notifySubscribers } from './event-delivery';

export interface DigestInput {
  userId: string;
  windowSeconds: number;
  /** Events that arrived while the previous run was recording its digest. */
  pending?: number[];
}

/** An event of the user's to put into the digest (its events-table id). */
export const digestEventSignal = defineSignal<[eventId: number]>('digestEvent');

/**
 * The user's digest (workflow id `digest-<userId>`), started or fed by signal-with-start from event
 * delivery. One run is one window: it opens with the first event, collects events for `windowSeconds`,
 * records one `digest.ready` event with counts by type and the event ids, and starts its delivery. Events
 * that arrive meanwhile go on in a new run (continue-as-new), so history stays one window long; with none,
 * the workflow ends, and the next event starts it again.
 */
export async function digestWorkflow(input: DigestInput): Promise<void> {
  const notify = proxyActivities<NotifyActivities>({ startToCloseTimeout: '30s', retry: DEFAULT_RETRY });
  const pending = new Set(input.pending);
  setHandler(digestEventSignal, (eventId) => {
    pending.add(eventId);
  });

  await condition(() => pending.size > 0);
  await sleep(input.windowSeconds * 1000);
  const batch = [...pending];
  // The run id names the digest: a retried activity records the same one.
  const digestId = workflowInfo().runId;
  const { recorded } = await notify.recordDigest({ userId: input.userId, eventIds: batch, digestId });
  batch.forEach((id) => pending.delete(id));
  if (recorded) await notifySubscribers('digest.ready', digestId);

  if (pending.size > 0) await continueAsNew<typeof digestWorkflow>({ ...input, pending: [...pending] });
}
