import { ActivityFailure, ParentClosePolicy, patched, proxyActivities, startChild, workflowInfo } from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { NotifyActivities } from '../activities';
import type { JobEndingInput } from '../activities/job-events';
import type { EventType } from '../events';
import { eventDeliveryJobId } from './identity';
import { queueFor } from './queues';
import { DEFAULT_RETRY } from './retry';

export interface EventDeliveryInput {
  type: EventType;
  /** With the type, names the event row (unique per type and subject): the insight, the recording, the digest. */
  subjectId: string;
}

export interface EventDeliveryResult {
  eventId: number;
  delivered: number;
  failed: number;
}

/**
 * Delivers one recorded event: to each subscribed webhook in parallel, each with its own retries, and into
 * the user's digest. Runs on the notify queue, one per event (workflow id `notify-<type>-<subject>`).
 */
export async function eventDeliveryWorkflow({ type, subjectId }: EventDeliveryInput): Promise<EventDeliveryResult> {
  const notify = proxyActivities<NotifyActivities>({ startToCloseTimeout: '30s', retry: DEFAULT_RETRY });
  const plan = await notify.planDelivery({ type, subjectId });
  const webhooks = proxyActivities<NotifyActivities>({
    startToCloseTimeout: plan.attemptTimeoutMs,
    retry: {
      initialInterval: plan.retry.initialMs,
      backoffCoefficient: 2,
      maximumInterval: plan.retry.maxMs,
      maximumAttempts: plan.retry.maxAttempts,
      nonRetryableErrorTypes: ['InvalidInputError'],
    },
  });

  // First, so a digest does not wait for a slow receiver's retries.
  if (plan.digest) await notify.addToDigest({ userId: plan.userId, eventId: plan.eventId });

  const outcomes = await Promise.all(
    plan.deliveryIds.map(async (deliveryId) => {
      try {
        return (await webhooks.deliverWebhook({ deliveryId })).status;
      } catch (err) {
        if (!(err instanceof ActivityFailure)) throw err;
        // One receiver's failure is recorded on its delivery and does not fail the others.
        await notify.markDeliveryFailed({ deliveryId, error: (err.cause ?? err).message });
        return 'failed';
      }
    }),
  );
  return {
    eventId: plan.eventId,
    delivered: outcomes.filter((s) => s === 'delivered').length,
    failed: outcomes.filter((s) => s === 'failed').length,
  };
}

/**
 * Starts the delivery of an event the calling workflow has recorded, without waiting for it: delivery can
 * retry for hours and must neither hold up nor fail the job, so the child is abandoned when its parent closes.
 */
export async function notifySubscribers(type: EventType, subjectId: string): Promise<void> {
  try {
    await startChild(eventDeliveryWorkflow, {
      workflowId: eventDeliveryJobId(type, subjectId),
      taskQueue: queueFor('notify'),
      args: [{ type, subjectId }],
      parentClosePolicy: ParentClosePolicy.ABANDON,
    });
  } catch (err) {
    // A parent reset past this point finds its event's delivery already started; there is one per event.
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}

/**
 * Records this job's failure or cancel (`record` is the recordJobEnding activity of the calling queue) and
 * starts its delivery. Workflows that started before these events existed replay without them.
 */
export async function announceJobEnding(
  record: (input: JobEndingInput) => Promise<{ subjectId: string }>,
  input: Omit<JobEndingInput, 'jobId' | 'runId'>,
): Promise<void> {
  if (!patched('failure-events')) return;
  const { workflowId, runId } = workflowInfo();
  const { subjectId } = await record({ ...input, jobId: workflowId, runId });
  await notifySubscribers(input.type, subjectId);
}
