// Audio compute benchmark (no Temporal, no database): `npx tsx bench/audio-compute.ts`.
// Speaks the fixture text (~5 min) with flite, encodes it as mp3, normalises and splits it, then per engine
// transcribes the chunks one at a time and two at a time. Reports wall time, real-time factor, word error rate,
// peak RSS of the child processes, and how far the ETA estimator would have been off at 10/25/50 % done.
// `--languages`: English next to Portuguese instead (bench/audio-languages.ts).
import { readFileSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEngine } from '../src/activities/audio/engines/select';
import type { EngineName, SpeechEngine } from '../src/activities/audio/engines/types';
import { createWhisperEngine, type WhisperOptions } from '../src/activities/audio/engines/whisper';
import { ensureWhisperVenv } from '../src/activities/audio/engines/whisper-setup';
import { benchLanguages } from './audio-languages';
import { EtaEstimator } from '../src/workflows/eta';
import { mergeTranscripts, type ChunkResult } from '../src/activities/audio/merge';
import { normaliseAndSplit, type AudioChunk } from '../src/activities/audio/split';
import { wordErrorRate } from '../src/activities/audio/wer';
import { convert, speak, speechText } from '../test/support/speech';

interface Run {
  engine: EngineName;
  settings: string;
  parallel: number;
  audioSec: number;
  wallSec: number;
  realTimeFactor: number;
  wer: number;
  peakChildRssMb: number;
  peakChildrenTotalRssMb: number;
  etaErrorPct: Record<string, number>;
  completions: { doneSec: number; elapsedSec: number }[];
}

const RESULTS = new URL('./results/audio-compute.json', import.meta.url);

if (process.argv.includes('--languages')) {
  await benchLanguages();
  process.exit(0);
}

