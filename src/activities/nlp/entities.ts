import nlp from 'compromise';
import type { ItemEntity, ItemToken } from 'wink-nlp';
import { ruleDateValue, ruleSpans, withoutTitles } from './entity-rules';
import { gazetteerPlaces } from './gazetteer';
import { its, wink } from './wink';


export type EntityType =
  | 'person'
  | 'organization'
  | 'place'
  | 'date'
  | 'time'
  | 'money'
  | 'percent'
  | 'email'
  | 'url'
  | 'phone';

export interface Money {
  amount: number;
  currency: string;
}

/** One mention; `text === input.slice(start, end)` (end exclusive). */
export interface Entity {
  type: EntityType;
  text: string;
  value: string | number | Money;
  start: number;
  end: number;
}

export interface EntityOptions {
  /** What "next Tuesday" is relative to; defaults to now. Dates are computed in UTC. */
  referenceDate?: Date | string;
  /** The text's language (normalise.ts); Portuguese has its own rules (entities-pt.ts). Defaults to English. */
  language?: string;
}

// strength: 0 for the general models' guesses, 1-2 for context rules (entity-rules.ts), which win an overlap.
type Span = { type: EntityType; start: number; end: number; strength?: number };

// compromise-dates reports clock times ("3:30 pm", "noon") as dates of today.
const TIME_ONLY = /^(?:\d{1,2}(?:[:.]\d{2})?\s*(?:[ap]\.?m\.?)?|noon|midnight)$/i;
const NAME_TYPES = new Set<EntityType>(['person', 'organization', 'place']);
// Job titles that compromise tags as organisations ("Chief Financial").
const TITLE_START = /^(?:Chief|Vice|Head|Senior|Executive|Managing|Deputy)\b/;

function isProperName(mention: string): boolean {
  return /^\p{Lu}/u.test(mention) && !TITLE_START.test(mention);
}

// "January 28, 2025 at 10:30 a.m." and "between February 10 and April 30" hold two entities each.
function splitDateTime(text: string, span: Span): Span[] {
  const mention = text.slice(span.start, span.end);
  const parts: Span[] = [];
  let from = span.start;
  for (const sep of mention.matchAll(/\s+(?:at|and|to|through|until|–|-)\s+/g)) {
    parts.push({ ...span, start: from, end: span.start + sep.index! });
    from = span.start + sep.index! + sep[0].length;
  }
  parts.push({ ...span, start: from, end: span.end });
  return parts
    .map((p) => trimSpan(text, p))
    .filter((p): p is Span => p !== null)
    .map((p) => (TIME_ONLY.test(text.slice(p.start, p.end)) ? { ...p, type: 'time' as const } : p));
}

export function extractEntities(text: string, options: EntityOptions = {}): Entity[] {
  const spans = [...compromiseSpans(text), ...winkSpans(text), ...patternSpans(text), ...ruleSpans(text), ...gazetteerPlaces(text)]
    .map((s) => trimSpan(text, s))
    .filter((s): s is Span => s !== null)
    .flatMap((s) => (s.type === 'date' || s.type === 'time' ? splitDateTime(text, s) : [s]))
    .map((s) => (s.type === 'person' ? withoutTitles(text, s) : s))
    .filter((s): s is Span => s !== null)
    .filter((s) => !NAME_TYPES.has(s.type) || isProperName(text.slice(s.start, s.end)));
  const reference = new Date(isoDay(options.referenceDate ?? new Date()));
  const dates = new Map<string, string | null>();
  const entities: Entity[] = [];
  for (const span of repeatNames(text, resolveOverlaps(spans))) {
    const mention = text.slice(span.start, span.end);
    let value: Entity['value'] | null;
    if (span.type === 'date') {
      if (!dates.has(mention)) dates.set(mention, ruleDateValue(mention, reference));
      value = dates.get(mention)!;
    } else {
      value = normaliseValue(span.type, mention);
    }
    if (value !== null) entities.push({ ...span, text: mention, value });
  }
  return entities.sort((a, b) => a.start - b.start);
}

type CompromiseMatch = { offset: { start: number; length: number } };

// Names only: compromise-dates cost more than the rest of entity extraction together (~400 ms of ~1 s on a
// real 1,000-word text) and read explicit years wrongly; dates come from entity-rules.ts and wink.
function compromiseSpans(text: string): Span[] {
  const doc = nlp(text);
  const spans: Span[] = [];
  const collect = (matches: CompromiseMatch[], type: EntityType) => {
    for (const m of matches) spans.push({ type, start: m.offset.start, end: m.offset.start + m.offset.length });
  };
  const json = { offset: true, terms: {} };
  collect(doc.people().json(json), 'person');
  collect(doc.organizations().json(json), 'organization');
  collect(doc.places().json(json), 'place');
  return spans;
}

