import { getDb, type Db } from '../../db';
import { invalidInput } from '../errors';
import { EMBEDDING_MODEL } from './embeddings';

// Each user's own categories: a nearest-centroid classifier over the insight embeddings, one centroid per
// (user, category) the user labelled. A label changes one or two centroids, so it takes effect for the user's
// next insight at once; the shared starter model stays the answer when the user's model is not confident
// enough (or the user has no labels). Dimension-agnostic: the vectors are whatever the embedding stage stored.

export interface Centroid {
  category: string;
  /** Sum of the (unit) embeddings of the labelled insights. */
  sum: number[];
  count: number;
}

export interface PersonalDecision {
  /** The user's category, or null when the starter model should answer. */
  category: string | null;
  confidence: number;
  similarity: number;
  scores: Record<string, number>;
}

/**
 * The similarity a note needs to a category of the user's before that category can beat the shared model,
 * until the nightly run tunes it per user. Measured with USE lite on test/fixtures/nlp/birding-notes.json: to
 * the centroid of ten birding notes, each note left out of it scores 0.59-0.77, new bird notes 0.53-0.73,
 * unrelated notes -0.07 (business) to 0.31 (a cake recipe).
 */
export const DEFAULT_MIN_SIMILARITY = 0.4;
/** Thresholds the nightly run chooses from. */
export const MIN_SIMILARITY_GRID = [0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6];
// Sharpness of the softmax over cosines: a 0.05 lead in similarity is a factor e in odds.
const TEMPERATURE = 0.05;
/** The user's category is used when its share of the softmax (against the others and "none") is at least this. */
export const MIN_CONFIDENCE = 0.5;

