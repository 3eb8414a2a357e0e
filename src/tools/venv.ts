import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const TOOLS_VENV = path.join(PROJECT_ROOT, '.tools', 'venv');
const REQUIREMENTS = path.join(PROJECT_ROOT, 'scripts', 'requirements-tools.txt');

export class MissingToolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MissingToolError';
  }
}

/**
 * Creates .tools/venv and installs the pinned PyPI tools into it, once: a stamp file records which
 * requirements were installed, so a changed pin reinstalls and an unchanged one costs nothing.
 */
export function ensureToolsVenv(): string {
  const wanted = readFileSync(REQUIREMENTS, 'utf8');
  const stamp = path.join(TOOLS_VENV, '.installed-requirements');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === wanted) return TOOLS_VENV;

  const python = process.env.PYTHON ?? 'python3';
  if (spawnSync(python, ['--version']).status !== 0) {
    throw new MissingToolError(
      `${python} was not found. Install Python 3 with venv and pip (as root: apt-get install -y python3 python3-venv), ` +
        'or set TEMPORAL_CLI to an existing temporal binary.',
    );
  }
  try {
    if (!existsSync(path.join(TOOLS_VENV, 'bin', 'pip'))) {
      execFileSync(python, ['-m', 'venv', TOOLS_VENV], { stdio: 'inherit' });
    }
    execFileSync(path.join(TOOLS_VENV, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', '-r', REQUIREMENTS], {
      stdio: 'inherit',
    });
  } catch (err) {
    throw new MissingToolError(
      `Could not install the project's tools from PyPI into ${TOOLS_VENV} (${(err as Error).message}). ` +
        `Check that PyPI is reachable, then run: ${python} -m venv ${TOOLS_VENV} && ${TOOLS_VENV}/bin/pip install -r ${REQUIREMENTS}`,
    );
  }
  writeFileSync(stamp, wanted);
  return TOOLS_VENV;
}
