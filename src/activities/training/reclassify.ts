import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { Context } from '@temporalio/activity';
import { getDb } from '../../db';
import { invalidInput } from '../errors';
import { classify, loadModel, type SerializedModel } from '../nlp/classifier';

const BATCH = 200;
const NO_INSIGHT = '00000000-0000-0000-0000-000000000000';

interface Progress {
  cursor: string;
  reclassified: number;
}

/**
 * Gives every insight whose category came from an older model the category of `modelId` (except those the user's
 * own model categorised: the shared model does not overrule it), a batch at a time
 * in order of id. The heartbeat carries the last id done, so a retry resumes after it; the update skips rows
 * already at this model or a newer one. `updated_at` stays: it marks changes to an insight's text and
 * analysis, which drive the recommendation refresh, and the category is no input of recommendations.
 */
export async function reclassifyInsights(input: { modelId: number }): Promise<{ reclassified: number }> {
  const ctx = Context.current();
  const db = await getDb();
  const [stored] = await db.query<{ model: SerializedModel }>('SELECT model FROM classifier_models WHERE id = $1', [input.modelId]);
  if (!stored) throw invalidInput(`classifier model ${input.modelId} does not exist`);
  const model = loadModel(stored.model);
  let { cursor, reclassified } = (ctx.info.heartbeatDetails as Progress | undefined) ?? { cursor: NO_INSIGHT, reclassified: 0 };
  for (;;) {
    const batch = await db.query<{ id: string; text: string }>(
      `SELECT id, normalised_text AS text FROM insights
       WHERE id > $1 AND classifier_model_id < $2 AND normalised_text IS NOT NULL AND category_source IS DISTINCT FROM 'user' ORDER BY id LIMIT ${BATCH}`,
      [cursor, input.modelId],
    );
    if (batch.length === 0) return { reclassified };
    const updates = batch.map((row) => {
      const { category, confidence } = classify(model, row.text);
      return { id: row.id, category, confidence };
    });
    const changed = await db.query(
      `UPDATE insights i SET category = u->>'category', category_confidence = (u->>'confidence')::real, classifier_model_id = $2
       FROM jsonb_array_elements($1::jsonb) AS u
       WHERE i.id = (u->>'id')::uuid AND i.classifier_model_id < $2 AND i.category_source IS DISTINCT FROM 'user' RETURNING i.id`,
      [JSON.stringify(updates), input.modelId],
    );
    reclassified += changed.length;
    cursor = batch.at(-1)!.id;
    ctx.heartbeat({ cursor, reclassified } satisfies Progress);
    // A batch classifies in a few ms per insight on this thread; yielding lets heartbeats and a cancel through.
    await yieldToEventLoop();
    ctx.cancellationSignal.throwIfAborted();
  }
}
