import assert from 'node:assert/strict';
import { it } from 'node:test';
import { retryDelayMs } from '../../../src/activities/notify/retry-delay';

const settings = { initialMs: 1_000, maxMs: 60_000 };

it('doubles from the initial delay, jittered within the upper half', () => {
  assert.equal(retryDelayMs({ ...settings, attempt: 1 }, () => 0), 500);
  assert.equal(retryDelayMs({ ...settings, attempt: 1 }, () => 1), 1_000);
  assert.equal(retryDelayMs({ ...settings, attempt: 3 }, () => 0), 2_000);
  assert.equal(retryDelayMs({ ...settings, attempt: 3 }, () => 1), 4_000);
  const spread = new Set(Array.from({ length: 50 }, () => retryDelayMs({ ...settings, attempt: 4 })));
  assert.ok(spread.size > 10, 'delays of simultaneous failures spread out');
  assert.ok([...spread].every((d) => d >= 4_000 && d <= 8_000));
});

it('never waits longer than the maximum', () => {
  assert.equal(retryDelayMs({ ...settings, attempt: 30 }, () => 1), 60_000);
  assert.equal(retryDelayMs({ ...settings, attempt: 30 }, () => 0), 30_000);
});

it('honours Retry-After as a lower bound, within the maximum', () => {
  assert.equal(retryDelayMs({ ...settings, attempt: 1, retryAfterMs: 7_000 }, () => 0), 7_000);
  assert.equal(retryDelayMs({ ...settings, attempt: 1, retryAfterMs: 0 }, () => 0), 500);
  assert.equal(retryDelayMs({ ...settings, attempt: 1, retryAfterMs: 3_600_000 }, () => 0), 60_000);
});
