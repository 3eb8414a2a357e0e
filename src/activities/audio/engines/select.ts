import { logger } from '../../../logging';
import { invalidInput } from '../../errors';
import { createPocketsphinxEngine, isPocketsphinxAvailable } from './pocketsphinx';
import type { DetectedLanguage, EngineName, RecordingLanguage, SpeechEngine } from './types';
import { getWhisperEngine, isWhisperAvailable, isWhisperBaseAvailable, type WhisperOptions } from './whisper';

/** Whisper shares one process per model per Node process; pocketsphinx engines are stateless, so a new one is as good. */
export function createEngine(name: EngineName, whisperOptions?: WhisperOptions): SpeechEngine {
  if (name === 'pocketsphinx') return createPocketsphinxEngine();
  return getWhisperEngine(whisperOptions, name);
}

export async function isEngineAvailable(name: EngineName): Promise<boolean> {
  if (name === 'whisper') return isWhisperAvailable();
  if (name === 'whisper-base') return isWhisperBaseAvailable();
  return isPocketsphinxAvailable();
}

/**
 * The English engine for `auto`: the most accurate that is installed. By word error rate on flite speech
 * (bench/audio-compute.ts): tiny.en first; base is as accurate on clean English but about twice as slow, so it
 * only stands in when tiny.en is missing. Whisper counts as installed once its venv is built; nothing is installed here.
 */
export async function defaultEngineName(): Promise<EngineName> {
  for (const name of ['whisper', 'whisper-base', 'pocketsphinx'] as const) {
    if (await isEngineAvailable(name)) return name;
  }
  throw new Error('no speech engine is installed: run ensureWhisperVenv() or apt-get install pocketsphinx pocketsphinx-en-us');
}

export interface EngineChoice {
  engine: EngineName;
  /** The recording's language: `en`, `pt`, or what detection found when it was neither (transcribed by Whisper base). */
  language: string;
  detected?: DetectedLanguage;
}

/**
 * The engine and language for one recording. `engine` (the upload's, or SPEECH_ENGINE) is the engine for
 * English; anything else is transcribed by Whisper base, the one multilingual engine (the API refuses an upload
 * that names an English-only engine and Portuguese together). `auto` asks Whisper base
 * which language the first chunk speaks; without Whisper base installed it keeps the English-only behaviour.
 */
export async function chooseEngine(input: {
  engine: EngineName | 'auto';
  language: RecordingLanguage;
  sampleWav?: string;
  signal?: AbortSignal;
}): Promise<EngineChoice> {
  let language: string = input.language;
  let detected: DetectedLanguage | undefined;
  if (language === 'auto') {
    if (input.sampleWav && (await isWhisperBaseAvailable())) {
      detected = await createEngine('whisper-base').detectLanguage?.(input.sampleWav, { candidates: ['en', 'pt'], signal: input.signal });
    } else if (input.sampleWav) {
      logger.warn('Whisper base is not installed: the recording is taken to be English');
    }
    language = detected?.language ?? 'en';
  }
  if (language !== 'en') {
    if (!(await isWhisperBaseAvailable())) throw invalidInput(`Whisper base, needed for ${language} speech, is not installed on this worker`);
    return { engine: 'whisper-base', language, detected };
  }
  const engine = input.engine === 'auto' ? await defaultEngineName() : input.engine;
  if (!(await isEngineAvailable(engine))) throw invalidInput(`the speech engine ${engine} is not installed on this worker`);
  return { engine, language, detected };
}
