import { Context } from '@temporalio/activity';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { taskQueue } from '../../config';
import { getDb, type Db } from '../../db';
import { eventDeliveryWorkflow } from '../../workflows/event-delivery';
import { eventDeliveryJobId } from '../../workflows/identity';
import { whileHeartbeating } from '../heartbeat';

/** What one user did in one period; stored as JSON in `reports.data` and served by GET /api/reports. */
export interface UserReport {
  periodStart: string;
  periodEnd: string;
  insights: { total: number; byCategory: Record<string, number>; byStatus: Record<string, number> };
  audio: { recordings: number; minutesTranscribed: number };
  topEntities: { key: string; type: string; text: string; insights: number; mentions: number }[];
}

// Named entities only: dates, amounts and addresses recur without saying what a period was about.
const REPORTED_ENTITY_TYPES = ['person', 'organization', 'place'];
const TOP_ENTITIES = 10;
const USER_BATCH = 100;
const NO_USER = '00000000-0000-0000-0000-000000000000';

interface Period {
  periodStart: string;
  periodEnd: string;
}

function activeUsers(db: Db, period: Period, after: string): Promise<{ user_id: string }[]> {
  return db.query(
    `SELECT user_id::text FROM (
       SELECT user_id FROM insights WHERE created_at >= $1::timestamptz AND created_at < $2::timestamptz
       UNION
       SELECT user_id FROM audio_recordings WHERE transcribed_at >= $1::timestamptz AND transcribed_at < $2::timestamptz
     ) active WHERE user_id > $3::uuid ORDER BY user_id LIMIT $4`,
    [period.periodStart, period.periodEnd, after, USER_BATCH],
  );
}

/** The reports of a batch of users, three grouped queries for the whole batch. */
async function reportsFor(db: Db, period: Period, userIds: string[]): Promise<Map<string, UserReport>> {
  const params = [period.periodStart, period.periodEnd, JSON.stringify(userIds)];
  const inBatch = `IN (SELECT jsonb_array_elements_text($3::jsonb)::uuid)`;
  const [counts, audio, entities] = await Promise.all([
    db.query<{ user_id: string; category: string; status: string; n: number }>(
      `SELECT i.user_id::text, coalesce(l.category, i.category, 'unclassified') AS category, i.status, count(*)::int AS n
       FROM insights i LEFT JOIN insight_labels l ON l.insight_id = i.id
       WHERE i.user_id ${inBatch} AND i.created_at >= $1::timestamptz AND i.created_at < $2::timestamptz
       GROUP BY 1, 2, 3`,
      params,
    ),
    db.query<{ user_id: string; recordings: number; seconds: number }>(
      `SELECT user_id::text, count(*)::int AS recordings, coalesce(sum(duration_sec), 0)::float8 AS seconds
       FROM audio_recordings
       WHERE user_id ${inBatch} AND transcribed_at >= $1::timestamptz AND transcribed_at < $2::timestamptz
       GROUP BY 1`,
      params,
    ),
    db.query<{ user_id: string; key: string; type: string; text: string; insights: number; mentions: number }>(
      `SELECT user_id, key, type, text, insights, mentions FROM (
         SELECT i.user_id::text AS user_id, e.key, e.type, mode() WITHIN GROUP (ORDER BY e.text) AS text,
           count(DISTINCT e.insight_id)::int AS insights, count(*)::int AS mentions,
           row_number() OVER (PARTITION BY i.user_id ORDER BY count(DISTINCT e.insight_id) DESC, count(*) DESC, e.key) AS rank
         FROM insight_entities e JOIN insights i ON i.id = e.insight_id
         WHERE i.user_id ${inBatch} AND i.created_at >= $1::timestamptz AND i.created_at < $2::timestamptz
           AND e.type IN (SELECT jsonb_array_elements_text($4::jsonb))
         GROUP BY i.user_id, e.key, e.type
       ) ranked WHERE rank <= $5 ORDER BY user_id, rank`,
      [...params, JSON.stringify(REPORTED_ENTITY_TYPES), TOP_ENTITIES],
    ),
  ]);

  const reports = new Map<string, UserReport>(
    userIds.map((id) => [
      id,
      {
        ...period,
        insights: { total: 0, byCategory: {}, byStatus: {} },
        audio: { recordings: 0, minutesTranscribed: 0 },
        topEntities: [],
      },
    ]),
  );
  for (const row of counts) {
    const { insights } = reports.get(row.user_id)!;
    insights.total += row.n;
    insights.byCategory[row.category] = (insights.byCategory[row.category] ?? 0) + row.n;
    insights.byStatus[row.status] = (insights.byStatus[row.status] ?? 0) + row.n;
  }
  for (const row of audio) {
    reports.get(row.user_id)!.audio = { recordings: row.recordings, minutesTranscribed: Math.round((row.seconds / 60) * 100) / 100 };
  }
  for (const { user_id, ...entity } of entities) reports.get(user_id)!.topEntities.push(entity);
  return reports;
}

