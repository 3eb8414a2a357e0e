import path from 'node:path';
import { TOOLS_VENV, venvDir } from '../../src/tools/venv';
import { pgserverBinDir } from './postgres';

/**
 * Import before any project module in a file that backs up the test PostgreSQL 16: Debian's pg_dump on this
 * machine may be older than the server, which pg_dump refuses, so PG_DUMP names the wheel's own (`npm test`
 * installed it to run the server).
 */
process.env.PG_DUMP = path.join(pgserverBinDir(venvDir(TOOLS_VENV)), 'pg_dump');
