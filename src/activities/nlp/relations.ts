import type { EntityType } from './entities';
import { entityKey } from './relationships';
import { its, wink } from './wink';

// Relations between the named entities of one sentence: "Acme signed a contract with Globex" gives
// Acme / sign / Globex. Rule-based over the entity extractor's mentions and wink's part-of-speech tags, and
// linear in the text: sentences are found in one scan, and only a sentence holding two names is tagged.

export interface EntityMention {
  type: EntityType;
  text: string;
  value: unknown;
  start: number;
  end: number;
}

export interface Relation {
  subject: { key: string; text: string; start: number };
  /** The verb's lemma ("sign"), which groups "signed" and "signs". */
  relation: string;
  /** The verb as written ("signed"). */
  verb: string;
  object: { key: string; text: string; start: number };
  sentence: { start: number; end: number };
}

const NAME_TYPES = new Set<EntityType>(['person', 'organization', 'place']);
/** A relation's verb must lie within this many words of both names: farther apart, the verb is usually another clause's. */
const MAX_GAP_WORDS = 12;
const MAX_GAP_CHARS = 160;
/** Longer sentences (lists, text without full stops) are cut into windows, so tagging one stays bounded. */
const MAX_SENTENCE_CHARS = 1_000;
// A full stop after these is no sentence end.
const ABBREVIATION = /(?:^|[\s(])(?:mr|mrs|ms|dr|prof|sen|rep|gov|gen|col|lt|sgt|st|jr|sr|inc|corp|co|ltd|vs|etc|no|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec|[a-z])\.$/i;
// Verbs that report speech or thought: "Maris said ... Williams" states nothing between the two.
const REPORTING = new Set(['say', 'tell', 'think', 'believe', 'insist', 'add', 'explain', 'ask', 'reply', 'note']);
// Words that open another clause: a name after one of them is not the verb's object.
const CLAUSE_BREAK = new Set(['that', 'which', 'who', 'whom', 'whose', 'when', 'while', 'because', 'although', 'though', 'if', 'whether', 'where']);
// Prepositions that carry a verb on to a further name: "met Bob in Berlin", "invited Stevenson to Cape Cod".
const CARRYING_PREPOSITIONS = new Set(['in', 'at', 'to', 'from', 'with', 'for', 'into', 'on']);

/** Sentence spans of the text, never ending inside a mention (entities sorted by start). */
export function sentenceSpans(text: string, mentions: readonly { start: number; end: number }[] = []): { start: number; end: number }[] {
  const spans: { start: number; end: number }[] = [];
  const boundary = /[.!?;]+["')\]]*(?=\s)|\n\s*\n|\n(?=\s*[-*•\d])/g;
  let start = 0;
  let m = 0;
  const push = (end: number) => {
    for (let from = start; from < end; from += MAX_SENTENCE_CHARS) spans.push({ start: from, end: Math.min(end, from + MAX_SENTENCE_CHARS) });
  };
  for (const match of text.matchAll(boundary)) {
    const end = match.index + match[0].length;
    while (m < mentions.length && mentions[m]!.end <= match.index) m++;
    if (m < mentions.length && mentions[m]!.start < end && mentions[m]!.end > match.index) continue;
    if (match[0] === '.' && ABBREVIATION.test(text.slice(Math.max(start, match.index - 6), end))) continue;
    push(end);
    start = end;
  }
  if (start < text.length) push(text.length);
  return spans.filter((s) => /\S/.test(text.slice(s.start, s.end)));
}

interface Token {
  start: number;
  end: number;
  value: string;
  pos: string;
  lemma: string;
}

function tagSentence(text: string, offset: number): Token[] {
  const doc = wink.readDoc(text);
  const values = doc.tokens().out() as string[];
  const pos = doc.tokens().out(its.pos) as string[];
  // wink's typings leave the lemma out of ItsFunction, though the lite model supports it.
  const lemmas = doc.tokens().out(its.lemma as unknown as typeof its.pos) as string[];
  const tokens: Token[] = [];
  let at = 0;
  values.forEach((value, i) => {
    const found = text.indexOf(value, at);
    // wink may normalise a token (quotes, contractions); such a token keeps the previous position.
    const start = found >= 0 ? found : at;
    at = found >= 0 ? found + value.length : at;
    tokens.push({ start: offset + start, end: offset + start + value.length, value, pos: pos[i]!, lemma: lemmas[i]!.toLowerCase() });
  });
  return tokens;
}

const isWord = (t: Token) => t.pos !== 'PUNCT' && t.pos !== 'SYM' && t.pos !== 'SPACE';

/**
 * The relations in the text between named mentions of one sentence. For each pair of neighbouring names,
 * the main verb between them nearest the second is the relation (`A was acquired by B` turns round to
 * B / acquire / A), unless a comma or a clause opener (that, which, when…) separates the verb from it;
 * a pair with no verb between but a preposition ("... with B") continues the previous pair's verb from its
 * subject. Pairs across a quotation or a reporting verb, or too far apart, give nothing.
 */
export function extractRelations(text: string, entities: readonly EntityMention[]): Relation[] {
  const names = entities.filter((e) => NAME_TYPES.has(e.type)).sort((a, b) => a.start - b.start || b.end - a.end);
  // Overlapping mentions: the first (longest) one stands.
  const mentions: EntityMention[] = [];
  for (const e of names) if (!mentions.length || e.start >= mentions.at(-1)!.end) mentions.push(e);
  const relations: Relation[] = [];
  let next = 0;
  for (const sentence of sentenceSpans(text, mentions)) {
    const inSentence: EntityMention[] = [];
    while (next < mentions.length && mentions[next]!.start < sentence.end) {
      if (mentions[next]!.end <= sentence.end) inSentence.push(mentions[next]!);
      next++;
    }
    if (inSentence.length < 2) continue;
    const tokens = tagSentence(text.slice(sentence.start, sentence.end), sentence.start);
    // The last relation's subject and verb, and the name it ended on, for a verb carried on to the next name.
    let previous: { subject: EntityMention; verb: Token; last: EntityMention } | undefined;
    for (let i = 0; i + 1 < inSentence.length; i++) {
      const a = inSentence[i]!;
      const b = inSentence[i + 1]!;
      const between = tokens.filter((t) => t.start >= a.end && t.end <= b.start);
      const gap = text.slice(a.end, b.start);
      const carried = previous;
      previous = undefined;
      if (entityKey(a) === entityKey(b) || gap.length > MAX_GAP_CHARS || between.filter(isWord).length > MAX_GAP_WORDS) continue;
      if (/["“”]/.test(gap)) continue;
      // The verb nearest the object: "resigned to work for B" relates by "work", "said he regretted B" by "regret".
      let verbIndex = -1;
      for (let k = between.length - 1; k >= 0; k--) if (between[k]!.pos === 'VERB') { verbIndex = k; break; }
      if (verbIndex < 0) {
        const words = between.filter(isWord);
        // "... Bob in Berlin": one preposition (perhaps with a determiner) carries the last verb on.
        if (carried && carried.last === a && words.length <= 2 && CARRYING_PREPOSITIONS.has(words[0]?.lemma ?? '') && !/[,;:()]/.test(gap)) {
          relations.push(relation(carried.subject, carried.verb, b, sentence));
          previous = { subject: carried.subject, verb: carried.verb, last: b };
        }
        continue;
      }
      const verb = between[verbIndex]!;
      const afterVerb = between.slice(verbIndex + 1);
      // The object is in another clause than the verb ("pointed out that B", "perform the review, B").
      if (afterVerb.some((t) => CLAUSE_BREAK.has(t.lemma) || t.value === ',' || t.value === '--')) continue;
      // "told the Rotary Club" relates the two; "said ... B" does not.
      if (REPORTING.has(verb.lemma) && afterVerb.filter(isWord).length > 1) continue;
      const passive = verbIndex > 0 && between[verbIndex - 1]!.lemma === 'be' && between[verbIndex + 1]?.lemma === 'by';
      const [subject, object] = passive ? [b, a] : [a, b];
      relations.push(relation(subject, verb, object, sentence));
      previous = { subject, verb, last: b };
    }
  }
  return relations;
}

function relation(subject: EntityMention, verb: Token, object: EntityMention, sentence: { start: number; end: number }): Relation {
  return {
    subject: { key: entityKey(subject), text: subject.text, start: subject.start },
    relation: verb.lemma,
    verb: verb.value,
    object: { key: entityKey(object), text: object.text, start: object.start },
    sentence,
  };
}
