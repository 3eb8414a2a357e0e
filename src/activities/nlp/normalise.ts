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
  return { text, language, supported: isSupported(language) };
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

/** Languages the analysis stages handle; text in any other is stored as `unsupported_language`. */
export const SUPPORTED_LANGUAGES = ['en', 'pt'] as const;
export type SupportedLanguage = (typeof SUPPORTED_LANGUAGES)[number];

export const isSupported = (language: string): language is SupportedLanguage =>
  (SUPPORTED_LANGUAGES as readonly string[]).includes(language);

// The most frequent function words of each language: a short text in a language shows several of them.
// Galician, Catalan and Italian are listed although unsupported so that their notes are not taken for
// Portuguese or Spanish, which share most of their short words.
const STOPWORDS: Record<string, Set<string>> = Object.fromEntries(
  Object.entries({
    en: 'the of and to a in is it that for on with as was are be this by at from or have an not but they we you he she his her their has were which will would can our your',
    pt: 'o a os as de do da dos das em no na nos nas um uma uns umas que e é para com não se por mais mas ao aos à às pelo pela pelos pelas como ele ela eles elas seu sua seus suas ou quando muito já também isso isto esse essa este esta está são foi ser ter tem há nós você vocês eu me lhe lhes entre sem sobre até depois então ainda onde porque pode deve toda todo todos todas cada mesmo outro outra nem num numa só',
    es: 'el la los las de del que y en un una es no por con para se lo le al como más pero sus su ya o este esta está son fue ser hay muy sin sobre también entre cuando todo todos cada porque donde yo nos hasta desde puede ni toda todas',
    fr: 'le la les de des du et est un une en que qui dans pour pas sur au aux ce il elle ne se sont avec plus par nous vous mais ou leur cette être été tout tous a à qu l d',
    de: 'der die das und ist nicht ein eine zu den von mit sich des auf für im dem auch es an werden aus er hat dass sie nach wird bei einer um noch wie',
    it: 'il lo la i gli le di del della dei delle degli che e è per un una uno in non sono con si da dal dalla al alla ai alle ma ha nel nella anche come più questo questa quello ci ne suo sua loro essere stato tutti ogni tra fra senza perché dove molto',
    gl: 'o a os as de do da dos das en no na nos nas un unha uns unhas que e é para con non se por máis pero ao aos á ás polo pola polos polas como el ela eles elas seu súa ou cando moito xa tamén iso isto ese esa este esta está son foi ser ter ten hai nós ós eu me lle lles entre sen sobre ata despois entón aínda onde porque pode debe toda todo todos todas cada mesmo outro outra coa co cun cunha dun dunha nin',
    ca: 'el la els les de del dels que i en un una és no per amb com més però seu seva ja aquest aquesta són ha també molt entre sense sobre fins tot tots cada on perquè pot ni',
    nl: 'de het een en van in is dat op te zijn met voor niet aan er maar om ook als dan bij of uit door naar wordt nog wel zo deze',
  }).map(([lang, words]) => [lang, new Set(words.split(' '))]),
);

// Listed in order of preference on a tie: the supported languages first.
// A word listed for k languages counts 1/k for each: "de", "que" and "a" say little, "não", "unha" and "els" a lot.
const WORD_WEIGHTS: Map<string, [string, number][]> = (() => {
  const weights = new Map<string, [string, number][]>();
  for (const [lang, set] of Object.entries(STOPWORDS)) {
    for (const word of set) weights.set(word, [...(weights.get(word) ?? []), [lang, 0]]);
  }
  for (const entries of weights.values()) for (const entry of entries) entry[1] = 1 / entries.length;
  return weights;
})();

// Spellings that belong to one language (or two) among those above, counted per word that shows them.
// They decide between close languages and the short notes that have few function words ("Reunião amanhã
// às 10h", "Orçamento aprovado"). Only the strong ones (never in English words) count in a text that has no
// function word at all, so "Q3 budget call" stays English.
const SPELLINGS: { pattern: RegExp; lang: string; weight: number; strong?: boolean }[] = [
  { pattern: /[ãõ]/, lang: 'pt', weight: 1, strong: true },
  { pattern: /lh[aeiou]/, lang: 'pt', weight: 0.5 },
  { pattern: /ç[aoõã]/, lang: 'pt', weight: 0.3, strong: true },
  { pattern: /ñ/, lang: 'es', weight: 0.5, strong: true },
  { pattern: /ñ/, lang: 'gl', weight: 0.3, strong: true },
  { pattern: /(?<![qg])ue|ie(?!nt)/, lang: 'es', weight: 0.3 },
  { pattern: /ll/, lang: 'es', weight: 0.2 },
  { pattern: /ll/, lang: 'gl', weight: 0.3 },
  { pattern: /ción$|ciones$/, lang: 'es', weight: 0.5, strong: true },
  { pattern: /ción$|cións$/, lang: 'gl', weight: 0.4, strong: true },
  { pattern: /^x[aeiou]|[aeiou]x[aeiou]/, lang: 'gl', weight: 0.3 },
  { pattern: /zione$|zioni$|gli/, lang: 'it', weight: 0.5 },
  { pattern: /[èò]/, lang: 'ca', weight: 0.3, strong: true },
  { pattern: /[èò]/, lang: 'it', weight: 0.3, strong: true },
  { pattern: /l·l|ny$|ció$/, lang: 'ca', weight: 0.5 },
  { pattern: /ç[aoe]/, lang: 'fr', weight: 0.1 },
  { pattern: /[ëïœ]|eau|aux$|eux$|eur$|ait$|aient$|ées?$/, lang: 'fr', weight: 0.5 },
  { pattern: /[äöüß]/, lang: 'de', weight: 0.5, strong: true },
];

// Listed in order of preference on a tie: the supported languages first.
const LANGUAGES = Object.keys(STOPWORDS);

/** Each language's evidence per word of the text, best first, and the share of words that are function words of two letters or more. */
function languageScores(words: string[]): { scores: [string, number][]; functionWords: number } {
  const scores = new Map<string, number>(LANGUAGES.map((l) => [l, 0]));
  let functionWords = 0;
  for (const word of words) {
    const listed = WORD_WEIGHTS.get(word);
    // One-letter words ("a", "o", "e", "y") also come out of bytes decoded as letters: they do not make prose.
    if (listed && word.length > 1) functionWords += 1;
    for (const [lang, w] of listed ?? []) scores.set(lang, scores.get(lang)! + w);
  }
  for (const word of words) {
    for (const { pattern, lang, weight, strong } of SPELLINGS) {
      if ((strong || functionWords > 0) && pattern.test(word)) scores.set(lang, scores.get(lang)! + weight);
    }
  }
  return {
    scores: [...scores].map(([l, s]) => [l, s / words.length] as [string, number]).sort((a, b) => b[1] - a[1]),
    functionWords: functionWords / words.length,
  };
}

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
  const words = text.toLowerCase().match(/\p{L}+(?:·\p{L}+)?/gu) ?? [];
  const { scores, functionWords } = languageScores(words);
  const [best, bestScore] = scores[0]!;
  // A longer text with almost no function words is not prose (letters decoded from bytes, lists of names).
  if (words.length >= 8 && functionWords < 0.05) return 'und';
  // Short notes ("Q3 budget call") may have no evidence at all; Latin script then defaults to English.
  if (bestScore === 0) return 'en';
  // Mixed text is analysed in the language with the most evidence.
  return best;
}
