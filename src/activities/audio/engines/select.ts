import { createPocketsphinxEngine, isPocketsphinxAvailable } from './pocketsphinx';
import type { EngineName, SpeechEngine } from './types';
import { getWhisperEngine, isWhisperAvailable, type WhisperOptions } from './whisper';

/** Whisper shares one process per Node process; pocketsphinx engines are stateless, so a new one is as good. */
export function createEngine(name: EngineName, whisperOptions?: WhisperOptions): SpeechEngine {
  return name === 'whisper' ? getWhisperEngine(whisperOptions) : createPocketsphinxEngine();
}

export async function isEngineAvailable(name: EngineName): Promise<boolean> {
  return name === 'whisper' ? isWhisperAvailable() : isPocketsphinxAvailable();
}

/**
 * The most accurate engine that is installed, by word error rate on flite speech (bench/audio-compute.ts):
 * Whisper first. Whisper counts as installed once ensureWhisperVenv() has built its venv; nothing is installed here.
 */
export async function defaultEngineName(): Promise<EngineName> {
  for (const name of ['whisper', 'pocketsphinx'] as const) {
    if (await isEngineAvailable(name)) return name;
  }
  throw new Error('no speech engine is installed: run ensureWhisperVenv() or apt-get install pocketsphinx pocketsphinx-en-us');
}
