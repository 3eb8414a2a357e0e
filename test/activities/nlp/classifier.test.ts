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
const TOPICS = ['fiction', 'government', 'lifestyle', 'news', 'opinion', 'religion', 'science'];

test('the starter data set is real labelled text in every topic group', () => {
  assert.ok(dataset.length > 2500, `${dataset.length} chunks`);
  assert.deepEqual([...new Set(dataset.map((e) => e.label))].sort(), TOPICS);
  const words = dataset.map((e) => e.text.split(/\s+/).length).sort((a, b) => a - b);
  const median = words[Math.floor(words.length / 2)]!;
  assert.ok(median >= 200 && median <= 300, `median ${median} words`);
  assert.ok(!/\/[a-z]/.test(dataset[0]!.text.slice(0, 200)), 'part-of-speech tags are stripped');
});

test('the split is deterministic, keeps each document on one side and keeps every label', () => {
  const again = splitDataset(starterDataset());
  assert.deepEqual(again.heldOut.map((e) => e.text), heldOut.map((e) => e.text));
  assert.equal(train.length + heldOut.length, dataset.length);
  const trainDocs = new Set(train.map((e) => e.doc));
  assert.ok(heldOut.every((e) => e.doc && !trainDocs.has(e.doc)));
  assert.ok(Math.abs(heldOut.length / dataset.length - 0.2) < 0.03);
  for (const label of TOPICS) assert.ok(heldOut.some((e) => e.label === label), label);
});

test('examples without a document split one by one, every fifth held out', () => {
  const examples = Array.from({ length: 10 }, (_, i) => ({ text: `t${i}`, label: 'x' }));
  assert.deepEqual(splitDataset(examples).heldOut.map((e) => e.text), ['t4', 't9']);
});

test('the starter model scores above 0.72 on held-out documents and survives a JSON round trip', () => {
  const serialized = JSON.parse(JSON.stringify(trainModel(train)));
  const model = loadModel(serialized);
  const result = evaluate(model, heldOut);
  assert.ok(result.accuracy > 0.72, `accuracy ${result.accuracy}`);
  assert.ok(result.perLabel.science!.f1 > 0.7, `science f1 ${result.perLabel.science!.f1}`);

  const expected: [string, string][] = [
    ['The quarterback threw two touchdown passes in the fourth quarter and the coach praised the team.', 'news'],
    [
      'Under the new regulation, each state agency shall submit its budget request to the Bureau of the Budget by the end of the fiscal year.',
      'government',
    ],
    ['The experiment measured the temperature dependence of the reaction rate in the samples.', 'science'],
  ];
  for (const [text, category] of expected) assert.equal(classify(model, text).category, category, text);

  const science = classify(model, expected[2]![0]);
  assert.ok(science.confidence > 0.5 && science.confidence <= 1);
  assert.ok(Math.abs(Object.values(science.scores).reduce((s, x) => s + x, 0) - 1) < 1e-9);
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
