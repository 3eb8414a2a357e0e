import { readFileSync } from 'node:fs';
import { classify, loadModel, starterDataset, trainModel } from '../src/activities/nlp/classifier';
import { portugueseCategory } from '../src/activities/nlp/portuguese';

// The category of Portuguese text: the Portuguese word lists (portuguese.ts) next to the English starter
// classifier, on 21 real Portuguese texts labelled with the starter topics (bench/fixtures/pt-category.json).
// A sanity check: three texts a topic, partly found by topic words.

const { items } = JSON.parse(readFileSync(new URL('./fixtures/pt-category.json', import.meta.url), 'utf8')) as {
  items: { topic: string; text: string }[];
};
const english = loadModel(trainModel(starterDataset()));
let pt = 0;
let en = 0;
for (const { topic, text } of items) {
  const a = portugueseCategory(text).category;
  const b = classify(english, text).category;
  pt += Number(a === topic);
  en += Number(b === topic);
  console.log(`${topic.padEnd(11)} pt-lists ${a.padEnd(11)} english ${b.padEnd(11)} ${text.slice(0, 60)}`);
}
console.log(`accuracy on ${items.length}: Portuguese word lists ${(pt / items.length).toFixed(2)}, English classifier ${(en / items.length).toFixed(2)}`);
