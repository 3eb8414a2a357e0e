import { randomBytes, randomUUID } from 'node:crypto';
import type { Db } from '../db';
import type { EventType } from '../events';

// Webhooks for the API. Every query is scoped to the user, so another user's webhook is indistinguishable
// from a missing one; a deleted webhook is gone for the API but its delivery log stays.

const COLUMNS = `id, url, events, created_at AS "createdAt"`;

export interface Webhook {
  id: string;
  url: string;
  events: EventType[];
  createdAt: Date;
}

/**
 * Registers a webhook; its signing secret is returned here only. Undefined when the user already has `limit`
 * active webhooks. The user's row is locked for the count, so two registrations at once cannot both pass it.
 */
export async function createWebhook(
  db: Db,
  userId: string,
  input: { url: string; events: EventType[] },
  limit: number,
): Promise<(Webhook & { secret: string }) | undefined> {
  const secret = `whsec_${randomBytes(32).toString('base64url')}`;
  return db.transaction(async (tx) => {
    await tx.query('SELECT 1 FROM users WHERE id = $1 FOR UPDATE', [userId]);
    const [{ count }] = await tx.query<{ count: number }>('SELECT count(*)::int AS count FROM webhooks WHERE user_id = $1 AND deleted_at IS NULL', [userId]);
    if (count >= limit) return undefined;
    const [webhook] = await tx.query<Webhook>(
      `INSERT INTO webhooks (id, user_id, url, events, secret) VALUES ($1, $2, $3, $4, $5) RETURNING ${COLUMNS}`,
      [randomUUID(), userId, input.url, input.events, secret],
    );
    return { ...webhook, secret };
  });
}

export function listWebhooks(db: Db, userId: string): Promise<Webhook[]> {
  return db.query<Webhook>(`SELECT ${COLUMNS} FROM webhooks WHERE user_id = $1 AND deleted_at IS NULL ORDER BY created_at, id`, [userId]);
}

/** Stops deliveries to the webhook, those being retried included; false when the user has no such webhook. */
export async function deleteWebhook(db: Db, userId: string, webhookId: string): Promise<boolean> {
  const rows = await db.query(
    'UPDATE webhooks SET deleted_at = now() WHERE id = $1 AND user_id = $2 AND deleted_at IS NULL RETURNING id',
    [webhookId, userId],
  );
  return rows.length > 0;
}

/** The webhook's delivery log, newest first; undefined when the user has no such webhook. */
export async function listDeliveries(db: Db, userId: string, webhookId: string, limit: number) {
  const [webhook] = await db.query('SELECT 1 FROM webhooks WHERE id = $1 AND user_id = $2 AND deleted_at IS NULL', [webhookId, userId]);
  if (!webhook) return undefined;
  const rows = await db.query<{ eventId: number | string }>(
    `SELECT d.id, d.event_id AS "eventId", e.type AS "eventType", d.status, d.attempts, d.http_status AS "httpStatus",
       d.last_error AS "lastError", d.created_at AS "createdAt", d.updated_at AS "updatedAt", d.delivered_at AS "deliveredAt"
     FROM deliveries d JOIN events e ON e.id = d.event_id
     WHERE d.webhook_id = $1 ORDER BY d.created_at DESC, d.id LIMIT $2`,
    [webhookId, limit],
  );
  return rows.map((r) => ({ ...r, eventId: Number(r.eventId) }));
}
