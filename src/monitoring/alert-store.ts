import { randomUUID } from 'node:crypto';
import type { Db } from '../db';
import type { EventType } from '../events';
import type { Alert } from './alerts';

/** A stored alert, as GET /api/alerts lists it and as the `alert.firing` / `alert.resolved` events carry it. */
export interface AlertView {
  id: string;
  rule: string;
  key: string;
  severity: string;
  status: 'firing' | 'resolved';
  message: string;
  details: unknown;
  firedAt: string;
  lastSeenAt: string;
  resolvedAt: string | null;
}

interface AlertRow {
  id: string;
  rule: string;
  key: string;
  severity: string;
  message: string;
  details: unknown;
  fired_at: Date;
  last_seen_at: Date;
  resolved_at: Date | null;
}

const COLUMNS = 'id, rule, key, severity, message, details, fired_at, last_seen_at, resolved_at';

const alertView = (row: AlertRow): AlertView => ({
  id: row.id,
  rule: row.rule,
  key: row.key,
  severity: row.severity,
  status: row.resolved_at ? 'resolved' : 'firing',
  message: row.message,
  details: row.details,
  firedAt: row.fired_at.toISOString(),
  lastSeenAt: row.last_seen_at.toISOString(),
  resolvedAt: row.resolved_at?.toISOString() ?? null,
});

/** An event recorded for one admin, to be delivered by its own delivery workflow. */
export interface RecordedEvent {
  type: Extract<EventType, 'alert.firing' | 'alert.resolved'>;
  subjectId: string;
}

export interface Transitions {
  fired: AlertView[];
  resolved: AlertView[];
  events: RecordedEvent[];
  /** Alerts firing after this evaluation, new ones included. */
  firing: number;
}

/**
 * One event per admin, in the transaction that made the transition, so a transition is never without its
 * events. The event table is unique per type and subject, hence a subject of alert and user.
 */
async function recordEvents(tx: Db, type: RecordedEvent['type'], alert: AlertView): Promise<RecordedEvent[]> {
  const rows = await tx.query<{ subject_id: string }>(
    `INSERT INTO events (user_id, type, subject_id, payload)
     SELECT id, $1, $2 || ':' || id::text, $3 FROM users WHERE is_admin
     ON CONFLICT (type, subject_id) DO NOTHING RETURNING subject_id`,
    [type, alert.id, JSON.stringify(alert)],
  );
  return rows.map((r) => ({ type, subjectId: r.subject_id }));
}

/**
 * Brings the store in line with one evaluation: a new alert fires (a row and its events), one still there
 * is only marked seen, and an open one that is gone resolves. Each transition is one conditional write
 * (an insert that the open-alert index lets through once, an update of rows still open), so evaluators
 * running at once record each firing and each resolution once.
 */
export async function recordAlerts(db: Db, alerts: Alert[]): Promise<Transitions> {
  const fired: AlertView[] = [];
  const events: RecordedEvent[] = [];
  for (const alert of alerts) {
    await db.transaction(async (tx) => {
      const [row] = await tx.query<AlertRow>(
        `INSERT INTO alerts (id, rule, key, severity, message, details) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (rule, key) WHERE resolved_at IS NULL DO NOTHING RETURNING ${COLUMNS}`,
        [randomUUID(), alert.rule, alert.key, alert.severity, alert.message, JSON.stringify(alert.details)],
      );
      if (row) {
        const view = alertView(row);
        fired.push(view);
        events.push(...(await recordEvents(tx, 'alert.firing', view)));
        return;
      }
      // Still firing: what it says now (a growing backlog, the latest failed run), but no new event.
      await tx.query(
        `UPDATE alerts SET severity = $3, message = $4, details = $5, last_seen_at = now() WHERE rule = $1 AND key = $2 AND resolved_at IS NULL`,
        [alert.rule, alert.key, alert.severity, alert.message, JSON.stringify(alert.details)],
      );
    });
  }
  const current = JSON.stringify(alerts.map((a) => ({ rule: a.rule, key: a.key })));
  const resolved = await db.transaction(async (tx) => {
    const rows = await tx.query<AlertRow>(
      `UPDATE alerts SET resolved_at = now() WHERE resolved_at IS NULL
         AND NOT EXISTS (SELECT 1 FROM jsonb_to_recordset($1::jsonb) AS c(rule text, key text) WHERE c.rule = alerts.rule AND c.key = alerts.key)
       RETURNING ${COLUMNS}`,
      [current],
    );
    const views = rows.map(alertView);
    for (const view of views) events.push(...(await recordEvents(tx, 'alert.resolved', view)));
    return views;
  });
  const [{ n }] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM alerts WHERE resolved_at IS NULL');
  return { fired, resolved, events, firing: n };
}

/** Deletes alerts resolved more than `days` ago; their events go with the events' own retention. */
export async function pruneResolvedAlerts(db: Db, days: number): Promise<void> {
  await db.query('DELETE FROM alerts WHERE resolved_at < now() - make_interval(days => $1::int)', [days]);
}

/** The alerts firing now, oldest first, and those resolved within `recentHours`, newest first (at most `limit`). */
export async function storedAlerts(db: Db, opts: { recentHours: number; limit: number }): Promise<{ firing: AlertView[]; recent: AlertView[] }> {
  const [firing, recent] = await Promise.all([
    db.query<AlertRow>(`SELECT ${COLUMNS} FROM alerts WHERE resolved_at IS NULL ORDER BY fired_at, id`),
    db.query<AlertRow>(
      `SELECT ${COLUMNS} FROM alerts WHERE resolved_at > now() - make_interval(hours => $1::int) ORDER BY resolved_at DESC, id LIMIT $2`,
      [opts.recentHours, opts.limit],
    ),
  ]);
  return { firing: firing.map(alertView), recent: recent.map(alertView) };
}
