import assert from 'node:assert/strict';
import { it } from 'node:test';
import { ConfigError, loadConfig, taskQueue } from '../src/config';

it('has working defaults for one machine', () => {
  const cfg = loadConfig({});
  assert.equal(cfg.api.port, 3000);
  assert.equal(cfg.temporal.uiPort, 8233);
  assert.equal(cfg.temporal.address, undefined);
  assert.equal(cfg.databaseUrl, undefined);
  assert.equal(cfg.queues.audio.maxConcurrentActivities, 2);
  assert.equal(taskQueue('nlp', cfg), 'nlp');
});

it('reads per-queue limits and the queue prefix', () => {
  const cfg = loadConfig({ NLP_MAX_CONCURRENT_ACTIVITIES: '3', NOTIFY_MAX_ACTIVITIES_PER_SECOND: '2.5', TASK_QUEUE_PREFIX: 'staging' });
  assert.equal(cfg.queues.nlp.maxConcurrentActivities, 3);
  assert.equal(cfg.queues.notify.maxActivitiesPerSecond, 2.5);
  assert.equal(taskQueue('audio', cfg), 'staging-audio');
});

it('lists every bad variable in one error', () => {
  let error: unknown;
  try {
    loadConfig({ API_PORT: 'eighty', DATABASE_URL: 'not a url', NLP_MAX_CONCURRENT_ACTIVITIES: '0', LOG_LEVEL: 'loud' });
  } catch (err) {
    error = err;
  }
  assert.ok(error instanceof ConfigError);
  const names = error.problems.map((p) => p.split(':')[0]).sort();
  assert.deepEqual(names, ['API_PORT', 'DATABASE_URL', 'LOG_LEVEL', 'NLP_MAX_CONCURRENT_ACTIVITIES']);
  assert.match(error.message, /API_PORT/);
});

it('keeps 3 trained models by default and refuses a count that is not a whole number from 0', () => {
  assert.equal(loadConfig({}).training.keepModels, 3);
  assert.equal(loadConfig({ TRAINING_KEEP_MODELS: '0' }).training.keepModels, 0);
  for (const bad of ['-1', '2.5', 'all']) {
    assert.throws(() => loadConfig({ TRAINING_KEEP_MODELS: bad }), (err) => err instanceof ConfigError && /TRAINING_KEEP_MODELS/.test(err.message));
  }
});
