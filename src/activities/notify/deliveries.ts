import { ApplicationFailure } from '@temporalio/common';
import { Context } from '@temporalio/activity';
import { config } from '../../config';
import { getDb } from '../../db';
import { eventView, type EventRow, type EventType } from '../../events';
import { invalidInput } from '../errors';
import { retryDelayMs } from './retry-delay';
import { postWebhook } from './webhook-http';

export interface DeliveryPlan {
  eventId: number;
  userId: string;
  /** One delivery per active webhook subscribed to the event's type. */
  deliveryIds: string[];
  /** Whether the event goes into the user's digest: someone subscribes to `digest.ready`. */
  digest: boolean;
  /** The worker's settings, which workflow code cannot read: the retry policy of deliverWebhook. */
  retry: { maxAttempts: number; initialMs: number; maxMs: number };
  attemptTimeoutMs: number;
}

// Time for the database work around the request itself.
const ATTEMPT_OVERHEAD_MS = 5_000;

/**
 * Finds the event by its natural key and makes a delivery row for each subscribed webhook. Rows are unique
 * per (event, webhook), so running this again returns the same deliveries.
 */
export async function planDelivery(input: { type: EventType; subjectId: string }): Promise<DeliveryPlan> {
  const db = await getDb();
  const [event] = await db.query<{ id: number | string; user_id: string }>(
    'SELECT id, user_id FROM events WHERE type = $1 AND subject_id = $2',
    [input.type, input.subjectId],
  );
  if (!event) throw invalidInput(`no ${input.type} event for ${input.subjectId}`);
  const eventId = Number(event.id);
  const deliveries = await db.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO deliveries (id, event_id, webhook_id)
       SELECT gen_random_uuid(), $1, id FROM webhooks
       WHERE user_id = $2 AND deleted_at IS NULL AND $3::text = ANY(events)
       ON CONFLICT (event_id, webhook_id) DO NOTHING`,
      [eventId, event.user_id, input.type],
    );
    return tx.query<{ id: string }>('SELECT id FROM deliveries WHERE event_id = $1 ORDER BY created_at, id', [eventId]);
  });
  const [digest] =
    input.type === 'digest.ready'
      ? []
      : await db.query(`SELECT 1 FROM webhooks WHERE user_id = $1 AND deleted_at IS NULL AND 'digest.ready' = ANY(events) LIMIT 1`, [
          event.user_id,
        ]);
  const { notify } = config();
  return {
    eventId,
    userId: event.user_id,
    deliveryIds: deliveries.map((d) => d.id),
    digest: digest !== undefined,
    retry: { maxAttempts: notify.maxAttempts, initialMs: notify.retryInitialMs, maxMs: notify.retryMaxMs },
    attemptTimeoutMs: notify.webhookTimeoutMs + ATTEMPT_OVERHEAD_MS,
  };
}

interface DeliveryRow extends EventRow {
  status: string;
  url: string;
  secret: string;
  webhook_deleted: boolean;
}

async function recordAttempt(
  deliveryId: string,
  attempt: number,
  outcome: { status: string; httpStatus?: number; error?: string },
): Promise<void> {
  const db = await getDb();
  // GREATEST: an attempt whose record arrives late (a retry after a lost completion) cannot lower the count.
  await db.query(
    `UPDATE deliveries SET attempts = GREATEST(attempts, $2), status = $3, http_status = coalesce($4, http_status),
       last_error = coalesce($5, last_error), delivered_at = CASE WHEN $3 = 'delivered' THEN now() END, updated_at = now()
     WHERE id = $1`,
    [deliveryId, attempt, outcome.status, outcome.httpStatus ?? null, outcome.error ?? null],
  );
}

/**
 * One attempt at one delivery: POSTs the signed event and records how it went. A refusal (most 4xx) fails
 * for good; a passing failure is retried by Temporal after a jittered backoff, or after the receiver's
 * Retry-After. A delivery already made is not made again.
 */
export async function deliverWebhook(input: { deliveryId: string }): Promise<{ status: 'delivered' | 'cancelled'; httpStatus?: number }> {
  const db = await getDb();
  const [row] = await db.query<DeliveryRow>(
    `SELECT d.status, w.url, w.secret, w.deleted_at IS NOT NULL AS webhook_deleted, e.id, e.type, e.payload, e.created_at
     FROM deliveries d JOIN webhooks w ON w.id = d.webhook_id JOIN events e ON e.id = d.event_id
     WHERE d.id = $1`,
    [input.deliveryId],
  );
  if (!row) throw invalidInput(`delivery ${input.deliveryId} does not exist`);
  if (row.status === 'delivered' || row.status === 'cancelled') return { status: row.status };
  const { attempt } = Context.current().info;
  if (row.webhook_deleted) {
    await recordAttempt(input.deliveryId, attempt - 1, { status: 'cancelled', error: 'the webhook was deleted' });
    return { status: 'cancelled' };
  }

  const { notify, security } = config();
  const outcome = await postWebhook({
    url: row.url,
    secret: row.secret,
    body: JSON.stringify(eventView(row)),
    eventType: row.type,
    deliveryId: input.deliveryId,
    timeoutMs: notify.webhookTimeoutMs,
    policy: security.webhooks,
  });
  if (outcome.delivered) {
    await recordAttempt(input.deliveryId, attempt, { status: 'delivered', httpStatus: outcome.httpStatus });
    return { status: 'delivered', httpStatus: outcome.httpStatus };
  }
  await recordAttempt(input.deliveryId, attempt, {
    status: outcome.retryable ? 'retrying' : 'failed',
    httpStatus: outcome.httpStatus,
    error: outcome.error,
  });
  throw ApplicationFailure.create({
    type: 'WebhookDeliveryError',
    message: outcome.error,
    nonRetryable: !outcome.retryable,
    nextRetryDelay: outcome.retryable
      ? retryDelayMs({ attempt, initialMs: notify.retryInitialMs, maxMs: notify.retryMaxMs, retryAfterMs: outcome.retryAfterMs })
      : undefined,
  });
}

/** The workflow gave up on a delivery (attempts used up, or an attempt that never reported back). */
export async function markDeliveryFailed(input: { deliveryId: string; error: string }): Promise<void> {
  const db = await getDb();
  await db.query(
    `UPDATE deliveries SET status = 'failed', last_error = $2, updated_at = now()
     WHERE id = $1 AND status NOT IN ('delivered', 'cancelled')`,
    [input.deliveryId, input.error],
  );
}
