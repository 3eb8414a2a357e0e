import type { Client } from '@temporalio/client';
import { config } from '../../config';
import { getDb } from '../../db';
import { pruneResolvedAlerts, recordAlerts, type Transitions } from '../../monitoring/alert-store';
import { evaluateAlerts } from '../../monitoring/alerts';
import { connectClient, temporalAddress } from '../../temporal/connection';
import { whileHeartbeating } from '../heartbeat';

// The rules read queue state and visibility, which takes a client; workers have only their native
// connection, so the first evaluation in a process opens one client that later ones share.
let client: Promise<Client> | undefined;

function temporalClient(): Promise<Client> {
  if (!client) {
    const cfg = config();
    const connecting = connectClient(temporalAddress(cfg), cfg.temporal.namespace);
    // A failed connect is not kept: the activity's retry connects again.
    connecting.catch(() => {
      if (client === connecting) client = undefined;
    });
    client = connecting;
  }
  return client;
}

/** Closes the evaluation client, if one was opened; for when the workers have stopped. */
export async function closeAlertsClient(): Promise<void> {
  const open = client;
  client = undefined;
  await open?.then(
    (c) => c.connection.close(),
    () => undefined,
  );
}

/**
 * Evaluates the alert rules and records what fired and resolved, with an event per admin for each. Alerts
 * resolved longer ago than EVENTS_RETENTION_DAYS are deleted, as their events are.
 */
export async function evaluateAndRecordAlerts(): Promise<Transitions> {
  const cfg = config();
  return whileHeartbeating('evaluate', async () => {
    const { alerts } = await evaluateAlerts(await temporalClient(), cfg);
    const db = await getDb();
    const transitions = await recordAlerts(db, alerts);
    await pruneResolvedAlerts(db, cfg.maintenance.eventsRetentionDays);
    return transitions;
  });
}
