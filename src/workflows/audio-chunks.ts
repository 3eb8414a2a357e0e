import type { AudioChunk } from '../activities/audio/split';
import type { ChunkResult } from '../activities/audio/merge';
import { EtaEstimator } from './eta';

export interface ChunkProgress {
  percent: number;
  secondsRemaining: number;
  /** When it was estimated: the estimate changes only as chunks end, the API counts down in between. */
  estimatedAt: string;
  chunksDone: number;
  chunksTotal: number;
}

export interface ChunkLanesInput {
  chunks: AudioChunk[];
  durationSec: number;
  /** Chunks transcribed at once; the audio workers' slots cap the machine. */
  lanes: number;
  typicalRealTimeFactor: number;
  transcribe(chunk: AudioChunk): Promise<ChunkResult>;
  onProgress(progress: ChunkProgress): void;
}

/**
 * Transcribes every chunk through at most `lanes` activities at a time, reporting progress and a
 * remaining-time estimate as each chunk ends. Results come back in chunk order.
 */
export async function transcribeInLanes(input: ChunkLanesInput): Promise<ChunkResult[]> {
  const { chunks, durationSec } = input;
  const started = Date.now();
  const eta = new EtaEstimator({ typicalRealTimeFactor: input.typicalRealTimeFactor, parallelism: input.lanes });
  let doneSec = 0;
  let doneChunks = 0;
  const report = () => {
    const remaining = eta.remainingSec(doneSec, durationSec, (Date.now() - started) / 1000);
    input.onProgress({
      percent: Math.round((doneSec / durationSec) * 1000) / 10,
      secondsRemaining: Math.round(remaining * 10) / 10,
      estimatedAt: new Date().toISOString(),
      chunksDone: doneChunks,
      chunksTotal: chunks.length,
    });
  };
  report();

  const results: ChunkResult[] = new Array(chunks.length);
  let next = 0;
  const lane = async () => {
    while (next < chunks.length) {
      const chunk = chunks[next++];
      results[chunk.index] = await input.transcribe(chunk);
      doneSec += chunk.durationSec;
      doneChunks += 1;
      report();
    }
  };
  await Promise.all(Array.from({ length: Math.min(input.lanes, chunks.length) }, lane));
  return results;
}
