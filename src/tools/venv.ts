import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { acquireDirLock } from './dir-lock';
import { findOnPath, runChild } from './run-child';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** A project-local Python venv under .tools/, built from a pinned requirements file. */
export interface VenvSpec {
  name: string;
  requirements: string;
  /** Modules that must import once installed: a build that cannot run them is not finished. */
  imports?: string[];
  minPython?: [number, number];
}

export class MissingToolError extends Error {
  override name = 'MissingToolError';
}

// Longer than any real install here (about a minute); a lock older than this was left by a killed process.
const STALE_LOCK_MS = 15 * 60_000;
const building = new Map<string, Promise<string>>();

export const venvDir = (spec: VenvSpec) => path.join(PROJECT_ROOT, '.tools', spec.name);
const marker = (spec: VenvSpec) => path.join(venvDir(spec), '.requirements.sha256');
const requirementsHash = async (spec: VenvSpec) => createHash('sha256').update(await readFile(spec.requirements)).digest('hex');

/** True when the venv was fully built from the current requirements file; never installs anything. */
export async function isVenvReady(spec: VenvSpec): Promise<boolean> {
  const [built, wanted] = await Promise.all([readFile(marker(spec), 'utf8').catch(() => ''), requirementsHash(spec)]);
  return built.trim() === wanted;
}

/**
 * Builds the venv when it is missing or its pins changed, and returns its folder. A marker records
 * which requirements it was built from, so an unchanged venv costs one read. Safe from many processes
 * at once: one builds under a lock folder, the others wait for it.
 */
export function ensureVenv(spec: VenvSpec): Promise<string> {
  const dir = venvDir(spec);
  let pending = building.get(dir);
  if (!pending) {
    pending = provision(spec).finally(() => building.delete(dir));
    building.set(dir, pending);
  }
  return pending;
}

async function provision(spec: VenvSpec): Promise<string> {
  const dir = venvDir(spec);
  if (await isVenvReady(spec)) return dir;
  const lock = `${dir}.lock`;
  await mkdir(path.dirname(lock), { recursive: true });
  await acquireDirLock(lock, { staleMs: STALE_LOCK_MS, retryMs: 1000 });
  try {
    if (!(await isVenvReady(spec))) await build(spec);
    return dir;
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}

async function build(spec: VenvSpec): Promise<void> {
  const dir = venvDir(spec);
  const python3 = await findOnPath('python3');
  if (!python3) {
    throw new MissingToolError(`python3 is needed to build ${dir}; install it (Debian, as root: apt-get install -y python3 python3-venv)`);
  }
  if (spec.minPython) {
    const { stdout } = await runChild(python3, ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])']);
    const [major, minor] = stdout.trim().split('.').map(Number);
    const [wantMajor, wantMinor] = spec.minPython;
    if (major < wantMajor || (major === wantMajor && minor < wantMinor)) {
      throw new MissingToolError(`${dir} needs Python ${wantMajor}.${wantMinor} or newer; ${python3} is ${stdout.trim()}`);
    }
  }
  const python = path.join(dir, 'bin', 'python');
  if (!(await stat(python).then(() => true, () => false))) {
    await rm(dir, { recursive: true, force: true });
    await runChild(python3, ['-m', 'venv', dir]).catch((err: Error) => {
      throw new MissingToolError(`could not create ${dir} (Debian needs the python3-venv package): ${err.message}`);
    });
  }
  const env = { ...process.env, PIP_DISABLE_PIP_VERSION_CHECK: '1', PIP_NO_INPUT: '1' };
  await runChild(python, ['-m', 'pip', 'install', '--quiet', '-r', spec.requirements], { env }).catch((err: Error) => {
    throw new MissingToolError(
      `pip could not install ${spec.requirements} into ${dir} (is PyPI reachable?): ${err.message}. ` +
        `To do it by hand: ${python3} -m venv ${dir} && ${python} -m pip install -r ${spec.requirements}`,
    );
  });
  if (spec.imports?.length) await runChild(python, ['-c', `import ${spec.imports.join(', ')}`]);
  await writeFile(marker(spec), `${await requirementsHash(spec)}\n`);
}


/** The venv of the project's own tools: the Temporal CLI and, for tests, PostgreSQL with pgvector. */
export const TOOLS_VENV: VenvSpec = {
  name: 'venv',
  requirements: path.join(PROJECT_ROOT, 'scripts', 'requirements-tools.txt'),
};
