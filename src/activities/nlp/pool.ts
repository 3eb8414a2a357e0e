import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { config } from '../../config';
import type { Analysis } from './analyse';
import type { Classification, SerializedModel } from './classifier';
import type { Entity, EntityOptions } from './entities';

export type PoolRequest =
  | { kind: 'entities'; text: string; options?: EntityOptions }
  | { kind: 'embed'; text: string }
  | { kind: 'classify'; text: string; modelId: number; model?: SerializedModel }
  | { kind: 'analyse'; text: string; modelId: number; model?: SerializedModel; options?: EntityOptions };

export type PoolReply =
  | { id: number; progress: PoolProgress }
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: { name: string; message: string } };

/** How far a task on a thread has got, in the units it works in (entity windows). */
export interface PoolProgress {
  done: number;
  total: number;
}

/**
 * A caller's hold on one task. Aborting `signal` (the activity was cancelled or timed out) drops a queued
 * task, and ends a running one by terminating its thread, which the pool replaces: work nobody waits for
 * must not keep a core busy.
 */
export interface TaskControl {
  signal?: AbortSignal;
  onProgress?: (progress: PoolProgress) => void;
}

/** CPU-heavy NLP stages on worker threads, so the caller's event loop stays free for heartbeats and polling. */
export interface NlpPool {
  readonly size: number;
  entities(text: string, options?: EntityOptions, control?: TaskControl): Promise<Entity[]>;
  embed(text: string, control?: TaskControl): Promise<number[]>;
  classify(model: SerializedModel, text: string, control?: TaskControl): Promise<Classification>;
  analyse(text: string, model: SerializedModel, options?: EntityOptions): Promise<Analysis>;
  /** Tasks on a thread and tasks waiting for one: how a test sees cancelled work leave. */
  load(): { running: number; queued: number };
  close(): Promise<void>;
}

interface Job {
  request: PoolRequest;
  model?: SerializedModel;
  control?: TaskControl;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

interface Slot {
  worker: Worker;
  job?: Job;
  modelId?: number;
  /** Terminated or exited: takes no task until its replacement is in its place. */
  dead?: boolean;
}

const WORKER_URL = new URL('./pool-worker.ts', import.meta.url);

// Node 20 refuses a .ts file as a worker's entry point even with tsx loaded in the parent (tsx's --import
// hooks do not reach the worker's first module), so a .ts worker registers tsx itself and then imports it.
function spawn(threadHeapMb: number): Worker {
  const href = JSON.stringify(WORKER_URL.href);
  const code = WORKER_URL.pathname.endsWith('.ts')
    ? `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${href}); })`
    : `import(${href})`;
  // Left to itself V8 lets each thread's heap grow far past what the stages keep: over 3,000 texts of 200 words
  // a 2-thread pool's process went from 1.1 GB to between 1.5 and 1.7 GB. Capped at 256 MB it collects sooner
  // and stayed at 0.95-0.97 GB, so a long-running worker keeps one size.
  return new Worker(code, { eval: true, resourceLimits: { maxOldGenerationSizeMb: threadHeapMb } });
}

const abortReason = (signal: AbortSignal): Error =>
  signal.reason instanceof Error ? signal.reason : new Error(`NLP task aborted: ${String(signal.reason)}`);

export async function createNlpPool(size = availableParallelism(), threadHeapMb = config().nlp.threadHeapMb): Promise<NlpPool> {
  const queue: Job[] = [];
  const modelIds = new WeakMap<SerializedModel, number>();
  let nextModelId = 1;
  let nextJobId = 0;
  let closed = false;
  let slots: Slot[] = [];

  function startSlot(): Promise<Slot> {
    return new Promise((resolve, reject) => {
      const slot: Slot = { worker: spawn(threadHeapMb) };
      slot.worker.on('message', (reply: PoolReply) => {
        if (reply.id === -1) return resolve(slot);
        if ('progress' in reply) return slot.job?.control?.onProgress?.(reply.progress);
        const job = slot.job;
        slot.job = undefined;
        if (reply.ok) job?.resolve(reply.result);
        else job?.reject(Object.assign(new Error(reply.error.message), { name: reply.error.name }));
        dispatch();
      });
      slot.worker.on('error', (error) => {
        reject(error);
        slot.job?.reject(error);
        slot.job = undefined;
      });
      // A thread that dies (out of memory, native crash) is replaced so the pool keeps its size.
      slot.worker.on('exit', () => {
        slot.dead = true;
        if (closed) return;
        slot.job?.reject(new Error('NLP worker thread exited'));
        const index = slots.indexOf(slot);
        if (index >= 0) {
          startSlot().then((fresh) => {
            // The pool may have closed while the fresh thread loaded its models: it would keep the process alive.
            if (closed) return void fresh.worker.terminate();
            slots[index] = fresh;
            dispatch();
          }, () => undefined);
        }
      });
    });
  }

  function dispatch(): void {
    for (const slot of slots) {
      if (slot.job || slot.dead || queue.length === 0) continue;
      const job = queue.shift()!;
      slot.job = job;
      const request = { ...job.request };
      if ('modelId' in request && job.model && slot.modelId !== request.modelId) {
        request.model = job.model;
        slot.modelId = request.modelId;
      }
      slot.worker.postMessage({ ...request, id: nextJobId++ });
    }
  }

  slots = await Promise.all(Array.from({ length: size }, () => startSlot()));

  function submit<T>(request: PoolRequest, model?: SerializedModel, control?: TaskControl): Promise<T> {
    if (closed) return Promise.reject(new Error('NLP pool is closed'));
    const signal = control?.signal;
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => {
        const queued = queue.indexOf(job);
        if (queued >= 0) queue.splice(queued, 1);
        const slot = slots.find((s) => s.job === job);
        if (slot) {
          slot.job = undefined;
          slot.dead = true;
          void slot.worker.terminate();
        }
        reject(abortReason(signal!));
      };
      const settle = <V>(fn: (v: V) => void) => (v: V) => {
        signal?.removeEventListener('abort', onAbort);
        fn(v);
      };
      const job: Job = { request, model, control, resolve: settle(resolve as (v: unknown) => void), reject: settle(reject) };
      signal?.addEventListener('abort', onAbort, { once: true });
      queue.push(job);
      dispatch();
    });
  }

  function idOf(model: SerializedModel): number {
    let id = modelIds.get(model);
    if (id === undefined) modelIds.set(model, (id = nextModelId++));
    return id;
  }

  return {
    size,
    entities: (text, options, control) => submit({ kind: 'entities', text, options }, undefined, control),
    embed: (text, control) => submit({ kind: 'embed', text }, undefined, control),
    classify: (model, text, control) => submit({ kind: 'classify', text, modelId: idOf(model) }, model, control),
    analyse: (text, model, options) => submit({ kind: 'analyse', text, modelId: idOf(model), options }, model),
    load: () => ({ running: slots.filter((s) => s.job).length, queued: queue.length }),
    async close() {
      closed = true;
      for (const job of queue.splice(0)) job.reject(new Error('NLP pool is closed'));
      await Promise.all(slots.map((s) => s.worker.terminate()));
    },
  };
}
