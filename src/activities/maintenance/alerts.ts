import type { Client } from '@temporalio/client';
import { config } from '../../config';
import { getDb } from '../../db';
import { recordAlerts, type Transitions } from '../../monitoring/alert-store';
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

/** Evaluates the alert rules and records what fired and resolved, with an event per admin for each. */
export async function evaluateAndRecordAlerts(): Promise<Transitions> {
  return whileHeartbeating('evaluate', async () => {
    const { alerts } = await evaluateAlerts(await temporalClient(), config());
    return recordAlerts(await getDb(), alerts);
  });
}
