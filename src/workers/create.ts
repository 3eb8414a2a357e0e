import { createHash } from 'node:crypto';
import { readdir, readFile, rename, rm, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  bundleWorkflowCode,
  ResourceBasedController,
  Worker,
  type NativeConnection,
  type WorkerOptions,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import { activitiesByQueue, audioHostActivities, releaseActivityResources, warmUp } from '../activities';
import { audioHostQueue } from '../activities/audio/host';
import { taskQueue, type Config, type QueueKind, type QueueLimits } from '../config';
import { logger } from '../logging';

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const WORKFLOWS_PATH = path.join(SRC, 'workflows/index.ts');

/**
 * What the bundle is made of: every source file under src/ (workflows import a few modules beside
 * src/workflows, and a hash of all of src costs a few ms) and the lock file, which pins the SDK and every
 * package webpack takes into the bundle. Any change to either makes a new bundle.
 */
async function bundleKey(): Promise<string> {
  const hash = createHash('sha256');
  const files = (await readdir(SRC, { recursive: true })).filter((f) => f.endsWith('.ts')).sort();
  for (const file of files) hash.update(file).update('\0').update(await readFile(path.join(SRC, file))).update('\0');
  hash.update(await readFile(path.join(SRC, '..', 'package-lock.json')).catch(() => Buffer.from('no lock file')));
  return hash.digest('hex').slice(0, 16);
}

/**
 * Bundles the workflow code once per process; every worker in the process shares the bundle. With
 * `cacheDir` (npm start, npm run worker: DATA_DIR/cache) the bundle is kept on disk by the hash of
 * what it is made of, so a restart with unchanged code skips webpack (1–3 s of CPU on 2 cores).
 */
export async function bundleWorkflows(opts: { cacheDir?: string } = {}): Promise<WorkflowBundleWithSourceMap> {
  if (!opts.cacheDir) return bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH });
  const name = `workflow-bundle-${await bundleKey()}.json`;
  const file = path.join(opts.cacheDir, name);
  const cached = await readFile(file, 'utf8').then(
    (text) => JSON.parse(text) as WorkflowBundleWithSourceMap,
    () => undefined,
  );
  if (cached?.code && cached.sourceMap) return cached;
  const bundle = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH });
  await mkdir(opts.cacheDir, { recursive: true });
  // Written whole then renamed, so a crash mid-write never leaves a bundle that parses but is cut short.
  const partial = `${file}.${process.pid}.tmp`;
  await writeFile(partial, JSON.stringify({ code: bundle.code, sourceMap: bundle.sourceMap }));
  await rename(partial, file);
  for (const old of await readdir(opts.cacheDir)) {
    if (old.startsWith('workflow-bundle-') && old !== name && !old.endsWith('.tmp')) await rm(path.join(opts.cacheDir, old), { force: true });
  }
  logger.info({ file }, 'workflow bundle cached');
  return bundle;
}

type SlotOptions = Pick<WorkerOptions, 'tuner' | 'maxConcurrentActivityTaskExecutions' | 'maxConcurrentWorkflowTaskExecutions' | 'maxConcurrentLocalActivityExecutions'>;

/**
 * A queue's slots: fixed counts, or the resource-based tuner with those counts as ceilings. Every
 * resource-tuned worker of the process shares `controller`, since the memory and CPU it watches are the
 * host's, not one queue's.
 */
export function slotOptions(limits: QueueLimits, controller: () => ResourceBasedController): SlotOptions {
  if (limits.tuner === 'fixed') {
    return {
      maxConcurrentActivityTaskExecutions: limits.maxConcurrentActivities,
      maxConcurrentWorkflowTaskExecutions: limits.maxConcurrentWorkflowTasks,
    };
  }
  const activities = { minimumSlots: 1, maximumSlots: limits.maxConcurrentActivities };
  return {
    tuner: {
      controller: controller(),
      // Workflow tasks are short and cheap: starving them would stall every job, whatever it holds.
      workflowTaskSlotOptions: { minimumSlots: 2, maximumSlots: limits.maxConcurrentWorkflowTasks },
      activityTaskSlotOptions: activities,
      localActivityTaskSlotOptions: activities,
    },
  };
}

/** One worker per queue kind, each with that queue's limits from config. */
export async function createWorkers(opts: {
  kinds: readonly QueueKind[];
  connection: NativeConnection;
  bundle: WorkflowBundleWithSourceMap;
  cfg: Config;
}): Promise<Worker[]> {
  await warmUp(opts.kinds);
  let controller: ResourceBasedController | undefined;
  const sharedController = () =>
    (controller ??= ResourceBasedController.create({ targetMemoryUsage: opts.cfg.tunerTargets.memory, targetCpuUsage: opts.cfg.tunerTargets.cpu }));
  const common = {
    connection: opts.connection,
    namespace: opts.cfg.temporal.namespace,
    shutdownGraceTime: '10s',
    // Cancellation reaches an activity only with a heartbeat's answer: send them often enough to stop work within ~1 s.
    maxHeartbeatThrottleInterval: '1s',
    defaultHeartbeatThrottleInterval: '500ms',
  } satisfies Partial<WorkerOptions>;
  const workers = opts.kinds.map((kind) => {
    const limits = opts.cfg.queues[kind];
    logger.info({ queue: taskQueue(kind, opts.cfg), ...limits }, 'starting worker');
    return Worker.create({
      ...common,
      taskQueue: taskQueue(kind, opts.cfg),
      workflowBundle: opts.bundle,
      activities: activitiesByQueue[kind],
      ...slotOptions(limits, sharedController),
      maxActivitiesPerSecond: limits.maxActivitiesPerSecond || undefined,
    });
  });
  if (opts.kinds.includes('audio')) {
    // Activities only, on this host's own queue (temporalio/samples-typescript worker-specific-task-queues): the
    // chunk work of the recordings this host split. Chunk tasks are taken at once and wait for an engine inside
    // transcribeChunk (the audio queue's activity slots cap it), so a task left in this queue means a dead host.
    logger.info({ queue: audioHostQueue() }, 'starting audio host worker');
    workers.push(
      Worker.create({ ...common, taskQueue: audioHostQueue(), activities: audioHostActivities, maxConcurrentActivityTaskExecutions: HOST_QUEUE_TASKS }),
    );
  }
  return Promise.all(workers);
}

/** Chunk tasks one audio host holds at once, most of them waiting for an engine: several jobs' lanes. */
const HOST_QUEUE_TASKS = 200;

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
