import { getDb, type Db } from '../../db';
import { recordEvent } from '../../events';
import { invalidInput } from '../errors';
import { whileHeartbeating } from '../heartbeat';
import { activeClassifier } from './classifier-store';
import { nlpPool } from './compute';
import { EMBEDDING_MODEL } from './embeddings';
import { extractKeywords } from './keywords';
import { isMeaningful, normaliseText } from './normalise';
import { entityKey, rankRelated, type EntityRef } from './relationships';
import { portugueseCategory } from './portuguese';
import { scoreSentiment } from './sentiment';

// The insight pipeline's stages. Each reads what it needs from the database and rewrites only its own
// columns or rows, so a retry or a replay after a crash leaves the same result, never duplicates.

interface StageInput {
  insightId: string;
}

async function insightRow(db: Db, insightId: string) {
  const [row] = await db.query<{ user_id: string; text: string; normalised_text: string | null; language: string | null; created_at: Date }>(
    'SELECT user_id, text, normalised_text, language, created_at FROM insights WHERE id = $1',
    [insightId],
  );
  if (!row) throw invalidInput(`insight ${insightId} does not exist`);
  return row;
}

async function normalisedRow(db: Db, insightId: string) {
  const row = await insightRow(db, insightId);
  if (row.normalised_text === null) throw invalidInput(`insight ${insightId} has not been normalised`);
  return { ...row, normalised_text: row.normalised_text, language: row.language ?? 'en' };
}

type NormalisedRow = Awaited<ReturnType<typeof normalisedRow>>;

export async function normaliseInsight({ insightId }: StageInput): Promise<{ language: string; supported: boolean; chars: number }> {
  const db = await getDb();
  const { text, language, supported } = normaliseText((await insightRow(db, insightId)).text);
  if (!isMeaningful(text)) throw invalidInput('the text has no readable words (binary data or symbols only)');
  await db.query('UPDATE insights SET normalised_text = $2, language = $3, updated_at = now() WHERE id = $1', [insightId, text, language]);
  return { language, supported, chars: text.length };
}

export async function extractInsightEntities({ insightId }: StageInput): Promise<{ entities: number; keywords: number }> {
  const db = await getDb();
  return storeEntities(db, insightId, await normalisedRow(db, insightId));
}

async function storeEntities(db: Db, insightId: string, row: NormalisedRow): Promise<{ entities: number; keywords: number }> {
  const { normalised_text: text, created_at, language } = row;
  // Relative dates ("next Tuesday") resolve against when the insight arrived, the same on every retry.
  const progress = { windowsDone: 0, windows: 0 };
  const pool = await nlpPool();
  const entities = await whileHeartbeating(progress, (signal) =>
    pool.entities(text, { referenceDate: created_at, language }, { signal, onProgress: (p) => Object.assign(progress, { windowsDone: p.done, windows: p.total }) }),
  );
  const keywords = extractKeywords(text, 10, language);
  await db.transaction(async (tx) => {
    await tx.query('DELETE FROM insight_entities WHERE insight_id = $1', [insightId]);
    if (entities.length > 0) {
      await tx.query(
        `INSERT INTO insight_entities (insight_id, type, text, value, key, start_offset, end_offset)
         SELECT $1, e->>'type', e->>'text', e->'value', e->>'key', (e->>'start')::int, (e->>'end')::int
         FROM jsonb_array_elements($2::jsonb) AS e
         ON CONFLICT DO NOTHING`,
        [insightId, JSON.stringify(entities.map((e) => ({ ...e, key: entityKey(e) })))],
      );
    }
    await tx.query('UPDATE insights SET keywords = $2, updated_at = now() WHERE id = $1', [insightId, JSON.stringify(keywords)]);
  });
  return { entities: entities.length, keywords: keywords.length };
}

export async function embedInsight({ insightId }: StageInput): Promise<{ dimensions: number }> {
  const db = await getDb();
  return storeEmbedding(db, insightId, await normalisedRow(db, insightId));
}

async function storeEmbedding(db: Db, insightId: string, { normalised_text: text }: NormalisedRow): Promise<{ dimensions: number }> {
  const pool = await nlpPool();
  const embedding = await whileHeartbeating({ chars: text.length }, (signal) => pool.embed(text, { signal }));
  await db.query('UPDATE insights SET embedding = $2::vector, embedding_model = $3, updated_at = now() WHERE id = $1', [
    insightId,
    JSON.stringify(embedding),
    EMBEDDING_MODEL,
  ]);
  return { dimensions: embedding.length };
}

export async function classifyInsight({ insightId }: StageInput): Promise<{ category: string; confidence: number; modelId: number | null }> {
  const db = await getDb();
  return storeCategory(db, insightId, await normalisedRow(db, insightId));
}

async function storeCategory(db: Db, insightId: string, row: NormalisedRow): Promise<{ category: string; confidence: number; modelId: number | null }> {
  const { normalised_text: text, language } = row;
  if (language === 'pt') {
    // The trained classifier reads English only; Portuguese gets the starter topics from its own word lists
    // (portuguese.ts) and no model id, so a retrained model's re-classification passes it by.
    const { category, confidence } = portugueseCategory(text);
    await db.query(
      `UPDATE insights SET category = $2, category_confidence = $3, classifier_model_id = NULL, sentiment = $4, updated_at = now()
       WHERE id = $1`,
      [insightId, category, confidence, JSON.stringify(scoreSentiment(text, language))],
    );
    return { category, confidence, modelId: null };
  }
  const classifier = await activeClassifier(db);
  const pool = await nlpPool();
  const { category, confidence } = await whileHeartbeating({ chars: text.length }, (signal) => pool.classify(classifier.model, text, { signal }));
  await db.query(
    `UPDATE insights SET category = $2, category_confidence = $3, classifier_model_id = $4, sentiment = $5, updated_at = now()
     WHERE id = $1`,
    [insightId, category, confidence, classifier.id, JSON.stringify(scoreSentiment(text))],
  );
  return { category, confidence, modelId: classifier.id };
}

