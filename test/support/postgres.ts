import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, cpSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureVenv, TOOLS_VENV } from '../../src/tools/venv';
import { freePort } from './ports';

export interface TestPostgres {
  url: string;
  stop(): void;
}

/**
 * A throwaway PostgreSQL 16 with pgvector, from the pinned `pgserver` wheel in .tools/venv. PostgreSQL
 * refuses to run as root, so as root the cluster is owned and run by `nobody`. `withoutExtensions`: a server
 * whose installation lacks those (their control files removed from a copy), as one without pgvector is.
 */
export async function startTestPostgres(opts: { withoutExtensions?: string[] } = {}): Promise<TestPostgres> {
  let bin = pgserverBinDir(await ensureVenv(TOOLS_VENV));
  const dir = mkdtempSync(path.join(os.tmpdir(), 'itk-pg-'));
  const asRoot = process.getuid?.() === 0;
  if (asRoot) chownSync(dir, ...ids('nobody'));
  if (asRoot || opts.withoutExtensions) {
    // The checkout may sit where `nobody` cannot reach (under /root): run a copy of the binaries from /tmp,
    // laid out as in site-packages, since they find their libraries at $ORIGIN/../../../pgserver.libs.
    const site = path.resolve(bin, '../../..');
    const copy = path.join(dir, 'site');
    for (const part of ['pgserver/pginstall', 'pgserver.libs']) cpSync(path.join(site, part), path.join(copy, part), { recursive: true });
    for (const name of opts.withoutExtensions ?? []) rmSync(path.join(copy, 'pgserver/pginstall/share/postgresql/extension', `${name}.control`));
    bin = path.join(copy, 'pgserver/pginstall/bin');
  }
  const as = (cmd: string, args: string[]) =>
    asRoot ? execFileSync('runuser', ['-u', 'nobody', '--', cmd, ...args], { stdio: 'pipe' }) : execFileSync(cmd, args, { stdio: 'pipe' });

  const port = await freePort();
  const data = path.join(dir, 'data');
  as(path.join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '-A', 'trust', '--no-sync']);
  as(path.join(bin, 'pg_ctl'), [
    '-D', data, '-l', path.join(dir, 'log'), '-w', 'start',
    '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`,
  ]);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop() {
      try {
        as(path.join(bin, 'pg_ctl'), ['-D', data, '-m', 'fast', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** Where the pinned `pgserver` wheel in `venv` keeps PostgreSQL 16's programs (initdb, pg_ctl, pg_dump, pg_restore…). */
export function pgserverBinDir(venv: string): string {
  const bin = readdirSync(path.join(venv, 'lib'))
    .map((python) => path.join(venv, 'lib', python, 'site-packages', 'pgserver', 'pginstall', 'bin'))
    .find((dir) => existsSync(dir));
  if (!bin) throw new Error(`pgserver's PostgreSQL binaries were not found under ${venv}`);
  return bin;
}

function ids(user: string): [number, number] {
  const id = (flag: string) => Number(spawnSync('id', [flag, user], { encoding: 'utf8' }).stdout.trim());
  return [id('-u'), id('-g')];
}
