import './support/env';
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { spawnApp } from './support/app-process';

const entry = path.join(import.meta.dirname, 'support', 'bug-after-wasm.ts');

describe('a bug in a process that loaded the embedding model', () => {
  for (const [bug, origin, message] of [
    ['throw', 'uncaughtException', 'an exception nobody caught'],
    ['reject', 'unhandledRejection', 'a rejection nobody handled'],
  ] as const) {
    it(`${bug}: exits 1 with one fatal log line naming ${origin}, not the WASM runtime's rethrow`, async () => {
      const app = await spawnApp(entry, { BUG: bug, LOG_FORMAT: 'json', LOG_LEVEL: 'info' });
      const code = await app.exited;
      await app.stop();
      assert.equal(code, 1, app.output());
      const fatal = app
        .output()
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as { level: number; origin?: string; err?: { message: string } })
        .filter((entry) => entry.level === 60);
      assert.equal(fatal.length, 1, app.output());
      assert.equal(fatal[0]!.origin, origin);
      assert.equal(fatal[0]!.err?.message, message);
    });
  }
});
