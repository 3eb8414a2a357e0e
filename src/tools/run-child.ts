import { spawn } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { delimiter, join } from 'node:path';

export interface ChildResult {
  stdout: string;
  stderr: string;
}

/**
 * Runs a program to completion, collecting its output. On abort the child gets SIGKILL at once (nothing these
 * children do is worth a graceful stop) and the promise rejects with `signal.reason`.
 */
export function runChild(
  command: string,
  args: string[],
  options: { signal?: AbortSignal; env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<ChildResult> {
  const { signal, env, cwd } = options;
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const child = spawn(command, args, { signal, killSignal: 'SIGKILL', env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', (err: NodeJS.ErrnoException) => {
      if (signal?.aborted) reject(signal.reason);
      else if (err.code === 'ENOENT') reject(new Error(`${command} is not installed (not found on PATH)`));
      else reject(err);
    });
    child.on('close', (code, killedBy) => {
      if (signal?.aborted) return reject(signal.reason);
      if (code === 0) return resolve({ stdout, stderr });
      const why = killedBy ? `was killed by ${killedBy}` : `exited with code ${code}`;
      reject(new Error(`${command} ${why}: ${stderr.trim().split('\n').slice(-5).join('\n')}`));
    });
  });
}

export async function findOnPath(name: string): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, name);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}
