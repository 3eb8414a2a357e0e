import '../startup-errors';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client } from '@temporalio/client';
import { z } from 'zod';
import { config, QUEUE_KINDS } from '../config';
import { closeDb, getDb } from '../db';
import { onShutdown } from '../lifecycle';
import { logger } from '../logging';
import { startReembedding } from '../reembedding';
import { ensureSchedules } from '../schedules';
import { connectWorkerConnection, temporalAddress } from '../temporal/connection';
import { installTemporalRuntime } from '../temporal/runtime';
import { bundleWorkflows, createWorkers, runWorkers } from './create';

/** `npm run worker -- --queues nlp,audio`: workers for the named queues only (all when omitted). */
const { values } = parseArgs({ options: { queues: { type: 'string' } } });
const queuesArg = z
  .string()
  .transform((s) => s.split(',').map((q) => q.trim()).filter(Boolean))
  .pipe(z.array(z.enum(QUEUE_KINDS)).min(1))
  .safeParse(values.queues ?? QUEUE_KINDS.join(','));
if (!queuesArg.success) {
  console.error(`--queues: expected a comma-separated list of ${QUEUE_KINDS.join(', ')}`);
  process.exit(2);
}

const cfg = config();
// Opened (and migrated) before anything polls: a database this process cannot use stops it here, with the reason,
// rather than failing every activity it would take.
await getDb();
installTemporalRuntime();
const connection = await connectWorkerConnection(temporalAddress(cfg));
const workers = await createWorkers({ kinds: queuesArg.data, connection, bundle: await bundleWorkflows({ cacheDir: path.join(cfg.dataDir, 'cache') }), cfg });
const client = new Client({ connection, namespace: cfg.temporal.namespace });
// The periodic jobs run where their queue is served, so a deployment with a maintenance worker has its schedules.
if (queuesArg.data.includes('maintenance')) await ensureSchedules(client, cfg);
const stop = new AbortController();
onShutdown([
  { name: 'workers', run: () => (stop.abort(), done) },
  { name: 'temporal connection', run: () => connection.close() },
  { name: 'database', run: closeDb },
]);
logger.info({ queues: queuesArg.data }, 'workers running');
const done = runWorkers(workers, stop.signal);
// After the workers poll: counting stale vectors scans the insights, and new jobs need not wait for it.
if (queuesArg.data.includes('nlp')) await startReembedding(client, cfg);
await done;
