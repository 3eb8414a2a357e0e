// Context rules for names and dates that compromise and wink miss on real text (measured on the tuning set of
// test/fixtures/nlp/real-text): titles before people, suffixes and "X of Y" heads of organisations, addresses,
// buildings and "City, State" places, and dates with explicit years or relative words. Their spans are
// "strong": in an overlap they win over the general models' guesses of the same tier.

export type RuleType = 'person' | 'organization' | 'place' | 'date';
export interface RuleSpan {
  type: RuleType;
  start: number;
  end: number;
  /** 2: the words themselves say it (a title, a suffix, a street); 1: only the context does ("in X", "X signed"). */
  strength: 1 | 2;
}

const CAP = String.raw`\p{Lu}[\p{L}'’-]*`;
// A capitalised word or an initial ("W.", "F."), as in "Julian W. Barnard".
const NAME_WORD = String.raw`(?:\p{Lu}\.|\p{Lu}[\p{L}'’-]+)`;

// Titles and roles written before a name; the title itself is never part of the person.
export const TITLES =
  'Mr|Mrs|Ms|Miss|Messrs|Dr|Gov|Sen|Rep|Gen|Col|Capt|Lt|Sgt|Prof|Rev|Fr|Governor|Senator|Representative|Judge|Justice|Detective|Patrolman|Officer|Secretary|Commissioner|President|Mayor|Coach|Chief|Jockey|Sportsman|Professor|Sheriff|Chairman|Director|Inspector|Dean|Bishop|Father|Sister|Brother|Pastor|Ambassador|Minister|Premier|Chancellor|Count|Countess|Lord|Lady|Sir|Dame|Prince|Princess|King|Queen|Pope|Deputy|Trooper|Sergeant|Lieutenant|Captain|General|Colonel|Admiral|Major';
const TITLE_WORD = new RegExp(String.raw`^(?:${TITLES})\.?$`);
const TITLED_PERSON = new RegExp(
  String.raw`\b(?:${TITLES})\.?\s+((?:${NAME_WORD}\s+){0,3}${CAP})(?:,?\s+(?:Jr|Sr)\.)?`,
  'gu',
);

// "Horace A. Davenport", "Oliver G. Pratt": a given name, initials, a surname.
const INITIALLED_PERSON = new RegExp(String.raw`\b(?!(?:${TITLES})\b)\p{Lu}[\p{Ll}'’-]+\s+(?:\p{Lu}\.\s+){1,2}\p{Lu}[\p{Ll}'’-]+`, 'gu');

const US_STATES = [
  'Alabama', 'Alaska', 'Arizona', 'Arkansas', 'California', 'Colorado', 'Connecticut', 'Delaware', 'Florida', 'Georgia',
  'Hawaii', 'Idaho', 'Illinois', 'Indiana', 'Iowa', 'Kansas', 'Kentucky', 'Louisiana', 'Maine', 'Maryland',
  'Massachusetts', 'Michigan', 'Minnesota', 'Mississippi', 'Missouri', 'Montana', 'Nebraska', 'Nevada',
  'New Hampshire', 'New Jersey', 'New Mexico', 'New York', 'North Carolina', 'North Dakota', 'Ohio', 'Oklahoma',
  'Oregon', 'Pennsylvania', 'Rhode Island', 'South Carolina', 'South Dakota', 'Tennessee', 'Texas', 'Utah', 'Vermont',
  'Virginia', 'Washington', 'West Virginia', 'Wisconsin', 'Wyoming', 'New England',
];
// Newspaper abbreviations of the states ("Summerdale, Ala."); only read as places after "City, ".
const STATE_ABBREVIATIONS = 'Ala|Ariz|Ark|Calif|Cal|Colo|Conn|Del|Fla|Ga|Ill|Ind|Kan|Kans|Ky|La|Md|Mass|Mich|Minn|Miss|Mo|Mont|Neb|Nev|N\\.H|N\\.J|N\\.M|N\\.Y|N\\.C|N\\.D|Okla|Ore|Pa|R\\.I|S\\.C|S\\.D|Tenn|Tex|Va|Vt|Wash|Wis|Wyo|D\\.C';
const STATE_NAMES = US_STATES.join('|');

