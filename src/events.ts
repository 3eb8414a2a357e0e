import type { Db } from './db';

/**
 * Domain events, recorded in the `events` table by the activity that finishes a piece of work; that row is
 * what every notification (webhook, stream, digest) is made from.
 */
export const EVENT_TYPES = [
  'insight.processed',
  'audio.transcribed',
  'insight.failed',
  'audio.failed',
  'job.cancelled',
  'report.ready',
  'digest.ready',
  'alert.firing',
  'alert.resolved',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/**
 * A job's result, success or not. A digest and a periodic report summarise other events, so a webhook
 * receives them only when it names them.
 */
export const DEFAULT_WEBHOOK_EVENTS: EventType[] = ['insight.processed', 'audio.transcribed', 'insight.failed', 'audio.failed', 'job.cancelled'];

/** Recorded for admins only (src/monitoring/alert-store.ts). */
export const ALERT_EVENTS: EventType[] = ['alert.firing', 'alert.resolved'];

/**
 * An admin's webhook hears of alerts without naming them, as an Alertmanager receiver does; other users
 * never get alert events, so theirs do not list them.
 */
export const defaultWebhookEvents = (admin: boolean): EventType[] => (admin ? [...DEFAULT_WEBHOOK_EVENTS, ...ALERT_EVENTS] : DEFAULT_WEBHOOK_EVENTS);

/**
 * Records one event for a user's notifications. An event is unique per type and subject, so an activity
 * retried after it recorded one records nothing twice.
 */
export async function recordEvent(db: Db, event: { userId: string; type: EventType; subjectId: string; payload: unknown }): Promise<void> {
  await db.query(
    `INSERT INTO events (user_id, type, subject_id, payload) VALUES ($1, $2, $3, $4)
     ON CONFLICT (type, subject_id) DO NOTHING`,
    [event.userId, event.type, event.subjectId, JSON.stringify(event.payload)],
  );
}

/** An event as clients see it: the webhook body, a stream message, an item of `GET /api/events`. */
export interface EventView {
  id: number;
  type: string;
  createdAt: string;
  data: unknown;
}

export interface EventRow {
  id: number | string;
  type: string;
  payload: unknown;
  created_at: Date;
}

// pg returns bigint as a string, PGlite as a number.
export const eventView = (row: EventRow): EventView => ({
  id: Number(row.id),
  type: row.type,
  createdAt: row.created_at.toISOString(),
  data: row.payload,
});

/**
 * Ids come from a sequence, so they are handed out in insert order but can commit out of order: a cursor
 * that has passed id 7 would skip a 6 committed a moment later. Events are shown once they are this old,
 * longer than any transaction that records one.
 */
const SETTLE = "interval '1 second'";

/** The user's events after `after` (an event id), oldest first. */
export async function eventsAfter(db: Db, userId: string, after: number, limit: number): Promise<EventView[]> {
  const rows = await db.query<EventRow>(
    `SELECT id, type, payload, created_at FROM events
     WHERE user_id = $1 AND id > $2 AND created_at <= now() - ${SETTLE}
     ORDER BY id LIMIT $3`,
    [userId, after, limit],
  );
  return rows.map(eventView);
}

/** Where a new stream starts: after the user's last settled event (0 when there is none). */
export async function lastEventId(db: Db, userId: string): Promise<number> {
  const [row] = await db.query<{ id: number | string | null }>(
    `SELECT max(id) AS id FROM events WHERE user_id = $1 AND created_at <= now() - ${SETTLE}`,
    [userId],
  );
  return Number(row?.id ?? 0);
}
