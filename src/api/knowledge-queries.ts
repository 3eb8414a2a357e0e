import type { EntityType } from '../activities/nlp/entities';
import { ENTITY_WEIGHT } from '../activities/nlp/relationships';
import type { Db } from '../db';

// Reads across a user's notes: the entities they mention, how those relate, which notes to read next, and
// the training statistics. Every query joins insights on the user, so nothing of another user shows.

const likePattern = (q: string) => `%${q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** The user's entities whose name or key contains `q` (all when omitted), most mentioned first. */
export async function searchEntities(db: Db, userId: string, search: { q?: string; limit: number }) {
  return db.query(
    `SELECT e.key, min(e.type) AS type, mode() WITHIN GROUP (ORDER BY e.text) AS name,
       count(*)::int AS mentions, count(DISTINCT e.insight_id)::int AS insights
     FROM insight_entities e JOIN insights i ON i.id = e.insight_id AND i.user_id = $1
     WHERE $2::text IS NULL OR lower(e.text) LIKE $2 OR e.key LIKE $2
     GROUP BY e.key ORDER BY mentions DESC, e.key LIMIT $3`,
    [userId, search.q ? likePattern(search.q) : null, search.limit],
  );
}

interface RelationRow {
  key: string;
  name: string;
  direction: 'outgoing' | 'incoming';
  relation: string;
  count: number;
  insights: string[];
}

/**
 * One entity of the user's: its names, the insights that mention it (with how often), and the entities it is
 * related to across the user's notes, each with the relation words and how often each was found. `outgoing`
 * relations have this entity as subject ("Acme signed with Globex" for Acme), `incoming` as object.
 */
export async function getEntity(db: Db, userId: string, key: string) {
  const mentions = await db.query<{ id: string; title: string | null; createdAt: Date; type: string; names: string[]; mentions: number }>(
    `SELECT i.id, i.title, i.created_at AS "createdAt", min(e.type) AS type, array_agg(DISTINCT e.text) AS names,
       count(*)::int AS mentions
     FROM insight_entities e JOIN insights i ON i.id = e.insight_id AND i.user_id = $1
     WHERE e.key = $2 GROUP BY i.id ORDER BY mentions DESC, i.created_at DESC LIMIT 200`,
    [userId, key],
  );
  if (mentions.length === 0) return undefined;
  const rows = await db.query<RelationRow>(
    `SELECT CASE WHEN r.subject_key = $2 THEN r.object_key ELSE r.subject_key END AS key,
       mode() WITHIN GROUP (ORDER BY CASE WHEN r.subject_key = $2 THEN r.object_text ELSE r.subject_text END) AS name,
       CASE WHEN r.subject_key = $2 THEN 'outgoing' ELSE 'incoming' END AS direction,
       r.relation, count(*)::int AS count, array_agg(DISTINCT r.insight_id) AS insights
     FROM insight_entity_relations r JOIN insights i ON i.id = r.insight_id AND i.user_id = $1
     WHERE (r.subject_key = $2 OR r.object_key = $2) AND r.subject_key <> r.object_key
     GROUP BY 1, 3, 4`,
    [userId, key],
  );
  const related = new Map<string, { key: string; name: string; count: number; insights: Set<string>; relations: { relation: string; direction: string; count: number }[] }>();
  for (const row of rows) {
    const entry = related.get(row.key) ?? { key: row.key, name: row.name, count: 0, insights: new Set<string>(), relations: [] };
    entry.count += row.count;
    for (const id of row.insights) entry.insights.add(id);
    entry.relations.push({ relation: row.relation, direction: row.direction, count: row.count });
    related.set(row.key, entry);
  }
  const names = [...new Set(mentions.flatMap((m) => m.names))].sort();
  return {
    key,
    type: mentions[0]!.type,
    name: names[0],
    names,
    mentions: mentions.reduce((n, m) => n + m.mentions, 0),
    insights: mentions.map(({ id, title, createdAt, mentions: count }) => ({ id, title, createdAt, mentions: count })),
    related: [...related.values()]
      .map((r) => ({ ...r, insights: r.insights.size, relations: r.relations.sort((a, b) => b.count - a.count || a.relation.localeCompare(b.relation)) }))
      .sort((a, b) => b.count - a.count || a.key.localeCompare(b.key)),
  };
}

// How a recommendation's score is made: meaning first, then shared people, organisations and places, then
// how recent the other note is (its weight halves every RECENCY_HALF_LIFE_DAYS).
const WEIGHTS = { semantic: 0.6, entities: 0.25, recency: 0.15 };
const RECENCY_HALF_LIFE_DAYS = 30;
const NEAREST = 50;
const SHARING = 50;
/** Below this a note is not recommended, however few others there are: unrelated notes have scored up to ~0.3 semantic. */
const MIN_SCORE = 0.3;

const round = (x: number) => Math.round(x * 1000) / 1000;

/**
 * The user's other notes worth reading next to this one, best first, each with its score and the reason:
 * shared entities, similarity of meaning (embedding cosine) and age. Undefined when the insight is not the
 * user's; `pending` when it has no embedding yet.
 */
export async function recommendInsights(db: Db, userId: string, insightId: string, limit: number, now = new Date()) {
  const [own] = await db.query<{ embedding: string | null; embedding_model: string | null }>(
    'SELECT embedding::text AS embedding, embedding_model FROM insights WHERE id = $1 AND user_id = $2',
    [insightId, userId],
  );
  if (!own) return undefined;
  if (!own.embedding) return { pending: true as const, recommendations: [] };
  const candidates = await db.query<{ id: string; title: string | null; category: string | null; created_at: Date; similarity: number }>(
    `(SELECT id, title, category, created_at, 1 - (embedding <=> $2::vector) AS similarity FROM insights
       WHERE user_id = $1 AND id <> $3 AND embedding IS NOT NULL AND embedding_model = $4
       ORDER BY embedding <=> $2::vector LIMIT ${NEAREST})
     UNION
     (SELECT i.id, i.title, i.category, i.created_at, 1 - (i.embedding <=> $2::vector) FROM insights i
       WHERE i.user_id = $1 AND i.id <> $3 AND i.embedding IS NOT NULL AND i.embedding_model = $4 AND EXISTS (
         SELECT 1 FROM insight_entities mine JOIN insight_entities theirs ON theirs.key = mine.key
         WHERE mine.insight_id = $3 AND theirs.insight_id = i.id)
       ORDER BY i.created_at DESC LIMIT ${SHARING})`,
    [userId, own.embedding, insightId, own.embedding_model],
  );
  if (candidates.length === 0) return { pending: false as const, recommendations: [] };
  const shared = await db.query<{ insight_id: string; key: string; type: EntityType; name: string }>(
    `SELECT theirs.insight_id, theirs.key, min(theirs.type) AS type, min(theirs.text) AS name
     FROM insight_entities theirs
     WHERE theirs.insight_id = ANY($2::uuid[]) AND theirs.key IN (SELECT key FROM insight_entities WHERE insight_id = $1)
     GROUP BY theirs.insight_id, theirs.key`,
    [insightId, candidates.map((c) => c.id)],
  );
  const recommendations = candidates.map((c) => {
    const common = shared.filter((s) => s.insight_id === c.id);
    const semantic = Math.max(0, Number(c.similarity));
    const entities = 1 - Math.exp(-common.reduce((sum, s) => sum + (ENTITY_WEIGHT[s.type] ?? 0.3), 0));
    const ageDays = Math.max(0, (now.getTime() - new Date(c.created_at).getTime()) / 86_400_000);
    const recency = 0.5 ** (ageDays / RECENCY_HALF_LIFE_DAYS);
    const score = WEIGHTS.semantic * semantic + WEIGHTS.entities * entities + WEIGHTS.recency * recency;
    const names = common.map((s) => s.name).sort();
    const parts = [
      ...(names.length ? [`shares ${names.join(', ')}`] : []),
      `${semantic >= 0.5 ? 'close' : semantic >= 0.3 ? 'somewhat close' : 'not close'} in meaning (${semantic.toFixed(2)})`,
      ageDays < 1 ? 'written today' : `written ${Math.round(ageDays)} day${Math.round(ageDays) === 1 ? '' : 's'} ago`,
    ];
    return {
      id: c.id,
      title: c.title,
      category: c.category,
      createdAt: c.created_at,
      score: round(score),
      reason: {
        summary: parts.join('; '),
        semantic: round(semantic),
        sharedEntities: common.map((s) => ({ key: s.key, name: s.name })).sort((a, b) => a.key.localeCompare(b.key)),
        ageDays: round(ageDays),
        parts: { semantic: round(WEIGHTS.semantic * semantic), entities: round(WEIGHTS.entities * entities), recency: round(WEIGHTS.recency * recency) },
      },
    };
  });
  recommendations.sort((a, b) => b.score - a.score || a.id.localeCompare(b.id));
  return { pending: false as const, recommendations: recommendations.filter((r) => r.score >= MIN_SCORE).slice(0, limit) };
}

/**
 * The training statistics the nightly run writes (per-user counts by category, label agreement of the shared
 * model, the run's decision), the user's own category model as it stands now, and the last run's evaluation
 * of it.
 */
export async function userStatistics(db: Db, userId: string) {
  const [categories, centroids, personal, runs, active] = await Promise.all([
    db.query(
      `SELECT category, insights, labelled, agreeing, run_id AS "runId", computed_at AS "computedAt"
       FROM user_category_stats WHERE user_id = $1 ORDER BY insights DESC, category`,
      [userId],
    ),
    db.query(`SELECT category, count AS labels, updated_at AS "updatedAt" FROM user_category_centroids WHERE user_id = $1 ORDER BY category`, [userId]),
    db.query(
      `SELECT enabled, min_similarity AS "minSimilarity", metrics, run_id AS "runId", evaluated_at AS "evaluatedAt"
       FROM user_category_models WHERE user_id = $1`,
      [userId],
    ),
    db.query(
      `SELECT run_id AS "runId", started_at AS "startedAt", finished_at AS "finishedAt", promoted, candidate_model_id AS "candidateModelId",
         label_agreement AS "labelAgreement", labels_compared AS "labelsCompared"
       FROM training_runs WHERE status = 'completed' ORDER BY started_at DESC LIMIT 1`,
    ),
    db.query(
      `SELECT id, source, created_at AS "createdAt", (metrics->>'accuracy')::real AS accuracy, (metrics->>'trainedOn')::int AS "trainedOn"
       FROM classifier_models WHERE active`,
    ),
  ]);
  const [sources] = await db.query<{ user: number; starter: number }>(
    `SELECT (count(*) FILTER (WHERE category_source = 'user'))::int AS "user",
       (count(*) FILTER (WHERE category IS NOT NULL AND category_source IS DISTINCT FROM 'user'))::int AS starter
     FROM insights WHERE user_id = $1`,
    [userId],
  );
  return {
    categories,
    categorisedBy: sources,
    personalModel: { categories: centroids, lastEvaluation: personal[0] ?? null },
    lastTrainingRun: runs[0] ?? null,
    sharedModel: active[0] ?? null,
  };
}