const STREET = 'Street|St|Avenue|Ave|Av|Road|Rd|Boulevard|Blvd|Place|Pl|pl|Drive|Dr|Lane|Ln|Way|Parkway|Pkwy|Court|Ct|Terrace|Highway|Hwy';
const BUILDING = 'Hotel|Temple|Building|Theater|Theatre|Hall|Center|Centre|Stadium|Arena|Airport|Station|Park|Square|Bridge|Island|Church|Cathedral|Museum|Library|Auditorium|Tower|Plaza';
// Words that end organisation names, after one to five capitalised words ("Uncas Mfg. Co.", "Multnomah Bank").
const ORG_END =
  'Inc|Corp|Corporation|Co|Company|Ltd|LLC|PLC|GmbH|AG|Mfg|Bros|Group|Holdings|Partners|Bank|Association|association|Society|University|College|Institute|Academy|Committee|Commission|Council|Board|Agency|Department|Bureau|Court|Hospital|Clinic|Party|Union|League|Federation|Foundation|Trust|Club|Church|School|Laboratories|Labs|Airlines|Railroad|Railway|Symphony|Orchestra|Philharmonic|Ballet|Opera|Choir|Press|Times|Post|Tribune|News|Eagles|Giants|Yankees|Dodgers|Bears|Lions|Tigers|Cardinals|Pirates|Braves|Cubs|Reds|Senators|Orioles|Phillies|Packers|Colts|Rams|Browns|Steelers|Redskins|Cowboys|Celtics|Lakers|Knicks|Warriors';
const CONNECTOR = String.raw`(?:\s+(?:and|of|for|on|&)\s+|,?\s+)`;
// "of" is left to ORG_OF: here it would swallow a person ("Sarah Connor of Acme Corp.").
const ORG_SUFFIXED = new RegExp(
  String.raw`\b${NAME_WORD}(?:(?:\s+(?:and|&)\s+|\s+)${NAME_WORD}){0,5}(?:,?\s+|['’]\s+)(?:${ORG_END})\b\.?`,
  'gu',
);
// "University of Maryland", "House of Delegates", "Democratic Party of Oregon", "House Committee on Revenue and Taxation".
const ORG_HEAD =
  'Orchestra|University|College|Department|Ministry|Office|Institute|Bank|House|Senate|Party|Board|Council|Commission|Committee|Court|School|Society|Association|Academy|Museum|Church|League|Bureau|Chamber|Federation|Order|Union|Republic';
const ORG_OF = new RegExp(
  String.raw`\b(?:${CAP}\s+){0,3}(?:${ORG_HEAD})\s+(?:of|on|for)\s+(?:the\s+)?${CAP}(?:\s+(?:and\s+)?${CAP}){0,3}`,
  'gu',
);
// Names that open with their kind, in English or not: "Orchestra Sinfonica Siciliana", "Banco Santander".
const ORG_OPENED = new RegExp(
  String.raw`\b(?:Orchestra|Orchestre|Orquesta|Banco|Banque|Universidad|Universit[éà]|Compagnie|Société|Deutsche)(?:\s+(?:de|di|del|des|du|la|le)?\s*${CAP})+`,
  'gu',
);
// One-word organisations known by what they do: "Acme signed", "according to Union", "shares of Union Oil".
const ORG_VERBS = 'signed|announced|reported|acquired|hired|launched|shipped|posted|filed|sued|merged|agreed|bought|sold|raised|opened|closed|cut|laid|expects|plans';
// Pronouns and common nouns that open a sentence are not names.
const NOT_A_NAME = 'He|She|It|They|We|I|You|This|That|The|These|Those|Government|Officials|Police|Everyone|Nobody|Someone|Who|Which|What';
const ORG_BY_VERB = new RegExp(String.raw`(?<!\p{Lu}[\p{L}.'’-]*\s)\b(?!(?:${NOT_A_NAME})\b)(${CAP})\s+(?:${ORG_VERBS})\b`, 'gu');
const ORG_BY_CONTEXT = new RegExp(
  String.raw`\b(?:according to|shares of|signed with|partnered with|merged with|works at|worked at|working at|job at|joined|employed by|subsidiary of|acquisition of|deal with|contract with|partnership with|customer of|competitor of|rival)\s+(${CAP}(?:\s+${CAP}){0,2})`,
  'gu',
);
const PLACES = [
  new RegExp(String.raw`\b(?:${STATE_NAMES})\b|(?<![\p{L}.])(?:U\.\s?S\.(?:\s?A\.)?|U\.\s?K\.|USA|UK|USSR|U\.S\.S\.R\.)(?![\p{L}])`, 'gu'),
  // "Summerdale, Ala.", "Austin, Texas": the city and the state.
  new RegExp(String.raw`\b(${CAP}(?:\s+${CAP})?),\s+(?:(?:${STATE_ABBREVIATIONS})\.|(?:${STATE_NAMES})\b)`, 'gu'),
  new RegExp(String.raw`(?<=,\s)(?:${STATE_ABBREVIATIONS})\.`, 'gu'),
  // Addresses: "2825 E. Burnside St.", "Stewart Avenue"; the house number is not part of the place.
  new RegExp(String.raw`(?:\b[NSEW]\.\s+)?(?:${CAP}\s+){1,3}(?:${STREET})\b\.?`, 'gu'),
  new RegExp(String.raw`\b${CAP}(?:${CONNECTOR}${CAP}){0,4}\s+(?:${BUILDING})\b`, 'gu'),
  // A dateline: "Philadelphia, Jan. 23 --", "Hollywood --", at the start of a sentence.
  new RegExp(String.raw`(?<=^|[.!?"]\s+)(${CAP}(?:\s+${CAP})?)(?=(?:,\s+[^-]{1,20})?\s+--\s)`, 'gu'),
  // "in Phoenix", "near Evanston": a capitalised word after a place preposition, unless it is a month or a day.
  new RegExp(
    String.raw`(?<=\b(?:in|near)\s)(?!(?:January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|Mr|Mrs|Ms|Dr|The|A|An|His|Her|Their|Our|This|That|These|Those|It|He|She|They|We|I)\b)${CAP}(?:\s+${CAP})?`,
    'gu',
  ),
];

