import './env';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Client } from '@temporalio/client';
import { closeServer, listen } from '../../src/api/server';
import { config, QUEUE_KINDS, type QueueKind } from '../../src/config';
import { closeDb, getDb, type Db } from '../../src/db';
import { connectClient, connectWorkerConnection, temporalAddress } from '../../src/temporal/connection';
import { installTemporalRuntime } from '../../src/temporal/runtime';
import { createUser } from '../../src/users';
import { bundleWorkflows, createWorkers, runWorkers } from '../../src/workers/create';

export interface TestStack {
  baseUrl: string;
  apiKey: string;
  userId: string;
  keyId: string;
  db: Db;
  client: Client;
  newUser(): Promise<{ userId: string; apiKey: string; keyId: string }>;
  /** fetch against the API as the stack's user (or with another key), JSON in and out. */
  call(method: string, route: string, body?: unknown, apiKey?: string): Promise<{ status: number; body: any }>;
  stop(): Promise<void>;
}

/**
 * The real system inside the test process: workers for the given queues and the API, on the Temporal
 * server `npm test` started, with this file's own task-queue prefix and data directory (./env).
 */
export async function startStack(opts: { queues?: QueueKind[] } = {}): Promise<TestStack> {
  const cfg = config();
  installTemporalRuntime();

  const db = await getDb();
  const client = await connectClient(temporalAddress(cfg), cfg.temporal.namespace);
  const connection = await connectWorkerConnection(temporalAddress(cfg));
  const workers = await createWorkers({ kinds: opts.queues ?? QUEUE_KINDS, connection, bundle: await bundleWorkflows(), cfg });
  const stopWorkers = new AbortController();
  const workersDone = runWorkers(workers, stopWorkers.signal);
  const server = await listen({ client, db, cfg });
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // Names are unique, and the PostgreSQL-mode files share one database.
  const uniqueName = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;
  const owner = await createUser(db, uniqueName('test-user'));

  const call: TestStack['call'] = async (method, route, body, apiKey = owner.apiKey) => {
    const res = await fetch(`${baseUrl}${route}`, {
      method,
      headers: {
        authorization: `Bearer ${apiKey}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };

  return {
    baseUrl,
    ...owner,
    db,
    client,
    newUser: () => createUser(db, uniqueName('other-user')),
    call,
    async stop() {
      await closeServer(server);
      stopWorkers.abort();
      await workersDone;
      await Promise.all([client.connection.close(), connection.close()]);
      await closeDb();
      rmSync(cfg.dataDir, { recursive: true, force: true });
    },
  };
}

/** Polls until `check` returns a value, or fails after `timeoutMs`. */
export async function waitFor<T>(check: () => Promise<T | undefined>, timeoutMs = 30_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** POSTs an insight (202 expected) and waits until its job has ended, however it ended. */
export async function submitInsight(stack: TestStack, body: object, apiKey?: string): Promise<{ insightId: string; job: any }> {
  const res = await stack.call('POST', '/api/insights', body, apiKey);
  assert.equal(res.status, 202, JSON.stringify(res.body));
  const job = await waitFor(async () => {
    const { body: view } = await stack.call('GET', `/api/jobs/${res.body.jobId}`, undefined, apiKey);
    return ['completed', 'failed', 'cancelled'].includes(view.status) ? view : undefined;
  }, 60_000, 'the insight job to finish');
  return { insightId: res.body.insightId, job };
}
