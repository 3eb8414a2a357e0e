import { Context } from '@temporalio/activity';

/**
 * Holds a job in flight for a while, heartbeating, so tests can kill processes mid-job. Only reachable
 * when ALLOW_TEST_HOOKS=true (the API refuses the field otherwise). The heartbeat records time already
 * held, so a retry after a crash holds only for what was left.
 */
export async function holdForTest(input: { ms: number }): Promise<void> {
  const ctx = Context.current();
  const alreadyHeld = (ctx.info.heartbeatDetails as number | undefined) ?? 0;
  const started = Date.now() - alreadyHeld;
  while (Date.now() - started < input.ms) {
    ctx.heartbeat(Date.now() - started);
    await ctx.sleep(Math.min(500, input.ms - (Date.now() - started)));
  }
}
