import { getDb } from '../db';
import { recordEvent, type EventType } from '../events';

export interface JobEndingInput {
  type: Extract<EventType, 'insight.failed' | 'audio.failed' | 'job.cancelled'>;
  kind: 'insight' | 'audio';
  userId: string;
  jobId: string;
  /** With the job id, names the event: a job id started again later is another run, with its own ending. */
  runId: string;
  reason: string;
  attempts: number;
  /** The job's subject, `{ insightId }` or `{ audioId }`, as the event's payload names it. */
  subject: { insightId: string } | { audioId: string };
}

/**
 * Records that a job failed or was cancelled, once per run, for notifications to deliver. Returns the
 * event's subject id, which names its delivery.
 */
export async function recordJobEnding(input: JobEndingInput): Promise<{ subjectId: string }> {
  const db = await getDb();
  const subjectId = `${input.jobId}:${input.runId}`;
  const payload = { kind: input.kind, jobId: input.jobId, reason: input.reason, attempts: input.attempts, ...input.subject };
  await recordEvent(db, { userId: input.userId, type: input.type, subjectId, payload });
  return { subjectId };
}