function dot(a: number[], b: number[]): number {
  if (a.length !== b.length) throw new Error(`vector lengths differ: ${a.length} vs ${b.length}`);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

const norm = (v: number[]) => Math.sqrt(dot(v, v));

/**
 * Cosine of the note to each centroid, then a softmax over the categories plus a "none of mine" option
 * scoring `minSimilarity`: the user's best category wins only if it is both close enough and clearly ahead
 * of the user's other categories. A centroid of a different dimension (an older embedding model) is skipped.
 */
export function classifyPersonal(centroids: Centroid[], embedding: number[], minSimilarity: number): PersonalDecision {
  const x = norm(embedding) || 1;
  const sims = centroids
    .filter((c) => c.count > 0 && c.sum.length === embedding.length)
    .map((c) => ({ category: c.category, sim: dot(embedding, c.sum) / (x * (norm(c.sum) || 1)) }));
  if (sims.length === 0) return { category: null, confidence: 0, similarity: 0, scores: {} };
  const exps = sims.map((s) => Math.exp((s.sim - 1) / TEMPERATURE));
  const none = Math.exp((minSimilarity - 1) / TEMPERATURE);
  const total = exps.reduce((a, b) => a + b, none);
  const scores = Object.fromEntries(sims.map((s, i) => [s.category, exps[i]! / total]));
  let best = 0;
  for (let i = 1; i < sims.length; i++) if (sims[i]!.sim > sims[best]!.sim) best = i;
  const confidence = exps[best]! / total;
  const accepted = sims[best]!.sim >= minSimilarity && confidence >= MIN_CONFIDENCE;
  return { category: accepted ? sims[best]!.category : null, confidence, similarity: sims[best]!.sim, scores };
}

const parseVector = (text: string): number[] => JSON.parse(text) as number[];

export async function userCentroids(db: Db, userId: string): Promise<Centroid[]> {
  const rows = await db.query<{ category: string; sum: string; count: number }>(
    'SELECT category, embedding_sum::text AS sum, count FROM user_category_centroids WHERE user_id = $1 ORDER BY category',
    [userId],
  );
  return rows.map((r) => ({ category: r.category, sum: parseVector(r.sum), count: r.count }));
}

/** The user's setting from the last nightly evaluation, or the defaults. */
export async function userModelSetting(db: Db, userId: string): Promise<{ enabled: boolean; minSimilarity: number }> {
  const [row] = await db.query<{ enabled: boolean; min_similarity: number }>(
    'SELECT enabled, min_similarity FROM user_category_models WHERE user_id = $1',
    [userId],
  );
  return row ? { enabled: row.enabled, minSimilarity: Number(row.min_similarity) } : { enabled: true, minSimilarity: DEFAULT_MIN_SIMILARITY };
}

/**
 * Rebuilds the user's centroids of the given categories (all of them when omitted) from the labels whose
 * insights have an embedding. A sum over the category's labels, not an increment: a relabelled insight moves
 * from one centroid to the other exactly, and running it twice changes nothing.
 */
export async function rebuildCentroids(db: Db, userId: string, categories?: string[]): Promise<void> {
  const deleteWhere = categories ? 'AND category = ANY($2)' : '';
  const labelWhere = categories ? 'AND l.category = ANY($3)' : '';
  await db.transaction(async (tx) => {
    await tx.query(`DELETE FROM user_category_centroids WHERE user_id = $1 ${deleteWhere}`, categories ? [userId, categories] : [userId]);
    // Only embeddings of the current model: vectors of another model cannot be summed with new ones
    // (re-embedding the old insights brings them back in).
    await tx.query(
      `INSERT INTO user_category_centroids (user_id, category, embedding_sum, count)
       SELECT l.user_id, l.category, sum(i.embedding), count(*)::int
       FROM insight_labels l JOIN insights i ON i.id = l.insight_id
       WHERE l.user_id = $1 AND i.user_id = $1 AND i.embedding IS NOT NULL AND i.embedding_model = $2 ${labelWhere}
       GROUP BY l.user_id, l.category`,
      categories ? [userId, EMBEDDING_MODEL, categories] : [userId, EMBEDDING_MODEL],
    );
  });
}

/**
 * Stores the user's label of an insight and updates the user's model in the same transaction: the next
 * insight is classified with it. Returns false when the insight is not the user's.
 */
export async function labelAndLearn(db: Db, userId: string, insightId: string, category: string): Promise<boolean> {
  return db.transaction(async (tx) => {
    const [previous] = await tx.query<{ category: string }>(
      'SELECT category FROM insight_labels WHERE insight_id = $1 AND user_id = $2 FOR UPDATE',
      [insightId, userId],
    );
    const rows = await tx.query(
      `INSERT INTO insight_labels (insight_id, user_id, category)
       SELECT id, user_id, $3 FROM insights WHERE id = $1 AND user_id = $2
       ON CONFLICT (insight_id) DO UPDATE SET category = EXCLUDED.category, created_at = now()
       RETURNING insight_id`,
      [insightId, userId, category],
    );
    if (rows.length === 0) return false;
    await rebuildCentroids(tx, userId, [...new Set([category, ...(previous ? [previous.category] : [])])]);
    return true;
  });
}

/**
 * The insight pipeline's stage after classification and embedding: when the user has categories of their
 * own and the user's model is confident, its category replaces the starter model's. Records which model
 * answered. A label given before the embedding existed is folded into the user's model here.
 */
export async function personaliseCategory({ insightId }: { insightId: string }): Promise<{ category: string; confidence: number; source: 'user' | 'starter' }> {
  const db = await getDb();
  const [row] = await db.query<{ user_id: string; embedding: string | null; category: string | null; confidence: number | null; label: string | null }>(
    `SELECT i.user_id, i.embedding::text AS embedding, i.category, i.category_confidence AS confidence, l.category AS label
     FROM insights i LEFT JOIN insight_labels l ON l.insight_id = i.id WHERE i.id = $1`,
    [insightId],
  );
  if (!row) throw invalidInput(`insight ${insightId} does not exist`);
  if (!row.embedding) throw invalidInput(`insight ${insightId} has no embedding yet`);
  if (row.label !== null) await rebuildCentroids(db, row.user_id, [row.label]);
  const setting = await userModelSetting(db, row.user_id);
  const centroids = setting.enabled ? await userCentroids(db, row.user_id) : [];
  const decision = centroids.length > 0 ? classifyPersonal(centroids, parseVector(row.embedding), setting.minSimilarity) : undefined;
  if (decision?.category) {
    await db.query(`UPDATE insights SET category = $2, category_confidence = $3, category_source = 'user', updated_at = now() WHERE id = $1`, [
      insightId,
      decision.category,
      decision.confidence,
    ]);
    return { category: decision.category, confidence: decision.confidence, source: 'user' };
  }
  await db.query(`UPDATE insights SET category_source = 'starter' WHERE id = $1`, [insightId]);
  if (row.category === null) throw invalidInput(`insight ${insightId} has not been classified`);
  return { category: row.category, confidence: Number(row.confidence), source: 'starter' };
}
