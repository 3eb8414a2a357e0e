import { Context } from '@temporalio/activity';

// The SDK throttles what reaches the server (workers/create.ts: at most one a second), so ticking
// often costs nothing and lets a cancel arrive within about a second.
const HEARTBEAT_MS = 500;

function activityContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined;
  }
}

/**
 * Runs `work` while heartbeating, so one long step (a transcription, a VACUUM, a pg_dump) is not taken
 * for a lost worker, and hands it the activity's cancellation signal to stop on.
 */
export async function whileHeartbeating<T>(details: unknown, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const ctx = activityContext();
  // Called as a plain function (a test, a benchmark, a script): nothing to heartbeat to, nothing cancels.
  if (!ctx) return work(new AbortController().signal);
  ctx.heartbeat(details);
  const timer = setInterval(() => ctx.heartbeat(details), HEARTBEAT_MS);
  try {
    return await work(ctx.cancellationSignal);
  } finally {
    clearInterval(timer);
  }
}
