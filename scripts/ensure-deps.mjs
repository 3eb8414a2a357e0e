// Runs before `npm start`, `npm test` and `npm run bench:peer` (npm's pre-scripts): installs what the project needs and can
// install by itself. Plain Node with no dependencies, because node_modules may not exist yet.
import { execSync, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';

const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
const run = (cmd) => execSync(cmd, { stdio: 'inherit' });

// npm packages: install from the lock file when node_modules is missing or older than the lock.
const stamp = 'node_modules/.package-lock.json';
if (!existsSync(stamp) || statSync(stamp).mtimeMs < statSync('package-lock.json').mtimeMs) {
  console.log('[setup] installing npm packages (npm ci)');
  run('npm ci --no-audit --no-fund');
}

// System packages from Debian: ffmpeg for audio, pocketsphinx for speech, flite (English) and espeak-ng
// (Portuguese) for test speech,
// python3 with venv for the project-local tools (Temporal CLI, test PostgreSQL, whisper), chromium for the
// browser test of the live streams (driven by puppeteer-core, which downloads no browser of its own).
const wanted = [
  { check: () => has('ffmpeg') && has('ffprobe'), pkg: 'ffmpeg' },
  { check: () => has('pocketsphinx_continuous'), pkg: 'pocketsphinx' },
  { check: () => existsSync('/usr/share/pocketsphinx/model/en-us'), pkg: 'pocketsphinx-en-us' },
  { check: () => has('flite'), pkg: 'flite' },
  { check: () => has('espeak-ng'), pkg: 'espeak-ng' },
  { check: () => has('python3'), pkg: 'python3' },
  { check: () => spawnSync('python3', ['-c', 'import venv, ensurepip'], { stdio: 'ignore' }).status === 0, pkg: 'python3-venv' },
  { check: () => has('chromium'), pkg: 'chromium' },
  // `npm run bench:peer` compares with BullMQ, which needs a real Redis.
  ...(process.argv.includes('--bench') ? [{ check: () => has('redis-server'), pkg: 'redis-server' }] : []),
];
const missing = wanted.filter((w) => !w.check()).map((w) => w.pkg);
if (missing.length > 0) {
  const command = `apt-get update && apt-get install -y --no-install-recommends ${missing.join(' ')}`;
  if (process.getuid?.() === 0 && has('apt-get')) {
    console.log(`[setup] installing system packages: ${missing.join(' ')}`);
    run(command);
  } else {
    console.warn(`[setup] missing system packages: ${missing.join(' ')}. As root, run:\n  ${command}`);
  }
}
