export interface NormalisedText {
  text: string;
  language: string;
  supported: boolean;
}

// Invisible characters that break tokenisation and offsets: zero-width, bidi controls, soft hyphen, BOM,
// the replacement character left behind by bad decoding, and C0/C1 controls other than tab and newlines.
const INVISIBLE = /[\u00AD\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF\uFFFD\uFFF9-\uFFFC]/g;
// eslint-disable-next-line no-control-regex -- removing control characters is the point
const CONTROL = /[\u0000-\u0008\u000B\u000E-\u001F\u007F-\u0084\u0086-\u009F]/g;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const HORIZONTAL_SPACE = /[\t\f\v \u00A0\u1680\u2000-\u200A\u202F\u205F\u3000]+/g;

export function normaliseText(raw: string): NormalisedText {
  const text = cleanText(raw);
  const language = detectLanguage(text);
  return { text, language, supported: language === 'en' };
}

function cleanText(raw: string): string {
  const paragraphs = raw
    .replace(LONE_SURROGATE, '')
    .normalize('NFC')
    .replace(/\r\n?|\u0085|\u2028/g, '\n')
    .replace(/\u2029/g, '\n\n')
    .replace(INVISIBLE, '')
    .replace(CONTROL, '')
    .split(/\n[^\S\n]*\n\s*/);
  return paragraphs
    .map((p) => p.replace(/\s*\n\s*/g, ' ').replace(HORIZONTAL_SPACE, ' ').trim())
    .filter((p) => p.length > 0)
    .join('\n\n');
}

/**
 * True when the text has real words in it, not just punctuation, digits or binary bytes decoded as text.
 * Decoded bytes are mostly letters (Latin-1 has many), so the test also looks at the shape of the words:
 * real words are lower case, Capitalised or UPPER, and accented letters are a minority.
 */
export function isMeaningful(text: string): boolean {
  const visible = text.replace(/\s+/g, '');
  if (!/\p{L}{2,}/u.test(visible)) return false;
  const wordish = visible.match(/[\p{L}\p{N}\p{M}]/gu)?.length ?? 0;
  if (wordish / visible.length < 0.5) return false;
  const runs = text.match(/[\p{L}\p{M}]{2,}/gu) ?? [];
  const total = runs.reduce((n, r) => n + r.length, 0);
  const wellShaped = runs.filter(isWellShaped).reduce((n, r) => n + r.length, 0);
  const latin = visible.match(/\p{Script=Latin}/gu)?.length ?? 0;
  const latin1Accented = visible.match(/[\u00C0-\u00FF]/g)?.length ?? 0;
  return wellShaped / total >= 0.6 && (latin === 0 || latin1Accented / latin <= 0.3);
}

const WORD_SHAPE = /^(?:\p{Lu}?[\p{Ll}\p{M}]+|[\p{Lu}\p{M}]+|[\p{Lo}\p{Lm}\p{M}]+)$/u;

// Names such as PostgreSQL, JavaScript, McDonald or iPhone switch case once or twice, in these shapes;
// letters decoded from bytes switch case at random ("tcRA", "jYH").
const CAMEL_SHAPE = /^(?:\p{Lu}\p{Ll}+(?:\p{Lu}+\p{Ll}*){1,2}|\p{Ll}\p{Lu}\p{Ll}+)$/u;
const isWellShaped = (word: string) => WORD_SHAPE.test(word) || CAMEL_SHAPE.test(word);

// The most frequent function words of each language: a short text in a language shows several of them.
const STOPWORDS: Record<string, Set<string>> = Object.fromEntries(
  Object.entries({
    en: 'the of and to a in is it that for on with as was are be this by at from or have an not but they we you he she his her their has were which will would can our your',
    es: 'el la de que y en los las del se por un una con para es no al lo como más pero sus su le ya o este esta entre cuando muy sin sobre también',
    fr: 'le la les de des et est un une du en que qui dans pour pas sur au ce il elle ne se sont avec plus par nous vous mais ou leur cette aux',
    de: 'der die das und ist nicht ein eine zu den von mit sich des auf für im dem auch es an werden aus er hat dass sie nach wird bei einer um noch wie',
    it: 'il di che e la per un una in non sono del della le con si da al gli lo anche come più ma ha nel alla questo dei delle',
    pt: 'o a de que e do da em um para com não uma os no se na por mais as dos como mas ao ele das à seu sua ou quando muito nos já também',
    nl: 'de het een en van in is dat op te zijn met voor niet aan er maar om ook als dan bij of uit door naar wordt nog wel zo deze',
  }).map(([lang, words]) => [lang, new Set(words.split(' '))]),
);

// Scripts that name their language well enough to store it; others become 'und'.
const SCRIPTS: [RegExp, string][] = [
  [/[\u3040-\u30FF]/gu, 'ja'],
  [/\p{Script=Hangul}/gu, 'ko'],
  [/\p{Script=Han}/gu, 'zh'],
  [/\p{Script=Greek}/gu, 'el'],
  [/\p{Script=Hebrew}/gu, 'he'],
  [/\p{Script=Thai}/gu, 'th'],
  [/\p{Script=Cyrillic}/gu, 'und'],
  [/\p{Script=Arabic}/gu, 'und'],
  [/\p{Script=Devanagari}/gu, 'und'],
];

function detectLanguage(text: string): string {
  const letters = text.match(/\p{L}/gu)?.length ?? 0;
  if (letters === 0) return 'und';
  const latin = text.match(/\p{Script=Latin}/gu)?.length ?? 0;
  if (latin / letters < 0.5) {
    for (const [pattern, lang] of SCRIPTS) {
      if ((text.match(pattern)?.length ?? 0) / letters >= 0.3) return lang;
    }
    return 'und';
  }
  const words = text.toLowerCase().match(/\p{L}+/gu) ?? [];
  const ratios = Object.entries(STOPWORDS).map(
    ([lang, set]) => [lang, words.filter((w) => set.has(w)).length / words.length] as const,
  );
  ratios.sort((a, b) => b[1] - a[1]);
  const [best, bestRatio] = ratios[0]!;
  // Short notes ("Q3 budget call") may have no stopwords at all; Latin script then defaults to English.
  if (bestRatio === 0) return words.length < 8 ? 'en' : 'und';
  const english = ratios.find(([lang]) => lang === 'en')![1];
  if (best !== 'en' && bestRatio >= english * 1.5 && bestRatio >= 0.08) return best;
  return english >= 0.05 || words.length < 8 ? 'en' : 'und';
}
