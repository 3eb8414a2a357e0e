import { access } from 'node:fs/promises';
import { findOnPath, runChild } from '../../../tools/run-child';
import type { ChunkTranscript, SpeechEngine, TranscriptSegment } from './types';

const BINARY = 'pocketsphinx_continuous';
// Debian's pocketsphinx-en-us; the binary has this path compiled in as its default acoustic model.
const MODEL_DIR = '/usr/share/pocketsphinx/model/en-us/en-us';
// A pause at least this long starts a new segment, so segments follow sentences rather than whole utterances.
const SEGMENT_PAUSE_SEC = 0.15;

export async function isPocketsphinxAvailable(): Promise<boolean> {
  if (!(await findOnPath(BINARY))) return false;
  return access(MODEL_DIR).then(
    () => true,
    () => false,
  );
}

/** One `pocketsphinx_continuous` per chunk: it starts in well under a second and holds no state worth keeping. */
export function createPocketsphinxEngine(): SpeechEngine {
  return {
    name: 'pocketsphinx',
    // Measured by bench/audio-compute.ts on 30 s chunks, process start-up included.
    typicalRealTimeFactor: 0.15,
    async transcribe(wavPath, { signal, language } = {}) {
      if (language && language !== 'en') throw new Error(`pocketsphinx (en-us) transcribes English only, not ${language}`);
      const { stdout } = await runChild(BINARY, ['-infile', wavPath, '-logfn', '/dev/null', '-time', 'yes'], { signal });
      return parsePocketsphinxOutput(stdout);
    },
  };
}

/** Reads the `word start end confidence` lines of `-time yes`; hypothesis lines in between do not match. */
export function parsePocketsphinxOutput(stdout: string): ChunkTranscript {
  const segments: TranscriptSegment[] = [];
  let words: { word: string; startSec: number; endSec: number }[] = [];
  const flush = () => {
    if (words.length === 0) return;
    const text = words.map((w) => w.word).join(' ');
    segments.push({ startSec: words[0].startSec, endSec: words[words.length - 1].endSec, text });
    words = [];
  };
  for (const line of stdout.split('\n')) {
    const m = /^(\S+) (\d+\.\d+) (\d+\.\d+) -?\d+\.\d+$/.exec(line.trim());
    if (!m) continue;
    const [, token, start, end] = m;
    const startSec = Number(start);
    const endSec = Number(end);
    if (token === '<s>' || token === '</s>' || (token === '<sil>' && endSec - startSec >= SEGMENT_PAUSE_SEC)) {
      flush();
    } else if (!/^(<.*>|\[.*\]|\+\+.*\+\+)$/.test(token)) {
      // "was(2)" names the second pronunciation of "was"
      words.push({ word: token.replace(/\(\d+\)$/, ''), startSec, endSec });
    }
  }
  flush();
  return { text: segments.map((s) => s.text).join(' '), segments };
}