/**
 * The three CPU stages as one activity, side by side on the process's thread pool: one task to match and three
 * fewer history events per stage for the server, for the same work. Each stage still writes only its own
 * columns, so a retry redoes the lot and leaves the same rows.
 */
export async function analyseInsight({ insightId }: StageInput): Promise<{ entities: number; category: string; confidence: number }> {
  const db = await getDb();
  // The three read the same row: read once.
  const row = await normalisedRow(db, insightId);
  const [{ entities }, , { category, confidence }] = await Promise.all([
    storeEntities(db, insightId, row),
    storeEmbedding(db, insightId, row),
    storeCategory(db, insightId, row),
  ]);
  return { entities, category, confidence };
}

const NEAREST_BY_EMBEDDING = 20;
const SHARING_ENTITIES = 50;

/**
 * Candidates are the user's nearest insights by embedding plus those sharing an entity; rankRelated
 * keeps the best few. Edges are written in both directions, upserted so a rerun changes nothing. The
 * insight's edges to anything else, either direction, are removed in the same transaction: a re-related
 * insight (new text, a new embedding model) keeps no edge that no longer qualifies. An edge is the pair's,
 * so the latest relate of either end decides it.
 */
export async function relateInsight({ insightId }: StageInput): Promise<{ related: number }> {
  const db = await getDb();
  const [own] = await db.query<{ user_id: string; embedding: string; embedding_model: string }>(
    'SELECT user_id, embedding::text, embedding_model FROM insights WHERE id = $1',
    [insightId],
  );
  if (!own?.embedding) throw invalidInput(`insight ${insightId} has no embedding yet`);
  const candidates = await db.query<{ id: string; similarity: number }>(
    `(SELECT id, 1 - (embedding <=> $2::vector) AS similarity FROM insights
       WHERE user_id = $1 AND id <> $3 AND embedding IS NOT NULL AND embedding_model = $4
       ORDER BY embedding <=> $2::vector LIMIT ${NEAREST_BY_EMBEDDING})
     UNION
     (SELECT i.id, 1 - (i.embedding <=> $2::vector) FROM insights i
       WHERE i.user_id = $1 AND i.id <> $3 AND i.embedding IS NOT NULL AND i.embedding_model = $4 AND EXISTS (
         SELECT 1 FROM insight_entities mine JOIN insight_entities theirs ON theirs.key = mine.key
         WHERE mine.insight_id = $3 AND theirs.insight_id = i.id)
       LIMIT ${SHARING_ENTITIES})`,
    [own.user_id, own.embedding, insightId, own.embedding_model],
  );
  const entityRows = await db.query<EntityRef & { insight_id: string }>(
    'SELECT insight_id, type, text, value FROM insight_entities WHERE insight_id = ANY($1::uuid[])',
    [[insightId, ...candidates.map((c) => c.id)]],
  );
  const entitiesOf = (id: string) => entityRows.filter((e) => e.insight_id === id);
  const related = rankRelated(
    { embedding: JSON.parse(own.embedding), entities: entitiesOf(insightId) },
    candidates.map((c) => ({ id: c.id, similarity: Number(c.similarity), entities: entitiesOf(c.id) })),
  );
  const edges = related.flatMap((r) => [
    { from: insightId, to: r.id, score: r.score, reason: r.reason },
    { from: r.id, to: insightId, score: r.score, reason: r.reason },
  ]);
  await db.transaction(async (tx) => {
    await tx.query(
      `DELETE FROM insight_relations WHERE kind = 'related_to' AND (
         (insight_id = $1 AND NOT related_id = ANY($2::uuid[])) OR (related_id = $1 AND NOT insight_id = ANY($2::uuid[])))`,
      [insightId, related.map((r) => r.id)],
    );
    if (edges.length > 0) {
      await tx.query(
        `INSERT INTO insight_relations (insight_id, related_id, kind, score, reason)
         SELECT (e->>'from')::uuid, (e->>'to')::uuid, 'related_to', (e->>'score')::real, e->'reason'
         FROM jsonb_array_elements($1::jsonb) AS e
         ON CONFLICT (insight_id, related_id, kind) DO UPDATE SET score = EXCLUDED.score, reason = EXCLUDED.reason`,
        [JSON.stringify(edges)],
      );
    }
  });
  return { related: related.length };
}

/** Marks the insight done and records the `insight.processed` event once, for notifications to deliver. */
export async function finishInsight(input: StageInput & { status: 'processed' | 'unsupported_language' }): Promise<void> {
  const db = await getDb();
  await db.transaction(async (tx) => {
    const [row] = await tx.query<{ user_id: string; category: string | null; language: string | null }>(
      `UPDATE insights SET status = $2, processed_at = coalesce(processed_at, now()), updated_at = now()
       WHERE id = $1 RETURNING user_id, category, language`,
      [input.insightId, input.status],
    );
    if (!row) throw invalidInput(`insight ${input.insightId} does not exist`);
    await recordEvent(tx, {
      userId: row.user_id,
      type: 'insight.processed',
      subjectId: input.insightId,
      payload: { insightId: input.insightId, status: input.status, category: row.category, language: row.language },
    });
  });
}
