import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, Worker, type NativeConnection, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { activitiesByQueue, releaseActivityResources, warmUp } from '../activities';
import { taskQueue, type Config, type QueueKind } from '../config';
import { logger } from '../logging';

const WORKFLOWS_PATH = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../workflows/index.ts');

/** Bundles the workflow code once per process; every worker in the process shares the bundle. */
export function bundleWorkflows(): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH });
}

/** One worker per queue kind, each with that queue's limits from config. */
export async function createWorkers(opts: {
  kinds: readonly QueueKind[];
  connection: NativeConnection;
  bundle: WorkflowBundleWithSourceMap;
  cfg: Config;
}): Promise<Worker[]> {
  await warmUp(opts.kinds);
  return Promise.all(
    opts.kinds.map((kind) => {
      const limits = opts.cfg.queues[kind];
      logger.info({ queue: taskQueue(kind, opts.cfg), ...limits }, 'starting worker');
      return Worker.create({
        connection: opts.connection,
        namespace: opts.cfg.temporal.namespace,
        taskQueue: taskQueue(kind, opts.cfg),
        workflowBundle: opts.bundle,
        activities: activitiesByQueue[kind],
        maxConcurrentActivityTaskExecutions: limits.maxConcurrentActivities,
        maxConcurrentWorkflowTaskExecutions: limits.maxConcurrentWorkflowTasks,
        maxActivitiesPerSecond: limits.maxActivitiesPerSecond || undefined,
        shutdownGraceTime: '10s',
        // Cancellation reaches an activity only with a heartbeat's answer: send them often enough to stop work within ~1 s.
        maxHeartbeatThrottleInterval: '1s',
        defaultHeartbeatThrottleInterval: '500ms',
      });
    }),
  );
}

/**
 * Runs workers until `signal` aborts, then drains them (in-flight tasks finish within the grace time)
 * and releases what activities hold: threads, child processes.
 */
export async function runWorkers(workers: Worker[], signal: AbortSignal): Promise<void> {
  const onAbort = () => workers.forEach((w) => w.getState() === 'RUNNING' && w.shutdown());
  signal.addEventListener('abort', onAbort, { once: true });
  if (signal.aborted) onAbort();
  try {
    await Promise.all(workers.map((w) => w.run()));
  } finally {
    await releaseActivityResources();
  }
}