const dir = await mkdtemp(join(tmpdir(), 'audio-bench-'));
try {
  const text = await speechText();
  const wav = join(dir, 'speech.wav');
  await speak(text, wav);
  const mp3 = join(dir, 'speech.mp3');
  await convert(wav, mp3, ['-ac', '2', '-ar', '44100']);

  const started = performance.now();
  const { chunks, durationSec } = await normaliseAndSplit({ input: mp3, outDir: join(dir, 'chunks') });
  const splitSec = (performance.now() - started) / 1000;
  console.log(`${durationSec.toFixed(1)} s of speech (${text.split(/\s+/).length} words), ${chunks.length} chunks, split in ${splitSec.toFixed(2)} s`);

  await ensureWhisperVenv();
  const whisperStartup = await timeWhisperStartup(chunks[0].path);

  const runs: Run[] = [];
  for (const parallel of [1, 2]) runs.push(await measure('pocketsphinx', createEngine('pocketsphinx'), 'per-chunk process', parallel));
  const variants: [string, WhisperOptions][] = [
    ['beam 5, 1 thread/chunk', { beamSize: 5, cpuThreads: 1, workers: 2 }],
    ['beam 1, 1 thread/chunk', { beamSize: 1, cpuThreads: 1, workers: 2 }],
  ];
  for (const [settings, options] of variants) {
    const engine = createWhisperEngine(options);
    await engine.transcribe(chunks[0].path); // start-up and model load are timed separately above
    for (const parallel of [1, 2]) runs.push(await measure('whisper', engine, settings, parallel));
    await engine.close?.();
  }
  const sequentialTwoThreads = createWhisperEngine({ beamSize: 5, cpuThreads: 2, workers: 1 });
  await sequentialTwoThreads.transcribe(chunks[0].path);
  runs.push(await measure('whisper', sequentialTwoThreads, 'beam 5, 2 threads, 1 worker', 1));
  await sequentialTwoThreads.close?.();

  printTable(runs);
  const best = (name: EngineName) => Math.min(...runs.filter((r) => r.engine === name).map((r) => r.wer));
  const moreAccurate: EngineName = best('whisper') <= best('pocketsphinx') ? 'whisper' : 'pocketsphinx';
  const defaultRun = runs.find((r) => r.engine === 'whisper' && r.settings.startsWith('beam 5, 1') && r.parallel === 2);
  console.log(`\nmore accurate by WER: ${moreAccurate} (whisper ${pct(best('whisper'))}, pocketsphinx ${pct(best('pocketsphinx'))})`);
  console.log(`whisper start-up (spawn + model load + first chunk): ${whisperStartup.toFixed(2)} s`);
  if (defaultRun) console.log(`projected compute for 10 min of audio with the default engine: ${(600 * defaultRun.realTimeFactor).toFixed(1)} s`);

  await mkdir(new URL('./results/', import.meta.url), { recursive: true });
  const result = { date: new Date().toISOString(), audioSec: durationSec, words: text.split(/\s+/).length, chunks: chunks.length, splitSec, whisperStartupSec: whisperStartup, moreAccurate, runs };
  await writeFile(RESULTS, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`wrote ${RESULTS.pathname}`);

  async function measure(name: EngineName, engine: SpeechEngine, settings: string, parallel: number): Promise<Run> {
    const monitor = watchChildren();
    const results: ChunkResult[] = [];
    const completions: { doneSec: number; elapsedSec: number }[] = [];
    let doneSec = 0;
    const queue = [...chunks];
    const begin = performance.now();
    const worker = async () => {
      for (let chunk: AudioChunk | undefined; (chunk = queue.shift()); ) {
        const transcript = await engine.transcribe(chunk.path);
        results.push({ startSec: chunk.startSec, ...transcript });
        doneSec += chunk.durationSec;
        completions.push({ doneSec, elapsedSec: (performance.now() - begin) / 1000 });
      }
    };
    await Promise.all(Array.from({ length: parallel }, worker));
    const wallSec = (performance.now() - begin) / 1000;
    const rss = monitor.stop();
    const merged = mergeTranscripts(results);
    const run: Run = {
      engine: name,
      settings,
      parallel,
      audioSec: durationSec,
      wallSec,
      realTimeFactor: wallSec / durationSec,
      wer: wordErrorRate(text, merged.text),
      ...rss,
      etaErrorPct: etaErrors(engine.typicalRealTimeFactor, parallel, completions, wallSec),
      completions,
    };
    console.log(`${name} [${settings}] x${parallel}: ${wallSec.toFixed(1)} s, WER ${pct(run.wer)}`);
    return run;
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}

/** What EtaEstimator would have said at the first chunk end past each mark, against what really remained. */
function etaErrors(rtf: number, parallel: number, completions: { doneSec: number; elapsedSec: number }[], wallSec: number) {
  const total = completions[completions.length - 1].doneSec;
  const eta = new EtaEstimator({ typicalRealTimeFactor: rtf, parallelism: parallel });
  const errors: Record<string, number> = {};
  const marks = [0.1, 0.25, 0.5];
  for (const { doneSec, elapsedSec } of completions) {
    const predicted = eta.remainingSec(doneSec, total, elapsedSec);
    const actual = wallSec - elapsedSec;
    for (const mark of marks) {
      const key = `${mark * 100}%`;
      if (!(key in errors) && doneSec / total >= mark) errors[key] = Math.round(((predicted - actual) / actual) * 1000) / 10;
    }
  }
  return errors;
}

async function timeWhisperStartup(wavPath: string): Promise<number> {
  const engine = createWhisperEngine();
  const begin = performance.now();
  await engine.transcribe(wavPath);
  const seconds = (performance.now() - begin) / 1000;
  await engine.close?.();
  return seconds;
}

/** Samples the RSS of this process's children (and theirs) every 50 ms. */
function watchChildren() {
  let peakChild = 0;
  let peakTotal = 0;
  const sample = () => {
    let total = 0;
    for (const pid of descendants(process.pid)) {
      const status = readProc(`/proc/${pid}/status`);
      const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
      total += kb('VmRSS');
      peakChild = Math.max(peakChild, kb('VmHWM'));
    }
    peakTotal = Math.max(peakTotal, total);
  };
  const timer = setInterval(sample, 50);
  return {
    stop: () => {
      sample();
      clearInterval(timer);
      return { peakChildRssMb: Math.round(peakChild / 1024), peakChildrenTotalRssMb: Math.round(peakTotal / 1024) };
    },
  };
}

function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readProc(`/proc/${entry}/stat`);
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (stat) children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
  }
  const found: number[] = [];
  for (let frontier = [root]; frontier.length > 0; ) {
    frontier = frontier.flatMap((pid) => children.get(pid) ?? []);
    found.push(...frontier);
  }
  return found;
}

function readProc(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return ''; // the process ended while we looked
  }
}

function printTable(runs: Run[]): void {
  console.log('');
  console.table(
    runs.map((r) => ({
      engine: r.engine,
      settings: r.settings,
      'chunks at once': r.parallel,
      'wall s': r.wallSec.toFixed(1),
      RTF: r.realTimeFactor.toFixed(3),
      WER: pct(r.wer),
      'peak child RSS MB': r.peakChildRssMb,
      'peak children total MB': r.peakChildrenTotalRssMb,
      'ETA err 10/25/50%': Object.values(r.etaErrorPct).map((e) => `${e}%`).join(' '),
    })),
  );
}

function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}
