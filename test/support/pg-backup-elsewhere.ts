import { chmodSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TOOLS_VENV, venvDir } from '../../src/tools/venv';
import { pgserverBinDir } from './postgres';

/**
 * Import before any project module in a file that backs up the test PostgreSQL 16 and checks where backups go
 * and how a bad one is caught. BACKUP_DIR is a directory of its own, outside DATA_DIR. PG_DUMP is the `pgserver`
 * wheel's pg_dump (Debian's may be older than the server) behind a wrapper that, while `CORRUPT_DUMP_ENV` is
 * set in the environment, truncates the dump it just wrote to half, header intact: the damage of a full disk
 * or a bad copy, which only a restore finds. pg_restore sits beside it, where the backup job looks when
 * PG_RESTORE is unset.
 */
export const CORRUPT_DUMP_ENV = 'ITK_TEST_CORRUPT_DUMP';

const real = pgserverBinDir(venvDir(TOOLS_VENV));
export const toolsDir = mkdtempSync(path.join(os.tmpdir(), 'itk-pg-tools-'));
export const backupDir = mkdtempSync(path.join(os.tmpdir(), 'itk-backups-'));
const wrapper = path.join(toolsDir, 'pg_dump');
writeFileSync(
  wrapper,
  `#!/bin/sh
"${path.join(real, 'pg_dump')}" "$@" || exit $?
[ -n "$${CORRUPT_DUMP_ENV}" ] || exit 0
for arg in "$@"; do case "$arg" in --file=*) file="\${arg#--file=}";; esac; done
truncate -s $(( $(stat -c %s "$file") / 2 )) "$file"
`,
);
chmodSync(wrapper, 0o755);
symlinkSync(path.join(real, 'pg_restore'), path.join(toolsDir, 'pg_restore'));
process.env.PG_DUMP = wrapper;
process.env.BACKUP_DIR = backupDir;