const WINK_TYPES: Record<string, EntityType> = {
  DATE: 'date',
  TIME: 'time',
  MONEY: 'money',
  PERCENT: 'percent',
  EMAIL: 'email',
  URL: 'url',
};

function winkSpans(text: string): Span[] {
  const doc = wink.readDoc(text);
  // wink reports token indices; rebuild character offsets by walking the tokens through the original text.
  const starts: number[] = [];
  const ends: number[] = [];
  let cursor = 0;
  doc.tokens().each((t: ItemToken) => {
    const value = String(t.out(its.value));
    const at = text.indexOf(value, cursor);
    const start = at < 0 ? cursor : at;
    starts.push(start);
    ends.push(start + value.length);
    cursor = start + value.length;
  });
  const spans: Span[] = [];
  doc.entities().each((e: ItemEntity) => {
    const type = WINK_TYPES[String(e.out(its.type))];
    const [first, last] = e.out(its.span) as unknown as [number, number];
    if (type) spans.push({ type, start: starts[first]!, end: ends[last]! });
  });
  return spans;
}

const MAGNITUDE = String.raw`(?:\s?(?:thousand|million|billion|trillion|bn|mn|[kmb])\b)?`;
const AMOUNT = String.raw`\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?`;
// Words that end many company names; compromise knows famous companies but few of the rest.
const ORG_SUFFIXES = [
  'Inc', 'Corp', 'Corporation', 'Ltd', 'LLC', 'PLC', 'GmbH', 'AG', 'SA', 'NV', 'BV', 'Company', 'Group', 'Holdings',
  'Partners', 'Logistics', 'Retail', 'Pharmaceuticals', 'Pharma', 'Bank', 'Capital', 'Advisory', 'Consulting',
  'Properties', 'Systems', 'Technologies', 'Solutions', 'Labs', 'Works', 'Toys', 'Foods', 'Airlines', 'Motors',
  'Energy', 'Insurance', 'Media', 'Networks', 'Industries', 'Enterprises', 'Ventures', 'Associates', 'Foundation',
].join('|');
const PATTERNS: [EntityType, RegExp][] = [
  [
    'money',
    new RegExp(
      String.raw`(?:[$€£¥]|\b(?:USD|EUR|GBP|JPY|CHF|CAD|AUD)\s?)(?:${AMOUNT})${MAGNITUDE}` +
        String.raw`|\b(?:${AMOUNT})${MAGNITUDE}\s?(?:dollars|euros|pounds|USD|EUR|GBP)\b`,
      'gi',
    ),
  ],
  ['percent', new RegExp(String.raw`\b(?:${AMOUNT})\s?(?:%|percent\b|per cent\b)`, 'gi')],
  ['organization', new RegExp(String.raw`(?:\b[\p{Lu}][\p{L}&'’-]*\s+){1,3}(?:${ORG_SUFFIXES})\b\.?`, 'gu')],
  ['organization', /\b(?:Department|Ministry|Office|University|Institute|Bank)\s+(?:of|for)\s+(?:the\s+)?\p{Lu}[\p{L}-]*(?:\s+\p{Lu}[\p{L}-]*)*|\bBureau\s+\p{Lu}[\p{L}-]+/gu],
  // International (+44 20 7946 0958), bracketed area code ((415) 555-0134) or grouped national numbers.
  ['phone', /(?<![\w+])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{1,4}\)[\s.-]?)?\d{2,4}(?:[\s.-]\d{2,4}){1,4}(?![\w-])/g],
];

function patternSpans(text: string): Span[] {
  const spans: Span[] = [];
  for (const [type, pattern] of PATTERNS) {
    for (const m of text.matchAll(pattern)) {
      if (type === 'phone' && !looksLikePhone(m[0])) continue;
      // A capitalised sentence opener ("The", "Our") is not part of the name.
      const opener = type === 'organization' ? (m[0].match(/^(?:(?:The|Our|Their|Its|This|That|A|An)\s+)+/)?.[0].length ?? 0) : 0;
      if (opener && !/\s\S+\s+\S/.test(m[0].slice(opener - 1))) continue;
      spans.push({ type, start: m.index! + opener, end: m.index! + m[0].length });
    }
  }
  return spans;
}

