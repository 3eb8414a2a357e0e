import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '../../src/tools/venv';
import { freePort } from './ports';
import { waitFor } from './stack';

export interface AppProcess {
  child: ChildProcess;
  baseUrl: string;
  /** Its stdout and stderr so far. */
  output(): string;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

/**
 * One entry point (`src/api/main.ts`, `src/workers/main.ts`…) as its own OS process, as on another machine: this
 * test process's environment plus `env`, its own DATA_DIR unless `env` names one, and an API port of its own.
 */
export async function spawnApp(entry: string, env: NodeJS.ProcessEnv = {}, args: string[] = []): Promise<AppProcess> {
  const ownDir = env.DATA_DIR ? undefined : mkdtempSync(path.join(os.tmpdir(), 'itk-proc-'));
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', entry, ...args], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, API_PORT: String(port), DATA_DIR: ownDir, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    baseUrl: `http://127.0.0.1:${port}`,
    output: () => output,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      if (ownDir) rmSync(ownDir, { recursive: true, force: true });
    },
  };
}

/** Waits until the process's API answers /readyz, or fails with its output if it exits first. */
export async function untilReady(app: AppProcess, timeoutMs = 60_000): Promise<void> {
  await waitFor(async () => {
    if (app.child.exitCode !== null) throw new Error(`the process exited ${app.child.exitCode} before it was ready:\n${app.output()}`);
    return (await fetch(`${app.baseUrl}/readyz`).catch(() => undefined))?.ok || undefined;
  }, timeoutMs, 'the API process to be ready');
}
