import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { Config } from '../config';

/** The one place that knows how to reach Temporal: a client for the API, a native connection for workers. */
export async function connectClient(address: string, namespace: string): Promise<Client> {
  const connection = await Connection.connect({ address });
  return new Client({ connection, namespace });
}

export function connectWorkerConnection(address: string): Promise<NativeConnection> {
  return NativeConnection.connect({ address });
}

/** The address processes connect to: TEMPORAL_ADDRESS, or the local dev server `npm start` runs. */
export function temporalAddress(cfg: Config): string {
  return cfg.temporal.address ?? `127.0.0.1:${cfg.temporal.port}`;
}
