import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import ffmpeg from 'fluent-ffmpeg';
import { AudioInputError } from './probe';
import { readWavLayout } from './wav';

export interface AudioChunk {
  index: number;
  path: string;
  startSec: number;
  durationSec: number;
}

export interface SplitProgress {
  stage: 'normalise' | 'split';
  doneSec: number;
}

export interface SplitOptions {
  input: string;
  outDir: string;
  chunkSec?: number;
  signal?: AbortSignal;
  onProgress?: (progress: SplitProgress) => void;
}

export interface Silence {
  startSec: number;
  endSec: number;
}

const NORMALISED = 'normalised.wav';
const CHUNK_PREFIX = 'chunk-';
// Short pauses between sentences; a noisy recording simply yields none and falls back to fixed cuts.
const SILENCE_FILTER = 'silencedetect=noise=-35dB:d=0.25';
// A last chunk this short is folded into the one before: tiny chunks make Whisper invent text.
const MIN_TAIL_SEC = 3;

/**
 * Converts any input to 16 kHz mono 16-bit WAV chunks of about `chunkSec`, cut in a pause when one lies
 * shortly before the boundary. Silence detection rides along the one decoding pass, so it costs nothing extra.
 */
export async function normaliseAndSplit(options: SplitOptions): Promise<{ chunks: AudioChunk[]; durationSec: number }> {
  const { input, outDir, chunkSec = 30, signal, onProgress } = options;
  signal?.throwIfAborted();
  await mkdir(outDir, { recursive: true });
  const normalised = join(outDir, NORMALISED);
  try {
    const silences: Silence[] = [];
    await runFfmpeg(
      ffmpeg(input)
        .noVideo()
        .audioFilters(SILENCE_FILTER)
        .audioChannels(1)
        .audioFrequency(16000)
        .audioCodec('pcm_s16le')
        .outputOptions('-map_metadata', '-1')
        .format('wav')
        .output(normalised)
        .on('stderr', (line: string) => {
          collectSilence(line, silences);
          // Parsed here rather than via fluent-ffmpeg's 'progress' event, which runs an extra ffprobe on the input.
          const time = /time=(\d+):(\d+):([\d.]+)/.exec(line);
          if (time) onProgress?.({ stage: 'normalise', doneSec: +time[1] * 3600 + +time[2] * 60 + +time[3] });
        }),
      signal,
    );
    const { durationSec } = await readWavLayout(normalised);
    if (durationSec <= 0) throw new AudioInputError('the recording contains no audio samples');

    const cuts = planCuts(durationSec, silences, chunkSec, Math.min(8, chunkSec / 4));
    if (cuts.length === 0) {
      await rename(normalised, join(outDir, `${CHUNK_PREFIX}000.wav`));
    } else {
      await runFfmpeg(
        ffmpeg(normalised)
          .outputOptions('-f', 'segment', '-segment_times', cuts.map((c) => c.toFixed(3)).join(','))
          .outputOptions('-reset_timestamps', '1', '-c', 'copy')
          .output(join(outDir, `${CHUNK_PREFIX}%03d.wav`)),
        signal,
      );
      await rm(normalised);
    }
    onProgress?.({ stage: 'split', doneSec: durationSec });
    return { chunks: await describeChunks(outDir), durationSec };
  } catch (error) {
    await removeOutputs(outDir);
    throw error;
  }
}

/** Cut times (seconds) near every `chunkSec`, moved back to the latest pause within `windowSec` of it. */
export function planCuts(totalSec: number, silences: Silence[], chunkSec: number, windowSec: number): number[] {
  const cuts: number[] = [];
  let last = 0;
  while (totalSec - last > chunkSec + MIN_TAIL_SEC) {
    const target = last + chunkSec;
    const pauses = silences.map((s) => (s.startSec + s.endSec) / 2).filter((m) => m > target - windowSec && m <= target);
    const cut = pauses.length > 0 ? Math.max(...pauses) : target;
    cuts.push(cut);
    last = cut;
  }
  return cuts;
}

async function describeChunks(outDir: string): Promise<AudioChunk[]> {
  const names = (await readdir(outDir)).filter((n) => n.startsWith(CHUNK_PREFIX) && n.endsWith('.wav')).sort();
  const chunks: AudioChunk[] = [];
  let startSec = 0;
  for (const [index, name] of names.entries()) {
    const path = join(outDir, name);
    const { durationSec } = await readWavLayout(path);
    chunks.push({ index, path, startSec, durationSec });
    startSec += durationSec;
  }
  return chunks;
}

function runFfmpeg(command: ffmpeg.FfmpegCommand, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    let started = false;
    const onAbort = () => started && command.kill('SIGKILL');
    signal?.addEventListener('abort', onAbort, { once: true });
    command
      // fluent-ffmpeg spawns asynchronously; an abort that came first is honoured the moment the child exists.
      .on('start', () => {
        started = true;
        if (signal?.aborted) command.kill('SIGKILL');
      })
      .on('end', () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      })
      .on('error', (err: Error) => {
        signal?.removeEventListener('abort', onAbort);
        if (signal?.aborted) reject(signal.reason);
        else if (/Invalid data found|does not contain any stream|Output file #0 does not contain/i.test(err.message)) {
          reject(new AudioInputError('the file is not a recognised audio format, or it is corrupt'));
        } else reject(err);
      })
      .run();
  });
}

function collectSilence(line: string, silences: Silence[]): void {
  const start = /silence_start: (-?[\d.]+)/.exec(line);
  if (start) silences.push({ startSec: Math.max(0, Number(start[1])), endSec: Number.NaN });
  const end = /silence_end: ([\d.]+)/.exec(line);
  const open = silences[silences.length - 1];
  if (end && open && Number.isNaN(open.endSec)) open.endSec = Number(end[1]);
}

async function removeOutputs(outDir: string): Promise<void> {
  const names = await readdir(outDir).catch(() => [] as string[]);
  await Promise.all(
    names.filter((n) => n === NORMALISED || n.startsWith(CHUNK_PREFIX)).map((n) => rm(join(outDir, n), { force: true })),
  );
}
