import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CUSTOM_SEARCH_ATTRIBUTES } from './search-attributes';

export interface DevServerOptions {
  cli: string;
  port: number;
  uiPort: number;
  namespace: string;
  /** SQLite file that keeps workflows across restarts; in memory when omitted. */
  dbFile?: string;
  headless?: boolean;
  /** The server's own log level; `npm start` shows errors, the test harness none. */
  logLevel?: 'debug' | 'info' | 'warn' | 'error' | 'never';
  onExit?: (code: number | null) => void;
  /** Called as soon as the child exists, before it listens: a caller killed meanwhile must still know its pid. */
  onSpawn?: (pid: number) => void;
}

export interface DevServer {
  address: string;
  uiUrl?: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

function isPortOpen(port: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

async function waitForPort(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`temporal server exited with code ${child.exitCode} before listening`);
    if (await isPortOpen(port)) return;
    await sleep(100);
  }
  throw new Error(`temporal server did not listen on port ${port} within ${timeoutMs} ms`);
}

/**
 * Server settings the app relies on, passed to the dev server here and set in
 * temporal-docker/dynamicconfig/insight-tracker.yaml for the compose cluster (a test keeps the two equal).
 * Fairness keys (one per user, set at job start) are ignored unless matching fairness is on.
 */
export const SERVER_DYNAMIC_CONFIG = { 'matching.enableFairness': true } as const;

/** Starts `temporal server start-dev` with the project's search attributes and waits until it accepts connections. */
export async function startDevServer(opts: DevServerOptions): Promise<DevServer> {
  const args = [
    'server', 'start-dev',
    '--ip', '127.0.0.1',
    '--port', String(opts.port),
    '--namespace', opts.namespace,
    '--log-level', opts.logLevel ?? 'error',
    ...CUSTOM_SEARCH_ATTRIBUTES.flatMap((key) => ['--search-attribute', `${key.name}=${key.type}`]),
    ...Object.entries(SERVER_DYNAMIC_CONFIG).flatMap(([key, value]) => ['--dynamic-config-value', `${key}=${JSON.stringify(value)}`]),
  ];
  if (opts.dbFile) {
    mkdirSync(path.dirname(opts.dbFile), { recursive: true });
    args.push('--db-filename', opts.dbFile, '--sqlite-pragma', 'journal_mode=WAL');
  }
  if (opts.headless) args.push('--headless');
  else args.push('--ui-port', String(opts.uiPort));

  // Something else on the port would pass the readiness check below and then fail every call: say so now.
  if (await isPortOpen(opts.port)) {
    throw new Error(`port ${opts.port} is already in use, so the Temporal dev server cannot start; stop what holds it or set TEMPORAL_PORT`);
  }
  const child = spawn(opts.cli, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  if (child.pid) opts.onSpawn?.(child.pid);
  child.once('exit', (code) => opts.onExit?.(code));
  await waitForPort(opts.port, child, 60_000);
  return {
    address: `127.0.0.1:${opts.port}`,
    uiUrl: opts.headless ? undefined : `http://localhost:${opts.uiPort}`,
    process: child,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(10_000).then(() => child.kill('SIGKILL'))]);
    },
  };
}
