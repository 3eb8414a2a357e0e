import type { ChunkTranscript, TranscriptSegment } from './engines/types';

export interface ChunkResult extends ChunkTranscript {
  startSec: number;
}

/** Joins chunk transcripts in time order, moving segment times from chunk-relative to file-relative. */
export function mergeTranscripts(chunks: ChunkResult[]): ChunkTranscript {
  const ordered = [...chunks].sort((a, b) => a.startSec - b.startSec);
  const segments: TranscriptSegment[] = ordered.flatMap((chunk) =>
    chunk.segments
      .filter((s) => s.text.trim() !== '')
      .map((s) => ({ startSec: ms(chunk.startSec + s.startSec), endSec: ms(chunk.startSec + s.endSec), text: s.text.trim() })),
  );
  const text = ordered
    .map((c) => c.text.trim())
    .filter((t) => t !== '')
    .join(' ');
  return { text, segments };
}

// Chunk offsets are sums of float durations; millisecond precision is all a timestamp needs.
function ms(sec: number): number {
  return Math.round(sec * 1000) / 1000;
}
