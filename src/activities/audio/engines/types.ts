export type EngineName = 'pocketsphinx' | 'whisper' | 'whisper-base';

/** What an upload may ask for; `auto` detects between the two languages the platform analyses. */
export const RECORDING_LANGUAGES = ['auto', 'en', 'pt'] as const;
export type RecordingLanguage = (typeof RECORDING_LANGUAGES)[number];

/** Engines that transcribe English only: an upload naming one cannot also ask for Portuguese. */
export const ENGLISH_ONLY_ENGINES: readonly EngineName[] = ['whisper', 'pocketsphinx'];

export interface TranscriptSegment {
  startSec: number;
  endSec: number;
  text: string;
}

export interface ChunkTranscript {
  text: string;
  segments: TranscriptSegment[];
}

export interface TranscribeOptions {
  signal?: AbortSignal;
  /** An ISO 639-1 code; an English-only engine rejects any other. Absent: the engine's own language. */
  language?: string;
}

export interface DetectOptions {
  signal?: AbortSignal;
  /** The languages expected; Whisper's own guess must name one of them confidently, or the candidates are decoded. */
  candidates: string[];
}

export interface DetectedLanguage {
  language: string;
  /** Whisper's probability for that language from its one-window detection. */
  probability: number;
  /** `detect`: Whisper's detection was sure; `decode`: the likeliest of the candidates' short decodes. */
  method: 'detect' | 'decode';
}

export interface SpeechEngine {
  name: EngineName;
  /** Transcribes one 16 kHz mono WAV; segment times are relative to that file. Rejects with `signal.reason` on abort. */
  transcribe(wavPath: string, options?: TranscribeOptions): Promise<ChunkTranscript>;
  /** The spoken language of a WAV's first 30 s; only multilingual engines have it. */
  detectLanguage?(wavPath: string, options: DetectOptions): Promise<DetectedLanguage>;
  /** Wall seconds per audio second on one core, measured by bench/audio-compute.ts; seeds the ETA. */
  typicalRealTimeFactor: number;
  close?(): Promise<void>;
}
