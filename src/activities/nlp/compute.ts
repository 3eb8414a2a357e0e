import { createNlpPool, type NlpPool } from './pool';

let pool: Promise<NlpPool> | undefined;

/**
 * The process-wide thread pool for the CPU-heavy stages (entities, embeddings, classification), sized
 * to the cores. Running them on threads keeps the worker's event loop free for heartbeats and polling
 * (measured: worst timer delay 592 ms on the main thread, 18 ms with the pool).
 */
export function nlpPool(): Promise<NlpPool> {
  pool ??= createNlpPool().catch((err) => {
    pool = undefined;
    throw err;
  });
  return pool;
}

export async function closeNlpPool(): Promise<void> {
  const current = pool;
  pool = undefined;
  if (current) await (await current).close();
}
