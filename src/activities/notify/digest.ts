import { Context } from '@temporalio/activity';
import { config, taskQueue } from '../../config';
import { getDb } from '../../db';
import { recordEvent } from '../../events';
import { digestEventSignal, digestWorkflow } from '../../workflows/digest';
import { digestJobId } from '../../workflows/identity';

/**
 * Hands an event to the user's digest workflow, starting it if it is not running. A workflow cannot
 * signal-with-start, so this is an activity, with the worker's own client.
 */
export async function addToDigest(input: { userId: string; eventId: number }): Promise<void> {
  await Context.current().client.workflow.signalWithStart(digestWorkflow, {
    workflowId: digestJobId(input.userId),
    taskQueue: taskQueue('notify'),
    args: [{ userId: input.userId, windowSeconds: config().notify.digestWindowSec }],
    signal: digestEventSignal,
    signalArgs: [input.eventId],
  });
}

/**
 * Records one `digest.ready` event for a batch: the counts by type, the event ids and the time they span. Events
 * already in another digest are left out (a redelivered signal can reach a later window); when none is
 * left there is no digest. The digest id makes the row unique, so a retry records it once.
 */
export async function recordDigest(input: { userId: string; eventIds: number[]; digestId: string }): Promise<{ recorded: boolean }> {
  const db = await getDb();
  return db.transaction(async (tx) => {
    const events = await tx.query<{ id: number | string; type: string; created_at: Date }>(
      `SELECT e.id, e.type, e.created_at FROM events e
       WHERE e.user_id = $1 AND e.id = ANY($2::bigint[]) AND e.type <> 'digest.ready'
         AND NOT EXISTS (SELECT 1 FROM events d WHERE d.user_id = $1 AND d.type = 'digest.ready' AND d.subject_id <> $3
                         AND d.payload->'eventIds' @> to_jsonb(e.id))
       ORDER BY e.id`,
      [input.userId, input.eventIds, input.digestId],
    );
    if (events.length === 0) return { recorded: false };
    const counts: Record<string, number> = {};
    for (const e of events) counts[e.type] = (counts[e.type] ?? 0) + 1;
    const times = events.map((e) => e.created_at.getTime());
    const payload = {
      total: events.length,
      counts,
      eventIds: events.map((e) => Number(e.id)),
      from: new Date(Math.min(...times)).toISOString(),
      to: new Date(Math.max(...times)).toISOString(),
    };
    await recordEvent(tx, { userId: input.userId, type: 'digest.ready', subjectId: input.digestId, payload });
    return { recorded: true };
  });
}
