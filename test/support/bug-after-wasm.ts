import '../../src/startup-errors';
import { loadEmbeddingModel } from '../../src/activities/nlp/embeddings';

// An entry point with a bug that surfaces once the embedding model's WASM runtime has added its own
// process listeners, as a worker's would: `BUG=throw` throws, `BUG=reject` leaves a rejection unhandled.
await loadEmbeddingModel();
setTimeout(() => {
  if (process.env.BUG === 'reject') void Promise.reject(new Error('a rejection nobody handled'));
  else throw new Error('an exception nobody caught');
}, 10);
