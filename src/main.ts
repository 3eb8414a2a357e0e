import './startup-errors';
import path from 'node:path';
import { closeServer, listen } from './api/server';
import { config, QUEUE_KINDS } from './config';
import { closeDb, getDb } from './db';
import { onShutdown } from './lifecycle';
import { logger } from './logging';
import { AlreadyRunningError, claimDataDir } from './pid-file';
import { startReembedding } from './reembedding';
import { ensureSchedules } from './schedules';
import { resolveTemporalCli } from './temporal/cli';
import { connectClient, connectWorkerConnection, temporalAddress } from './temporal/connection';
import { startDevServer } from './temporal/dev-server';
import { installTemporalRuntime } from './temporal/runtime';
import { ensureDevUser } from './users';
import { bundleWorkflows, createWorkers, runWorkers } from './workers/create';

/**
 * `npm start`: the whole system in one process tree. A Temporal dev server (unless TEMPORAL_ADDRESS
 * points at a cluster), the workers of every queue, and the API.
 */
const cfg = config();
// Set by the first shutdown step; the dev server's exit handler reads it from the start on.
let stopping = false;
const { claim, found } = await claimDataDir(cfg.dataDir).catch((err: unknown) => {
  if (!(err instanceof AlreadyRunningError)) throw err;
  console.error(err.message);
  process.exit(1);
});
if (found) logger.warn(found);
installTemporalRuntime();

const devServer = cfg.temporal.address
  ? undefined
  : await startDevServer({
      cli: await resolveTemporalCli(cfg.temporal.cli),
      port: cfg.temporal.port,
      uiPort: cfg.temporal.uiPort,
      namespace: cfg.temporal.namespace,
      dbFile: path.join(cfg.dataDir, 'temporal.sqlite'),
      onSpawn: (pid) => claim.recordDevServer(pid),
      onExit: (code) => {
        if (!stopping) {
          logger.fatal({ code }, 'the Temporal dev server exited; stopping');
          process.exitCode = 1;
          process.kill(process.pid, 'SIGTERM');
        }
      },
    });
if (devServer) logger.info({ address: devServer.address, webUi: devServer.uiUrl }, 'Temporal dev server running');

const db = await getDb();
const devKey = await ensureDevUser(db, cfg.dataDir);
if (devKey) logger.info({ file: path.join(cfg.dataDir, 'dev-api-key') }, `created the development user; its API key is ${devKey}`);

const address = temporalAddress(cfg);
const [workerConnection, client] = await Promise.all([connectWorkerConnection(address), connectClient(address, cfg.temporal.namespace)]);
// /readyz means "Temporal and the database answer": true from here on. Jobs accepted before the workers
// poll wait in their task queues, so the API need not wait for bundling, model loads and worker start-up,
// the slow half of a start (docs: Fast restart in the README).
const server = await listen({ client, db, cfg });
logger.info({ api: `http://localhost:${cfg.api.port}` }, 'API ready; starting workers');

const stopWorkers = new AbortController();
const workersDone = (async () => {
  const bundle = await bundleWorkflows({ cacheDir: path.join(cfg.dataDir, 'cache') });
  const workers = await createWorkers({ kinds: QUEUE_KINDS, connection: workerConnection, bundle, cfg });
  const running = runWorkers(workers, stopWorkers.signal);
  await ensureSchedules(client, cfg);
  await startReembedding(client, cfg);
  logger.info({ api: `http://localhost:${cfg.api.port}`, queues: QUEUE_KINDS }, 'Insight Tracker is up');
  await running;
})().catch((err: unknown) => {
  // Without workers nothing runs: stop in order rather than serve an API whose jobs never move.
  logger.fatal({ err }, 'the workers could not start or stopped with an error; stopping');
  process.exitCode = 1;
  process.kill(process.pid, 'SIGTERM');
});

onShutdown([
  { name: 'api', run: () => ((stopping = true), closeServer(server)) },
  { name: 'workers', run: () => (stopWorkers.abort(), workersDone) },
  { name: 'temporal connections', run: () => Promise.all([client.connection.close(), workerConnection.close()]) },
  { name: 'database', run: closeDb },
  { name: 'temporal server', run: () => devServer?.stop() },
  { name: 'pid file', run: () => claim.release() },
]);