const MONTH = String.raw`(?:January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.?`;
const WEEKDAY = String.raw`(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)`;
const YEAR = String.raw`(?:1[5-9]\d\d|20\d\d)`;
const NUMBER_WORD = String.raw`(?:\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|a few|several)`;
const DATES = [
  // "March 13, 2025", "Oct. 9", "October of 1955", "October, 1960", "April of 1959".
  // Case matters: "may" and "march" are verbs.
  new RegExp(String.raw`\b(?:(?:last|next|this)\s+)?${MONTH}(?:\s+\d{1,2}(?:st|nd|rd|th)?(?!\d))?(?:,?\s+(?:of\s+)?${YEAR})?(?![\p{L}\d])`, 'gu'),
  // "13 March 2025", "15 April".
  new RegExp(String.raw`\b\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?${MONTH}(?:,?\s+${YEAR})?(?![\p{L}\d])`, 'gu'),
  new RegExp(String.raw`\b\d{4}-\d{2}-\d{2}\b`, 'g'),
  // A year after a preposition: "in 1947", "from 1951 through 1958".
  new RegExp(String.raw`(?<=\b(?:in|since|from|through|until|till|by|during|of|before|after|to|and|early|late|mid|year|Due in)\s)${YEAR}\b(?!\s*(?:people|times|men|women|units|shares|votes|miles|feet|words))`, 'g'),
  // Relative to the note's own date.
  new RegExp(String.raw`\b(?:next|last|this|coming|past)\s+(?:week|month|year|weekend|quarter|${WEEKDAY}|${MONTH})\b(?:\s+last\s+year)?`, 'giu'),
  new RegExp(String.raw`\b${NUMBER_WORD}\s+(?:days?|weeks?|months?|years?)\s+(?:ago|from now|later|hence)\b`, 'giu'),
  new RegExp(String.raw`\b(?:today|tomorrow|yesterday|the day after tomorrow|the day before yesterday)\b`, 'giu'),
  new RegExp(String.raw`\b(?:(?:next|last|this)\s+)?${WEEKDAY}\b`, 'gu'),
  new RegExp(String.raw`\b(?:Q[1-4]|(?:the\s+)?(?:first|second|third|fourth)\s+quarter(?:\s+of)?),?\s+${YEAR}\b`, 'gu'),
  new RegExp(String.raw`\b(?:the\s+)?end\s+of\s+${MONTH}(?:,?\s+${YEAR})?`, 'gu'),
  new RegExp(String.raw`\b(?:early|mid-?|late)\s*${MONTH}`, 'gu'),
  /\btonight\b/gi,
];

