export type EngineName = 'pocketsphinx' | 'whisper';

export interface TranscriptSegment {
  startSec: number;
  endSec: number;
  text: string;
}

export interface ChunkTranscript {
  text: string;
  segments: TranscriptSegment[];
}

export interface SpeechEngine {
  name: EngineName;
  /** Transcribes one 16 kHz mono WAV; segment times are relative to that file. Rejects with `signal.reason` on abort. */
  transcribe(wavPath: string, options?: { signal?: AbortSignal }): Promise<ChunkTranscript>;
  /** Wall seconds per audio second on one core, measured by bench/audio-compute.ts; seeds the ETA. */
  typicalRealTimeFactor: number;
  close?(): Promise<void>;
}
