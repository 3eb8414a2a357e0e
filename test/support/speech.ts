import { rmSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runChild } from '../../src/tools/run-child';

const TEXT_FILES = {
  en: fileURLToPath(new URL('../fixtures/audio/speech-text.txt', import.meta.url)),
  // Written for these tests (Brazilian Portuguese, everyday words, no digits), never tuned on.
  pt: fileURLToPath(new URL('../fixtures/audio/speech-text-pt.txt', import.meta.url)),
};

/**
 * The fixture's first `lines` sentences (one per line; flite reads about five seconds a line, espeak-ng's
 * Portuguese at the rate below about eleven).
 */
export async function speechText(lines = Infinity, language: 'en' | 'pt' = 'en'): Promise<string> {
  const all = (await readFile(TEXT_FILES[language], 'utf8')).split('\n').filter((l) => l.trim() !== '');
  return all.slice(0, lines).join('\n');
}

/**
 * Speaks Portuguese into a WAV with Debian espeak-ng's Brazilian voice: the best Portuguese speech a registry
 * package gives here (no MBROLA or festival voice for it is in Debian main). Slowed to 100 words a minute with
 * 60 ms between words, which gave Whisper base the lowest word error rate of the settings tried.
 */
export async function speakPortuguese(text: string, outWav: string): Promise<void> {
  const textFile = `${outWav}.txt`;
  await writeFile(textFile, text);
  try {
    await runChild('espeak-ng', ['-v', 'pt-br', '-s', '100', '-g', '6', '-f', textFile, '-w', outWav]);
  } finally {
    await rm(textFile, { force: true });
  }
}

/**
 * Speaks text into a 16 kHz mono WAV with Debian flite's rms voice: unlike espeak-ng, speech the engines recognise.
 * Line breaks become sentence pauses, which the splitter can cut at.
 */
export async function speak(text: string, outWav: string): Promise<void> {
  const textFile = `${outWav}.txt`;
  await writeFile(textFile, text);
  try {
    await runChild('flite', ['-voice', 'rms', '-f', textFile, '-o', outWav]);
  } finally {
    await rm(textFile, { force: true });
  }
}

const CODECS: Record<string, string[]> = {
  mp3: ['-c:a', 'libmp3lame', '-b:a', '64k'],
  ogg: ['-c:a', 'libopus', '-b:a', '32k'],
  flac: ['-c:a', 'flac'],
  m4a: ['-c:a', 'aac', '-b:a', '64k'],
  wav: ['-c:a', 'pcm_s16le'],
};

/** Re-encodes a recording into the format its extension names (the upload formats the API accepts). */
export async function convert(input: string, output: string, extraArgs: string[] = []): Promise<void> {
  const ext = output.split('.').pop() ?? '';
  const codec = CODECS[ext];
  if (!codec) throw new Error(`no codec for .${ext}`);
  await runChild('ffmpeg', ['-v', 'error', '-y', '-i', input, ...extraArgs, ...codec, output]);
}

/** A fresh directory, removed when the test process exits; generated audio never lands in the tree. */
export async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'audio-test-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