/** Rule spans of people, organisations, places and dates. */
export function ruleSpans(text: string): RuleSpan[] {
  const spans: RuleSpan[] = [];
  const add = (type: RuleType, m: RegExpMatchArray, group = 0, strength: 1 | 2 = 2) => {
    const part = m[group];
    if (!part) return;
    const start = m.index! + (group ? m[0].indexOf(part) : 0);
    spans.push({ type, start, end: start + part.length, strength });
  };
  for (const m of text.matchAll(TITLED_PERSON)) {
    // "President Judge William F. Dannehower": further titles are not the name either.
    const name = m[1]!;
    const words = name.split(/\s+/);
    let skip = 0;
    while (skip < words.length - 1 && TITLE_WORD.test(words[skip]!)) skip += 1;
    const offset = m.index! + m[0].indexOf(name) + words.slice(0, skip).join(' ').length + (skip ? 1 : 0);
    const rest = words.slice(skip).join(' ');
    // "Secretary of Labor": a title of a post, not a name.
    if (!TITLE_WORD.test(rest)) spans.push({ type: 'person', start: offset, end: offset + rest.length, strength: 2 });
  }
  for (const m of text.matchAll(INITIALLED_PERSON)) add('person', m, 0, 1);
  for (const m of text.matchAll(ORG_SUFFIXED)) add('organization', m);
  for (const m of text.matchAll(ORG_OF)) add('organization', m);
  for (const m of text.matchAll(ORG_OPENED)) add('organization', m);
  for (const m of text.matchAll(ORG_BY_VERB)) add('organization', m, 1, 1);
  for (const m of text.matchAll(ORG_BY_CONTEXT)) add('organization', m, 1, 1);
  for (const [i, re] of PLACES.entries()) {
    for (const m of text.matchAll(re)) add('place', m, i === 1 || i === 5 ? 1 : 0, i === PLACES.length - 1 ? 1 : 2);
  }
  for (const re of DATES) for (const m of text.matchAll(re)) add('date', m);
  return spans;
}

