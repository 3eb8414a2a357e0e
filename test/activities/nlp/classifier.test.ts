import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  classify,
  evaluate,
  loadModel,
  splitDataset,
  starterDataset,
  trainModel,
} from '../../../src/activities/nlp/classifier';

const dataset = starterDataset();
const { train, heldOut } = splitDataset(dataset);

test('the starter data set is real labelled text with both classes', () => {
  assert.ok(dataset.length > 6000);
  const labels = new Set(dataset.map((e) => e.label));
  assert.deepEqual([...labels].sort(), ['ham', 'spam']);
});

test('the split is deterministic, disjoint and keeps every label', () => {
  const again = splitDataset(starterDataset());
  assert.deepEqual(again.heldOut.map((e) => e.text), heldOut.map((e) => e.text));
  assert.equal(train.length + heldOut.length, dataset.length);
  assert.ok(Math.abs(heldOut.length / dataset.length - 0.2) < 0.01);
  for (const label of ['ham', 'spam']) assert.ok(heldOut.some((e) => e.label === label));
});

test('the starter model scores above 0.95 on held-out data and survives a JSON round trip', () => {
  const serialized = JSON.parse(JSON.stringify(trainModel(train)));
  const model = loadModel(serialized);
  const result = evaluate(model, heldOut);
  assert.ok(result.accuracy > 0.95, `accuracy ${result.accuracy}`);
  assert.ok(result.perLabel.spam!.recall > 0.9, `spam recall ${result.perLabel.spam!.recall}`);

  const spam = classify(model, 'Act now! Click here to claim your FREE prize and make money fast from home!!!');
  assert.equal(spam.category, 'spam');
  assert.ok(spam.confidence > 0.5 && spam.confidence <= 1);
  assert.ok(Math.abs(Object.values(spam.scores).reduce((s, x) => s + x, 0) - 1) < 1e-9);
});

test('custom labels train and classify', () => {
  const examples = [
    ['The invoice for March is overdue and finance wants payment this week', 'finance'],
    ['Budget forecast and quarterly revenue numbers need review by the CFO', 'finance'],
    ['Cash flow was tight; the bank extended our credit line', 'finance'],
    ['The new hire starts Monday; please prepare a laptop and badge', 'people'],
    ['Staff turnover is high and exit interviews mention shift patterns', 'people'],
    ['We are recruiting two engineers and a team lead this quarter', 'people'],
  ].map(([text, label]) => ({ text: text!, label: label! }));
  const model = loadModel(trainModel(examples));
  assert.equal(classify(model, 'Revenue and budget numbers for the CFO').category, 'finance');
  assert.equal(classify(model, 'Exit interviews with staff about shift patterns').category, 'people');
  assert.equal(classify(model, 'qwxz plorf').category, 'unknown');
});

test('training with one label is refused', () => {
  assert.throws(() => trainModel([{ text: 'only one', label: 'a' }]), /two labels/);
});
