import '../startup-errors';
import { config } from '../config';
import { closeDb, getDb } from '../db';
import { onShutdown } from '../lifecycle';
import { logger } from '../logging';
import { connectClient, temporalAddress } from '../temporal/connection';
import { closeServer, listen } from './server';

/** `npm run api`: the HTTP API alone, for a machine that runs no workers. */
const cfg = config();
const db = await getDb();
const client = await connectClient(temporalAddress(cfg), cfg.temporal.namespace);
const server = await listen({ client, db, cfg });
logger.info({ port: cfg.api.port }, 'API listening');
onShutdown([
  { name: 'api', run: () => closeServer(server) },
  { name: 'temporal client', run: () => client.connection.close() },
  { name: 'database', run: closeDb },
]);
