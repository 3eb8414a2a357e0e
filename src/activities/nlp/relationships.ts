import { cosine } from './embeddings';
import type { EntityType } from './entities';

export interface EntityRef {
  type: EntityType;
  text: string;
  value: unknown;
}

export interface RelationCandidate {
  id: string;
  /** Cosine similarity to the new insight, when the database already computed it (pgvector). */
  similarity?: number;
  embedding?: number[];
  entities: EntityRef[];
}

export interface RelatedInsight {
  id: string;
  score: number;
  reason: { semantic: number; sharedEntities: string[] };
}

export interface RelationOptions {
  topK?: number;
  /** Absolute floor: below it nothing is related, however few candidates there are. */
  minScore?: number;
  /** Relative floor: drop candidates scoring under this fraction of the best one. */
  relativeToBest?: number;
}

// Names and contact details identify the same subject; a shared date, place or amount is weaker evidence.
export const ENTITY_WEIGHT: Record<EntityType, number> = {
  person: 1,
  organization: 1,
  email: 1,
  phone: 1,
  url: 0.8,
  place: 0.5,
  money: 0.3,
  percent: 0.2,
  date: 0.3,
  time: 0.1,
};
const SEMANTIC_SHARE = 0.75;

/**
 * Ranks candidates by 0.75 × cosine + 0.25 × entity overlap (1 − e^(−Σ weights of shared entities)).
 * USE-lite similarities of paraphrases and of same-topic non-matches overlap, so no single threshold
 * separates them: the result is the top K above a low absolute floor and above a fraction of the best score.
 */
export function rankRelated(
  insight: { embedding: number[]; entities: EntityRef[] },
  candidates: RelationCandidate[],
  { topK = 5, minScore = 0.35, relativeToBest = 0.6 }: RelationOptions = {},
): RelatedInsight[] {
  const own = entityKeys(insight.entities);
  const scored = candidates.map((c) => {
    const semantic = c.similarity ?? (c.embedding ? cosine(insight.embedding, c.embedding) : 0);
    const shared = [...entityKeys(c.entities)].filter(([key]) => own.has(key));
    const weight = shared.reduce((sum, [, e]) => sum + ENTITY_WEIGHT[e.type], 0);
    const score = SEMANTIC_SHARE * semantic + (1 - SEMANTIC_SHARE) * (1 - Math.exp(-weight));
    return {
      id: c.id,
      score: round(score),
      reason: { semantic: round(semantic), sharedEntities: shared.map(([, e]) => e.text).sort() },
    };
  });
  scored.sort((a, b) => b.score - a.score || a.id.localeCompare(b.id));
  const best = scored[0]?.score ?? 0;
  return scored.filter((r) => r.score >= minScore && r.score >= best * relativeToBest).slice(0, topK);
}

/** Mentions of one entity share one key: type plus normalised value ("ACME Corp." and "Acme Corp"). */
export function entityKey(e: EntityRef): string {
  const value = typeof e.value === 'string' || typeof e.value === 'number' ? String(e.value) : JSON.stringify(e.value);
  return `${e.type}:${value.toLowerCase().replace(/[^\p{L}\p{N}@+:.{}",]+/gu, ' ').replace(/\.$/, '').trim()}`;
}

function entityKeys(entities: EntityRef[]): Map<string, EntityRef> {
  const keys = new Map<string, EntityRef>();
  for (const e of entities) {
    const key = entityKey(e);
    if (!keys.has(key)) keys.set(key, e);
  }
  return keys;
}

function round(x: number): number {
  return Math.round(x * 10000) / 10000;
}
