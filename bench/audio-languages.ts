// The language comparison of bench/audio-compute.ts (`npx tsx bench/audio-compute.ts --languages`), no Temporal,
// no database. English: the flite fixture (test/fixtures/audio/speech-text.txt, Debian flite rms voice).
// Portuguese: test/fixtures/audio/speech-text-pt.txt spoken by Debian espeak-ng's pt-br voice (the best Portuguese
// speech a registry package gives here). Per language and engine: word error rate, wall time and time per minute of
// audio with two chunks at once (the default AUDIO_PARALLEL_CHUNKS), and what `auto` detects on the first chunk.
// Prints a table, writes bench/results/audio-languages.json.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DetectedLanguage, SpeechEngine } from '../src/activities/audio/engines/types';
import { createWhisperBaseEngine, createWhisperEngine } from '../src/activities/audio/engines/whisper';
import { ensureWhisperBase, ensureWhisperVenv } from '../src/activities/audio/engines/whisper-setup';
import { mergeTranscripts, type ChunkResult } from '../src/activities/audio/merge';
import { normaliseAndSplit, type AudioChunk } from '../src/activities/audio/split';
import { wordErrorRate } from '../src/activities/audio/wer';
import { speak, speakPortuguese, speechText } from '../test/support/speech';

interface Run {
  speech: 'en' | 'pt';
  engine: string;
  /** The language the engine was told; tiny.en is English whatever it hears. */
  told: string;
  audioSec: number;
  wallSec: number;
  secPerAudioMinute: number;
  wer: number;
  text: string;
}

const RESULTS = new URL('./results/audio-languages.json', import.meta.url);
const PARALLEL = 2;

export async function benchLanguages(): Promise<void> {
  await Promise.all([ensureWhisperVenv(), ensureWhisperBase()]);
  const dir = await mkdtemp(join(tmpdir(), 'audio-lang-bench-'));
  try {
    const speech = {
      en: await prepare(dir, 'en', await speechText(Infinity, 'en'), speak),
      pt: await prepare(dir, 'pt', await speechText(Infinity, 'pt'), speakPortuguese),
    };
    const tiny = createWhisperEngine();
    const base = createWhisperBaseEngine();
    // Spawn and model load are not what is compared here.
    await Promise.all([tiny.transcribe(speech.en.chunks[0].path), base.transcribe(speech.en.chunks[0].path, { language: 'en' })]);

    const detections: Record<string, DetectedLanguage & { sec: number }> = {};
    for (const language of ['en', 'pt'] as const) {
      const begin = performance.now();
      const found = await base.detectLanguage!(speech[language].chunks[0].path, { candidates: ['en', 'pt'] });
      detections[language] = { ...found, sec: (performance.now() - begin) / 1000 };
      console.log(`auto on the first ${language} chunk: ${found.language} (${found.method}, p=${found.probability}) in ${detections[language].sec.toFixed(1)} s`);
    }

    const runs: Run[] = [];
    runs.push(await measure(speech.en, 'whisper (tiny.en)', tiny, 'en'));
    runs.push(await measure(speech.en, 'whisper-base', base, 'en'));
    runs.push(await measure(speech.pt, 'whisper-base', base, 'pt'));
    runs.push(await measure(speech.pt, 'whisper (tiny.en)', tiny, 'en'));
    await Promise.all([tiny.close?.(), base.close?.()]);

    console.table(
      runs.map((r) => ({
        speech: r.speech,
        engine: r.engine,
        told: r.told,
        'audio s': r.audioSec.toFixed(0),
        'wall s': r.wallSec.toFixed(1),
        's per audio min': r.secPerAudioMinute.toFixed(1),
        WER: `${(r.wer * 100).toFixed(1)}%`,
      })),
    );
    await mkdir(new URL('./results/', import.meta.url), { recursive: true });
    await writeFile(RESULTS, `${JSON.stringify({ date: new Date().toISOString(), parallel: PARALLEL, detections, runs }, null, 2)}\n`);
    console.log(`wrote ${RESULTS.pathname}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

interface Speech {
  language: 'en' | 'pt';
  text: string;
  chunks: AudioChunk[];
  durationSec: number;
}

async function prepare(dir: string, language: 'en' | 'pt', text: string, say: (text: string, wav: string) => Promise<void>): Promise<Speech> {
  const wav = join(dir, `${language}.wav`);
  await say(text, wav);
  const { chunks, durationSec } = await normaliseAndSplit({ input: wav, outDir: join(dir, `chunks-${language}`) });
  console.log(`${language}: ${durationSec.toFixed(1)} s of speech, ${text.split(/\s+/).length} words, ${chunks.length} chunks`);
  return { language, text, chunks, durationSec };
}

async function measure(speech: Speech, name: string, engine: SpeechEngine, told: string): Promise<Run> {
  const queue = [...speech.chunks];
  const results: ChunkResult[] = [];
  const begin = performance.now();
  const lane = async () => {
    for (let chunk: AudioChunk | undefined; (chunk = queue.shift()); ) {
      results.push({ startSec: chunk.startSec, ...(await engine.transcribe(chunk.path, { language: told })) });
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, lane));
  const wallSec = (performance.now() - begin) / 1000;
  const { text } = mergeTranscripts(results);
  const run = {
    speech: speech.language,
    engine: name,
    told,
    audioSec: speech.durationSec,
    wallSec,
    secPerAudioMinute: (wallSec / speech.durationSec) * 60,
    wer: wordErrorRate(speech.text, text),
    text,
  };
  console.log(`${speech.language} speech, ${name} told ${told}: ${wallSec.toFixed(1)} s, WER ${(run.wer * 100).toFixed(1)}%`);
  return run;
}
