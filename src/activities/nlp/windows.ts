import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { extractEntities, type Entity, type EntityOptions } from './entities';
import { extractPortugueseEntities } from './entities-pt';

/**
 * Entity extraction grows faster than the text (measured on Brown prose, one thread: 50,000 characters
 * in 1.3 s, 200,000 in 12.5 s), so long texts are cut into windows that end at a paragraph or sentence
 * boundary and each window is extracted on its own. 8,000 characters is ~0.3 s of work: a window ends
 * well inside any timeout, and cancellation is seen between windows.
 */
export const ENTITY_WINDOW_CHARS = 8_000;

/** [start, end) windows covering `text`, each at most `maxChars` long, cut where a sentence or paragraph ends if one is near. */
export function textWindows(text: string, maxChars = ENTITY_WINDOW_CHARS): [number, number][] {
  const windows: [number, number][] = [];
  let start = 0;
  while (start < text.length) {
    let end = Math.min(text.length, start + maxChars);
    if (end < text.length) {
      const slice = text.slice(start, end);
      // Prefer a paragraph break in the window's second half, then a sentence end, then any space.
      const cut = [/\n\s*\n/g, /[.!?]["'”’)\]]*\s+/g, /\s+/g]
        .map((pattern) => lastMatchEnd(slice, pattern, maxChars / 2))
        .find((at) => at > 0);
      if (cut) end = start + cut;
    }
    windows.push([start, end]);
    start = end;
  }
  return windows;
}

function lastMatchEnd(slice: string, pattern: RegExp, from: number): number {
  let end = 0;
  for (const m of slice.matchAll(pattern)) if (m.index! >= from) end = m.index! + m[0].length;
  return end;
}

/**
 * extractEntities over windows, offsets in the whole text. Yields to the event loop between windows
 * and calls `onWindow` after each, so the caller can report progress and stop (throw) when cancelled.
 */
export async function extractEntitiesInWindows(
  text: string,
  options: EntityOptions = {},
  onWindow: (done: number, total: number) => void = () => undefined,
): Promise<Entity[]> {
  const windows = textWindows(text);
  const extract = options.language === 'pt' ? extractPortugueseEntities : extractEntities;
  const entities: Entity[] = [];
  for (const [i, [start, end]] of windows.entries()) {
    for (const e of extract(text.slice(start, end), options)) entities.push({ ...e, start: e.start + start, end: e.end + start });
    onWindow(i + 1, windows.length);
    await yieldToEventLoop();
  }
  return entities;
}
