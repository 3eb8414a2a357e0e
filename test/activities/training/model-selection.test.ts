import '../../support/env';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { after, before, beforeEach, describe, it } from 'node:test';
import { promoteCandidate, pruneModels } from '../../../src/activities/training/model-selection';
import { config } from '../../../src/config';
import { closeDb, getDb, type Db } from '../../../src/db';

/** Candidate pruning against the real embedded database, with model rows made by hand (no training). */
let db: Db;
before(async () => {
  db = await getDb();
});
after(async () => {
  await closeDb();
  rmSync(config().dataDir, { recursive: true, force: true });
});

let starter: number;
beforeEach(async () => {
  await db.query('DELETE FROM training_runs');
  await db.query('DELETE FROM classifier_models');
  starter = await model('starter', { active: true });
});

const decision = { promoted: false, reason: 'worse', minImprovement: 0, decidedAt: '2026-01-01T00:00:00.000Z' };

async function model(source: 'starter' | 'training', opts: { active?: boolean; decided?: boolean; accuracy?: number; comparedWith?: number } = {}) {
  const metrics = {
    accuracy: opts.accuracy ?? 0.5,
    comparedWith: { modelId: opts.comparedWith ?? starter, accuracy: 0.5 },
    ...(opts.decided ? { decision } : {}),
  };
  const [row] = await db.query<{ id: number }>(
    `INSERT INTO classifier_models (model, metrics, source, active) VALUES ('{}', $1, $2, $3) RETURNING id`,
    [JSON.stringify(metrics), source, opts.active ?? false],
  );
  return row.id;
}

async function run(candidateId: number | null): Promise<string> {
  const runId = randomUUID();
  await db.query(`INSERT INTO training_runs (run_id, job_id, candidate_model_id) VALUES ($1, 'training', $2)`, [runId, candidateId]);
  return runId;
}

const models = async () => (await db.query<{ id: number }>('SELECT id FROM classifier_models ORDER BY id')).map((r) => r.id);

describe('pruning trained models', () => {
  it('a decision keeps the active model, the newest TRAINING_KEEP_MODELS decided candidates, the starter and an undecided one', async () => {
    assert.equal(config().training.keepModels, 3);
    const pending = await model('training');
    const decided: number[] = [];
    for (let i = 0; i < 5; i++) decided.push(await model('training', { decided: true }));
    const oldestRun = await run(decided[0]);
    const candidate = await model('training', { accuracy: 0.9 });

    const result = await promoteCandidate({ runId: await run(candidate), candidateId: candidate, minImprovement: 0 });
    assert.equal(result.promoted, true);
    // The promoted candidate is active, so the three kept are the newest decided before it.
    assert.deepEqual(await models(), [starter, pending, decided[2], decided[3], decided[4], candidate]);
    const [active] = await db.query<{ id: number }>('SELECT id FROM classifier_models WHERE active');
    assert.equal(active.id, candidate);
    const [runRow] = await db.query<{ candidate_model_id: number | null }>('SELECT candidate_model_id FROM training_runs WHERE run_id = $1', [oldestRun]);
    assert.equal(runRow.candidate_model_id, null, 'a run keeps its record when its candidate is pruned');
  });

  it('a rejected candidate is one of those kept, and the older ones go', async () => {
    const older = [await model('training', { decided: true }), await model('training', { decided: true }), await model('training', { decided: true })];
    const candidate = await model('training', { accuracy: 0.1 });
    const result = await promoteCandidate({ runId: await run(candidate), candidateId: candidate, minImprovement: 0 });
    assert.equal(result.promoted, false);
    assert.deepEqual(await models(), [starter, older[1], older[2], candidate]);
  });

  it('keeping 0 leaves only the active model, the starter and undecided candidates', async () => {
    const formerActive = await model('training', { decided: true });
    await db.query('UPDATE classifier_models SET active = false WHERE active');
    const active = await model('training', { decided: true, active: true });
    const pending = await model('training');
    assert.deepEqual(await db.transaction((tx) => pruneModels(tx, 0)), [formerActive]);
    assert.deepEqual(await models(), [starter, active, pending]);
  });
});
