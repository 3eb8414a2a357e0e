import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EtaEstimator } from '../../../src/workflows/eta';

test('before any chunk ends, guesses from the real-time factor and parallelism, counting down', () => {
  const eta = new EtaEstimator({ typicalRealTimeFactor: 0.1, parallelism: 2 });
  assert.equal(eta.remainingSec(0, 600, 0), 30);
  assert.equal(eta.remainingSec(0, 600, 10), 20);
});

test('once chunks end, follows the measured pace instead of the guess', () => {
  const eta = new EtaEstimator({ typicalRealTimeFactor: 0.1 });
  // The guess says 10 audio seconds per wall second; the job does 30 s of audio per 6 s of wall time, i.e. 5.
  assert.equal(eta.remainingSec(30, 300, 6), 54);
  assert.equal(eta.remainingSec(60, 300, 12), 48);
  assert.equal(eta.remainingSec(60, 300, 15), 45, 'counts down between chunk ends');
  assert.equal(eta.remainingSec(300, 300, 60), 0);
});

test('smooths a sudden change of pace', () => {
  const eta = new EtaEstimator({ typicalRealTimeFactor: 0.2, smoothing: 0.5 });
  eta.remainingSec(100, 400, 10); // 10 audio s/s
  const after = eta.remainingSec(200, 400, 40); // so far 5 audio s/s; smoothed 7.5
  assert.ok(Math.abs(after - 200 / 7.5) < 1e-9, `${after}`);
});

test('never goes below zero when the job runs late', () => {
  const eta = new EtaEstimator({ typicalRealTimeFactor: 0.1 });
  assert.equal(eta.remainingSec(0, 100, 50), 0);
});

test('with chunks side by side, credits the ones still running as half done', () => {
  const eta = new EtaEstimator({ typicalRealTimeFactor: 0.1, parallelism: 2 });
  // Two 30 s chunks started together; the first ends at 3 s and the other is about as far along.
  // Credited: 30 + 15 done, so 15 audio s/s, and 300 - 45 left.
  assert.equal(eta.remainingSec(30, 300, 3), 17);
});
