import { parentPort } from 'node:worker_threads';
import { analyseText } from './analyse';
import { classify, loadModel, type LoadedModel } from './classifier';
import { embed, loadEmbeddingModel } from './embeddings';
import { warmKeywords } from './keywords';
import { warmPortuguese } from './portuguese';
import type { PoolReply, PoolRequest } from './pool';
import { extractEntitiesInWindows } from './windows';
import { warmStages } from './warm';

// Each thread holds its own models: loaded once here, reused for every task the thread runs.
const models = new Map<number, LoadedModel>();
const ready = Promise.all([loadEmbeddingModel(), warmKeywords(), warmPortuguese()]).then(warmStages);

function modelFor(request: { modelId: number; model?: Parameters<typeof loadModel>[0] }): LoadedModel {
  if (request.model) {
    models.clear();
    models.set(request.modelId, loadModel(request.model));
  }
  const model = models.get(request.modelId);
  if (!model) throw new Error(`classifier model ${request.modelId} was never sent to this thread`);
  return model;
}

async function run(request: PoolRequest & { id: number }): Promise<unknown> {
  await ready;
  switch (request.kind) {
    case 'entities':
      return extractEntitiesInWindows(request.text, request.options, (done, total) =>
        parentPort!.postMessage({ id: request.id, progress: { done, total } } satisfies PoolReply),
      );
    case 'embed':
      return embed(request.text);
    case 'classify':
      return classify(modelFor(request), request.text);
    case 'analyse':
      return analyseText(request.text, modelFor(request), request.options);
  }
}

parentPort!.on('message', (request: PoolRequest & { id: number }) => {
  run(request).then(
    (result) => parentPort!.postMessage({ id: request.id, ok: true, result } satisfies PoolReply),
    (error: unknown) =>
      parentPort!.postMessage({
        id: request.id,
        ok: false,
        error: error instanceof Error ? { name: error.name, message: error.message } : { name: 'Error', message: String(error) },
      } satisfies PoolReply),
  );
});
// Announce readiness only once the models are in memory, so the pool's start-up time is the real cold cost.
void ready.then(() => parentPort!.postMessage({ id: -1, ok: true, result: 'ready' } satisfies PoolReply));