function looksLikePhone(candidate: string): boolean {
  const digits = candidate.replace(/\D/g, '').length;
  if (digits < 7 || digits > 15) return false;
  if (/^\d{4}[-./]\d{1,2}[-./]\d{1,2}$|^\d{1,2}[-./]\d{1,2}[-./]\d{2,4}$/.test(candidate)) return false;
  // A bare digit group like "2019 2020" is not a number anyone dials; phones have a +, brackets,
  // a 3-4 digit local part, or ten-plus digits.
  return /^\+|\(/.test(candidate) || /^\d{3}[-.\s]\d{4}$/.test(candidate) || digits >= 10;
}

const LEADING_WORDS =
  /^(?:(?:on|at|by|in|from|until|till|before|after|since|during|of|the|for|to|between|over|under|about|around|roughly|approximately|nearly|almost|some|up)\s+)+/i;
const NUMERIC_TYPES = new Set<EntityType>(['date', 'time', 'money', 'percent']);
const CORPORATE_ABBREVIATION = /\b(?:Inc|Corp|Ltd|Co|Bros|Jr|Sr|Plc|LLC|L\.P|S\.A|N\.V|Dr|St)\.$/;

// Engines include neighbouring punctuation, possessives and prepositions ("on March 3,", "Acme's").
function trimSpan(text: string, span: Span): Span | null {
  let { start, end } = span;
  let mention = text.slice(start, end);
  const leading = mention.match(span.type === 'phone' ? /^\s+/ : /^[\s"'“‘([{]+/)?.[0].length ?? 0;
  start += leading;
  mention = text.slice(start, end);
  if (NUMERIC_TYPES.has(span.type)) start += mention.match(LEADING_WORDS)?.[0].length ?? 0;
  for (;;) {
    mention = text.slice(start, end);
    const possessive = mention.match(/['’]s?$/)?.[0].length ?? 0;
    if (possessive && span.type !== 'url' && /\w['’]s?$/.test(mention)) {
      end -= possessive;
      continue;
    }
    const last = mention.at(-1);
    if (last && /[\s,;:!?"'”’)\]}]/.test(last)) {
      end -= 1;
      continue;
    }
    const keepsDot = CORPORATE_ABBREVIATION.test(mention) || /\b[ap]\.m\.$/i.test(mention);
    if (last === '.' && !keepsDot) {
      end -= 1;
      continue;
    }
    // "the Leeds site": names end at their last capitalised word.
    const tail = NAME_TYPES.has(span.type) ? mention.match(/\s+\p{Ll}[\p{L}-]*$/u) : null;
    if (tail && tail.index! > 0) {
      end -= tail[0].length;
      continue;
    }
    break;
  }
  return end > start ? { ...span, start, end } : null;
}

const PRIORITY: Record<EntityType, number> = {
  email: 4,
  url: 4,
  phone: 3,
  money: 3,
  percent: 3,
  date: 2,
  time: 2,
  organization: 1,
  person: 1,
  place: 1,
};

/**
 * Pattern-like types beat names; within a tier a rule beats a model's guess, then the longer mention wins;
 * exact duplicates collapse.
 */
function resolveOverlaps(spans: Span[]): Span[] {
  const ordered = [...spans].sort(
    (a, b) =>
      PRIORITY[b.type] - PRIORITY[a.type] ||
      (b.strength ?? 0) - (a.strength ?? 0) ||
      b.end - b.start - (a.end - a.start) ||
      a.start - b.start,
  );
  const kept: Span[] = [];
  for (const s of ordered) {
    if (!kept.some((k) => s.start < k.end && k.start < s.end)) kept.push(s);
  }
  return kept;
}

const NAME_SUFFIX = /^(?:Jr|Sr|II|III|IV|Inc|Corp|Co|Ltd)\.?$/;

/**
 * A name found once names the same thing elsewhere in the note: "Julian W. Barnard" ... "Barnard said". Every
 * other occurrence of a found name, and of a person's surname, gets the same type; a weaker guess of another
 * type for the same words ("Huff" as a place) takes the type the stronger mention has.
 */
function repeatNames(text: string, kept: Span[]): Span[] {
  const known = new Map<string, { type: EntityType; strength: number }>();
  const learn = (name: string, type: EntityType, strength: number) => {
    const had = known.get(name);
    if (!had || had.strength < strength) known.set(name, { type, strength });
  };
  for (const s of kept) {
    if (!NAME_TYPES.has(s.type)) continue;
    const mention = text.slice(s.start, s.end);
    const strength = (s.strength ?? 0) + (/\s/.test(mention) ? 1 : 0);
    learn(mention, s.type, strength);
    const words = mention.split(/\s+/).filter((w) => !NAME_SUFFIX.test(w.replace(/,$/, '')));
    // "Multnomah County" ... "Multnomah, as of Aug. 22".
    if (s.type === 'place' && words.length === 2 && /^(?:County|City)$/.test(words[1]!)) learn(words[0]!, 'place', strength);
    if (s.type === 'person' && words.length > 1 && /^\p{Lu}[\p{Ll}'’-]{2,}$/u.test(words.at(-1)!)) learn(words.at(-1)!, 'person', strength);
  }
  const spans = kept.map((s) => {
    const had = NAME_TYPES.has(s.type) ? known.get(text.slice(s.start, s.end)) : undefined;
    return had && had.type !== s.type && had.strength > (s.strength ?? 0) + 1 ? { ...s, type: had.type } : s;
  });
  // "London, Paris and Bonn": an unlabelled name listed with names of one type has that type.
  const list = /(?:\p{Lu}[\p{L}.'’-]*(?:\s+\p{Lu}[\p{L}.'’-]*)*)(?:,\s+\p{Lu}[\p{L}.'’-]*(?:\s+\p{Lu}[\p{L}.'’-]*)*)*,?\s+(?:and|or)\s+\p{Lu}[\p{L}.'’-]*(?:\s+\p{Lu}[\p{L}.'’-]*)*/gu;
  for (const m of text.matchAll(list)) {
    const items = [...m[0].matchAll(/\p{Lu}[\p{L}.'’-]*(?:\s+\p{Lu}[\p{L}.'’-]*)*/gu)].map((x) => ({ start: m.index! + x.index!, end: m.index! + x.index! + x[0].length }));
    const typed = items.map((it) => spans.find((k) => k.start === it.start && k.end === it.end)?.type);
    const types = new Set(typed.filter(Boolean));
    if (types.size !== 1 || typed.filter(Boolean).length < 2) continue;
    const [type] = types as Set<EntityType>;
    if (!NAME_TYPES.has(type)) continue;
    items.forEach((it, i) => {
      if (!typed[i] && !spans.some((k) => it.start < k.end && k.start < it.end)) spans.push({ type, ...it, strength: 0 });
    });
  }
  for (const [name, { type }] of known) {
    const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    for (const m of text.matchAll(new RegExp(String.raw`(?<![\p{L}\d])${escaped}(?![\p{L}\d])`, 'gu'))) {
      const start = m.index!;
      const end = start + name.length;
      if (!spans.some((k) => start < k.end && k.start < end)) spans.push({ type, start, end, strength: 0 });
    }
  }
  return spans;
}

function normaliseValue(type: EntityType, mention: string): Entity['value'] | null {
  switch (type) {
    case 'time':
      return timeValue(mention);
    case 'money':
      return moneyValue(mention);
    case 'percent': {
      const n = mention.match(/\d[\d,]*(?:\.\d+)?/)?.[0];
      return n ? Number(n.replace(/,/g, '')) : null;
    }
    case 'email':
      return mention.toLowerCase();
    case 'phone':
      return (mention.trim().startsWith('+') ? '+' : '') + mention.replace(/\D/g, '');
    default:
      return mention.replace(/\s+/g, ' ');
  }
}

function timeValue(mention: string): string {
  const lower = mention.toLowerCase();
  if (lower.includes('noon')) return '12:00';
  if (lower.includes('midnight')) return '00:00';
  const m = lower.match(/(\d{1,2})(?:[:.](\d{2}))?\s*(a\.?m\.?|p\.?m\.?)?/);
  if (!m) return lower;
  let hour = Number(m[1]);
  if (m[3]?.startsWith('p') && hour < 12) hour += 12;
  if (m[3]?.startsWith('a') && hour === 12) hour = 0;
  return `${String(hour).padStart(2, '0')}:${m[2] ?? '00'}`;
}

const CURRENCIES: [RegExp, string][] = [
  [/€|\beur(?:os?)?\b/i, 'EUR'],
  [/£|\bgbp\b|\bpounds?\b/i, 'GBP'],
  [/¥|\bjpy\b|\byen\b/i, 'JPY'],
  [/\bchf\b|\bfrancs?\b/i, 'CHF'],
  [/\bcad\b/i, 'CAD'],
  [/\baud\b/i, 'AUD'],
  [/\$|\busd\b|\bdollars?\b/i, 'USD'],
];
const MULTIPLIERS: [RegExp, number][] = [
  [/\btrillion\b/i, 1e12],
  [/\bbillion\b|\d\s?bn?\b/i, 1e9],
  [/\bmillion\b|\d\s?(?:mn|m)\b/i, 1e6],
  [/\bthousand\b|\d\s?k\b/i, 1e3],
];

function moneyValue(mention: string): Money | null {
  const digits = mention.match(/\d[\d,]*(?:\.\d+)?/)?.[0];
  if (!digits) return null;
  const multiplier = MULTIPLIERS.find(([re]) => re.test(mention))?.[1] ?? 1;
  const currency = CURRENCIES.find(([re]) => re.test(mention))?.[1] ?? 'XXX';
  return { amount: Math.round(Number(digits.replace(/,/g, '')) * multiplier * 100) / 100, currency };
}

function isoDay(date: Date | string): string {
  return (typeof date === 'string' ? new Date(date) : date).toISOString().slice(0, 10);
}
