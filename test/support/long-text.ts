import { brownChunks } from '../../src/activities/nlp/brown-corpus';

/**
 * `chars` characters of varied edited prose: Brown corpus passages taken across every genre in turn
 * (news, reviews, science, fiction…), in paragraphs, so no sentence repeats and every stage meets
 * names, dates, numbers and quotes as in a long real document.
 */
export function longProse(chars: number): string {
  const chunks = brownChunks(250);
  let text = '';
  for (let i = 0; text.length < chars; i++) text += `${chunks[(i * 37) % chunks.length]!.text}\n\n`;
  const cut = text.slice(0, chars);
  // Exactly `chars` long, and not ending in whitespace (the API trims nothing, but a reader would).
  return /\s$/.test(cut) ? `${cut.slice(0, -1)}.` : cut;
}
