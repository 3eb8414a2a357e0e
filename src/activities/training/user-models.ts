import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { Context } from '@temporalio/activity';
import { getDb } from '../../db';
import { classify, loadModel, type LoadedModel } from '../nlp/classifier';
import { activeClassifier } from '../nlp/classifier-store';
import { EMBEDDING_MODEL } from '../nlp/embeddings';
import {
  classifyPersonal,
  DEFAULT_MIN_SIMILARITY,
  MIN_SIMILARITY_GRID,
  rebuildCentroids,
  userModelSetting,
  type Centroid,
} from '../nlp/user-categories';
import { isHeldOutLabel } from './dataset';

export interface LabelledExample {
  label: string;
  embedding: number[];
  /** What the shared model says, the answer whenever the user's model holds back. */
  starter: string;
}

export interface UserModelDecision {
  userId: string;
  labels: number;
  heldOut: number;
  promoted: boolean;
  enabled: boolean;
  minSimilarity: number;
  reason: string;
}

function centroidsOf(examples: LabelledExample[]): Centroid[] {
  const byLabel = new Map<string, Centroid>();
  for (const e of examples) {
    const c = byLabel.get(e.label) ?? { category: e.label, sum: new Array<number>(e.embedding.length).fill(0), count: 0 };
    e.embedding.forEach((x, d) => (c.sum[d]! += x));
    c.count += 1;
    byLabel.set(e.label, c);
  }
  return [...byLabel.values()];
}

const predict = (centroids: Centroid[], e: LabelledExample, minSimilarity: number) =>
  classifyPersonal(centroids, e.embedding, minSimilarity).category ?? e.starter;

/** Leave-one-out accuracy on the training labels: each example is scored against centroids without itself. */
function leaveOneOut(train: LabelledExample[], centroids: Centroid[], minSimilarity: number): number {
  if (train.length === 0) return 0;
  let correct = 0;
  for (const e of train) {
    const without = centroids
      .map((c) => (c.category === e.label ? { ...c, sum: c.sum.map((x, d) => x - e.embedding[d]!), count: c.count - 1 } : c))
      .filter((c) => c.count > 0);
    if (predict(without, e, minSimilarity) === e.label) correct += 1;
  }
  return correct / train.length;
}

const accuracy = (examples: LabelledExample[], guess: (e: LabelledExample) => string) =>
  examples.length ? examples.filter((e) => guess(e) === e.label).length / examples.length : 0;

/**
 * One user's nightly decision, from the user's labels split into train and held-out (see
 * trainUserCategoryModels). Pure, so the rule can be tested on its own.
 */
export function decideUserModel(train: LabelledExample[], heldOut: LabelledExample[], current: { enabled: boolean; minSimilarity: number }) {
  const centroids = centroidsOf(train);
  const byThreshold = MIN_SIMILARITY_GRID.map((t) => ({ t, score: leaveOneOut(train, centroids, t) }));
  const best = byThreshold.reduce((a, b) =>
    b.score > a.score || (b.score === a.score && Math.abs(b.t - DEFAULT_MIN_SIMILARITY) < Math.abs(a.t - DEFAULT_MIN_SIMILARITY)) ? b : a,
  );
  const candidateAccuracy = accuracy(heldOut, (e) => predict(centroids, e, best.t));
  const currentAccuracy = accuracy(heldOut, (e) => (current.enabled ? predict(centroids, e, current.minSimilarity) : e.starter));
  const starterAccuracy = accuracy(heldOut, (e) => e.starter);
  let promoted: boolean;
  let enabled: boolean;
  let reason: string;
  if (heldOut.length === 0) {
    promoted = false;
    enabled = current.enabled;
    reason = 'no held-out labels yet: the current setting stays';
  } else {
    promoted = candidateAccuracy >= currentAccuracy;
    const chosen = promoted ? candidateAccuracy : currentAccuracy;
    enabled = chosen >= starterAccuracy;
    reason =
      `held-out accuracy on ${heldOut.length} labels: candidate (threshold ${best.t}) ${candidateAccuracy.toFixed(3)}, ` +
      `current ${currentAccuracy.toFixed(3)}, shared model alone ${starterAccuracy.toFixed(3)}`;
  }
  const minSimilarity = promoted ? best.t : current.minSimilarity;
  const metrics = {
    train: train.length,
    heldOut: heldOut.length,
    leaveOneOut: byThreshold,
    candidate: { minSimilarity: best.t, accuracy: candidateAccuracy },
    current: { ...current, accuracy: currentAccuracy },
    starterAccuracy,
    promoted,
    reason,
  };
  return { enabled, minSimilarity, promoted, reason, metrics };
}