/**
 * Stores a report for every user active in the period (an insight made or a recording transcribed), a
 * batch of users at a time. The heartbeat carries the last user done, so a retry resumes after it; a
 * user's report for the same period is replaced, never duplicated.
 */
export async function buildReports(input: Period & { jobId: string }): Promise<{ users: number }> {
  const ctx = Context.current();
  const db = await getDb();
  const period = { periodStart: input.periodStart, periodEnd: input.periodEnd };
  let { cursor, users } = (ctx.info.heartbeatDetails as { cursor: string; users: number } | undefined) ?? { cursor: NO_USER, users: 0 };
  for (;;) {
    const batch = (await activeUsers(db, period, cursor)).map((r) => r.user_id);
    if (batch.length === 0) return { users };
    await whileHeartbeating({ cursor, users }, async () => {
      const reports = await reportsFor(db, period, batch);
      await db.transaction(async (tx) => {
        for (const [userId, report] of reports) {
          await tx.query(
            `INSERT INTO reports (user_id, period_start, period_end, data, job_id) VALUES ($1, $2::timestamptz, $3::timestamptz, $4, $5)
             ON CONFLICT (user_id, period_start, period_end) DO UPDATE SET data = $4, job_id = $5, created_at = now()`,
            [userId, period.periodStart, period.periodEnd, JSON.stringify(report), input.jobId],
          );
        }
      });
    });
    users += batch.length;
    cursor = batch.at(-1)!;
    ctx.heartbeat({ cursor, users });
  }
}

/**
 * Records a `report.ready` event for each report the run made, for its owner (a report is read by its
 * owner only), and starts the delivery of those whose owner has a webhook that takes them (`report.ready`,
 * or `digest.ready` to collect them). The deliveries start here, not as child workflows, so a run over
 * many users keeps a short history. Event and delivery ids are named by report and run: a retry records
 * and starts nothing twice, and a later run that rebuilds a report announces it again.
 */
export async function announceReports(input: Period & { jobId: string }): Promise<{ events: number; deliveries: number }> {
  const ctx = Context.current();
  const db = await getDb();
  const ofThisRun = 'r.job_id = $1 AND r.period_start = $2::timestamptz AND r.period_end = $3::timestamptz';
  const params = [input.jobId, input.periodStart, input.periodEnd];
  const [{ events }] = await db.query<{ events: number }>(
    `WITH recorded AS (
       INSERT INTO events (user_id, type, subject_id, payload)
       SELECT r.user_id, 'report.ready', r.id::text || ':' || $1, jsonb_build_object(
         'reportId', r.id::text,
         'period', jsonb_build_object('start', r.data->>'periodStart', 'end', r.data->>'periodEnd'),
         'insights', (r.data->'insights'->>'total')::int,
         'recordings', (r.data->'audio'->>'recordings')::int)
       FROM reports r WHERE ${ofThisRun}
       ON CONFLICT (type, subject_id) DO NOTHING RETURNING 1)
     SELECT count(*)::int AS events FROM recorded`,
    params,
  );
  const subscribed = await db.query<{ subject_id: string }>(
    `SELECT r.id::text || ':' || $1 AS subject_id FROM reports r
     WHERE ${ofThisRun} AND EXISTS (
       SELECT 1 FROM webhooks w WHERE w.user_id = r.user_id AND w.deleted_at IS NULL
         AND ('report.ready' = ANY(w.events) OR 'digest.ready' = ANY(w.events)))
     ORDER BY r.id`,
    params,
  );
  for (const { subject_id: subjectId } of subscribed) {
    ctx.heartbeat();
    await ctx.client.workflow
      .start(eventDeliveryWorkflow, {
        workflowId: eventDeliveryJobId('report.ready', subjectId),
        taskQueue: taskQueue('notify'),
        args: [{ type: 'report.ready', subjectId }],
      })
      .catch((err: unknown) => {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      });
  }
  return { events, deliveries: subscribed.length };
}