/** A person mention that starts with titles ("Gov. Price Daniel") without them; null if only a title is left. */
export function withoutTitles<S extends { start: number; end: number }>(text: string, span: S): S | null {
  let { start } = span;
  for (;;) {
    const m = text.slice(start, span.end).match(new RegExp(String.raw`^(?:${TITLES})\.?(?:\s+|$)`));
    if (!m) break;
    start += m[0].length;
  }
  return start < span.end ? { ...span, start } : null;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const WEEK_OFFSET: Record<string, number> = { last: -1, past: -1, this: 0, coming: 1, next: 1 };
const UNIT_WORDS: Record<string, number> = {
  a: 1, an: 1, one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10,
  eleven: 11, twelve: 12, 'a few': 3, several: 3,
};

const iso = (y: number, m: number, d: number) => new Date(Date.UTC(y, m, d)).toISOString().slice(0, 10);
const monthIndex = (word: string) => MONTHS.indexOf(word.slice(0, 3).toLowerCase());

/**
 * The ISO day of a date mention that states its year or is relative to the reference day (UTC), or null when
 * the mention is neither (the caller then asks compromise). An explicit year is always kept: "March 13, 2025"
 * is 2025-03-13 whatever the reference. Relative periods resolve to their first day, as Duckling does:
 * "next week" is the Monday of the next week, "last December" the 1st of the December before the reference.
 */
export function ruleDateValue(mention: string, reference: Date): string | null {
  const s = mention.trim().replace(/\s+/g, ' ');
  const ry = reference.getUTCFullYear();
  const rm = reference.getUTCMonth();
  const rd = reference.getUTCDate();
  const yearWord = (w: string | undefined) => (w === undefined ? undefined : w === 'last' ? ry - 1 : w === 'next' ? ry + 1 : ry);
  let m = s.match(/^(\d{4})-(\d{2})-(\d{2})$/);
  if (m) return iso(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  m = s.match(new RegExp(String.raw`^(${MONTH})\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(?:of\s+)?(${YEAR})$`, 'i'));
  if (m) return iso(Number(m[3]), monthIndex(m[1]!), Number(m[2]));
  m = s.match(new RegExp(String.raw`^(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?(${MONTH}),?\s+(${YEAR})$`, 'i'));
  if (m) return iso(Number(m[3]), monthIndex(m[2]!), Number(m[1]));
  m = s.match(new RegExp(String.raw`^(${MONTH}),?\s+(?:of\s+)?(${YEAR})$`, 'i'));
  if (m) return iso(Number(m[2]), monthIndex(m[1]!), 1);
  m = s.match(new RegExp(String.raw`^(${MONTH}),?\s+(?:of\s+)?(this|last|next)\s+year$`, 'i'));
  if (m) return iso(yearWord(m[2]!.toLowerCase())!, monthIndex(m[1]!), 1);
  m = s.match(new RegExp(String.raw`^(?:in\s+)?(${YEAR})$`));
  if (m) return iso(Number(m[1]), 0, 1);
  m = s.match(/^(last|past|this|coming|next) (week|weekend|month|quarter|year)$/i);
  if (m) {
    const step = WEEK_OFFSET[m[1]!.toLowerCase()]!;
    switch (m[2]!.toLowerCase()) {
      case 'week': {
        const monday = rd - ((reference.getUTCDay() + 6) % 7);
        return iso(ry, rm, monday + 7 * step);
      }
      case 'weekend': {
        const saturday = rd + ((6 - reference.getUTCDay() + 7) % 7);
        return iso(ry, rm, saturday + 7 * step);
      }
      case 'month':
        return iso(ry, rm + step, 1);
      case 'quarter':
        return iso(ry, Math.floor(rm / 3) * 3 + 3 * step, 1);
      default:
        return iso(ry + step, 0, 1);
    }
  }
  m = s.match(new RegExp(String.raw`^(last|past|this|coming|next) (${MONTH})$`, 'i'));
  if (m) {
    const month = monthIndex(m[2]!);
    const which = m[1]!.toLowerCase();
    if (which === 'this') return iso(ry, month, 1);
    if (which === 'last' || which === 'past') return iso(month < rm ? ry : ry - 1, month, 1);
    return iso(month > rm ? ry : ry + 1, month, 1);
  }
  m = s.match(/^(\d+|a few|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|several) (day|week|month|year)s? (ago|from now|later|hence)$/i);
  if (m) {
    const n = (/^\d+$/.test(m[1]!) ? Number(m[1]) : UNIT_WORDS[m[1]!.toLowerCase()]!) * (m[3]!.toLowerCase() === 'ago' ? -1 : 1);
    const unit = m[2]!.toLowerCase();
    if (unit === 'day') return iso(ry, rm, rd + n);
    if (unit === 'week') return iso(ry, rm, rd + 7 * n);
    if (unit === 'month') return iso(ry, rm + n, rd);
    return iso(ry + n, rm, rd);
  }
  const day = { today: 0, tonight: 0, tomorrow: 1, yesterday: -1, 'the day after tomorrow': 2, 'the day before yesterday': -2 }[s.toLowerCase()];
  if (day !== undefined) return iso(ry, rm, rd + day);
  // Weekdays as compromise-dates reads them: a bare one is the next on or after the reference day, "this
  // Friday" is in the reference's week (Monday first), "next"/"last Friday" in the week after or before.
  m = s.match(new RegExp(String.raw`^(?:(next|last|this|coming|past)\s+)?(${WEEKDAY})$`, 'i'));
  if (m) {
    const target = WEEKDAYS.indexOf(m[2]!.slice(0, 3).toLowerCase());
    const today = (reference.getUTCDay() + 6) % 7;
    if (!m[1]) return iso(ry, rm, rd + ((target - today + 7) % 7));
    return iso(ry, rm, rd - today + target + 7 * WEEK_OFFSET[m[1].toLowerCase()]!);
  }
  // "Jan. 23", "last Nov. 1", "15 April": the reference's year unless "last"/"next" says otherwise.
  const monthDay = s.match(new RegExp(String.raw`^(?:(last|next|this)\s+)?(${MONTH})\s+(\d{1,2})(?:st|nd|rd|th)?$`, 'i'));
  const dayMonth = s.match(new RegExp(String.raw`^(?:(last|next|this)\s+)?(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?(${MONTH})$`, 'i'));
  if (monthDay || dayMonth) {
    const [which, month, dayOfMonth] = monthDay ? [monthDay[1], monthDay[2]!, monthDay[3]!] : [dayMonth![1], dayMonth![3]!, dayMonth![2]!];
    return iso(yearWord(which?.toLowerCase()) ?? ry, monthIndex(month), Number(dayOfMonth));
  }
  // "October", "early March", "the end of March": the month's first day (its last for "end of").
  m = s.match(new RegExp(String.raw`^(?:(early|mid|mid-|late)\s*)?(${MONTH})$`, 'i'));
  if (m) return iso(ry, monthIndex(m[2]!), 1);
  m = s.match(new RegExp(String.raw`^(?:the\s+)?end\s+of\s+(${MONTH})(?:,?\s+(${YEAR}))?$`, 'i'));
  if (m) return iso(m[2] ? Number(m[2]) : ry, monthIndex(m[1]!) + 1, 0);
  // "Q1 2025", "the first quarter of 2025".
  m = s.match(new RegExp(String.raw`^(?:Q([1-4])|(?:the\s+)?(first|second|third|fourth)\s+quarter(?:\s+of)?),?\s+(${YEAR})$`, 'i'));
  if (m) return iso(Number(m[3]), 3 * (m[1] ? Number(m[1]) - 1 : ORDINALS.indexOf(m[2]!.toLowerCase())), 1);
  return null;
}

const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const ORDINALS = ['first', 'second', 'third', 'fourth'];