/**
 * The nightly retrain of every user's own category model. Per user: the threshold is chosen by leave-one-out
 * on the training labels; the candidate (training-label centroids with that threshold) and the user's current
 * setting (the same centroids with the current threshold, or the shared model alone when the user's model is
 * off) are scored on the user's held-out labels (the same hash split as the shared model's training), and the
 * candidate is promoted only if not worse. The user's model stays on only while, on held-out labels, it does
 * no worse than the shared model alone. Then the user's centroids are rebuilt from all labels, which also
 * repairs anything the label-by-label updates missed.
 */
export async function trainUserCategoryModels(input: { runId: string }): Promise<{ users: number; promoted: number; enabled: number; decisions: UserModelDecision[] }> {
  const ctx = Context.current();
  const db = await getDb();
  const starter: LoadedModel = loadModel((await activeClassifier(db)).model);
  // Users with labels, and users whose labels are all gone (their centroids are rebuilt to nothing).
  const users = await db.query<{ user_id: string }>(
    'SELECT user_id FROM insight_labels UNION SELECT user_id FROM user_category_centroids ORDER BY user_id',
  );
  const decisions: UserModelDecision[] = [];
  for (const { user_id: userId } of users) {
    const rows = await db.query<{ insight_id: string; label: string; embedding: string; text: string }>(
      `SELECT l.insight_id, l.category AS label, i.embedding::text AS embedding, coalesce(i.normalised_text, i.text) AS text
       FROM insight_labels l JOIN insights i ON i.id = l.insight_id AND i.user_id = l.user_id
       WHERE l.user_id = $1 AND i.embedding IS NOT NULL AND i.embedding_model = $2 ORDER BY l.insight_id`,
      [userId, EMBEDDING_MODEL],
    );
    const train: LabelledExample[] = [];
    const heldOut: LabelledExample[] = [];
    for (const row of rows) {
      const example = { label: row.label, embedding: JSON.parse(row.embedding) as number[], starter: classify(starter, row.text).category };
      (isHeldOutLabel(row.insight_id) ? heldOut : train).push(example);
    }
    const current = await userModelSetting(db, userId);
    const { enabled, minSimilarity, promoted, reason, metrics } = decideUserModel(train, heldOut, current);
    await db.query(
      `INSERT INTO user_category_models (user_id, enabled, min_similarity, metrics, run_id, evaluated_at)
       VALUES ($1, $2, $3, $4, $5, now())
       ON CONFLICT (user_id) DO UPDATE SET enabled = EXCLUDED.enabled, min_similarity = EXCLUDED.min_similarity,
         metrics = EXCLUDED.metrics, run_id = EXCLUDED.run_id, evaluated_at = EXCLUDED.evaluated_at`,
      [userId, enabled, minSimilarity, JSON.stringify({ labels: rows.length, ...metrics }), input.runId],
    );
    await rebuildCentroids(db, userId);
    decisions.push({ userId, labels: rows.length, heldOut: heldOut.length, promoted, enabled, minSimilarity, reason });
    ctx.heartbeat({ users: decisions.length });
    await yieldToEventLoop();
    ctx.cancellationSignal.throwIfAborted();
  }
  // The decisions of every user are in user_category_models; the run's history keeps a sample.
  return { users: decisions.length, promoted: decisions.filter((d) => d.promoted).length, enabled: decisions.filter((d) => d.enabled).length, decisions: decisions.slice(0, 20) };
}
