import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { it } from 'node:test';
import { parse } from 'yaml';
import { envSchema, loadConfig, QUEUE_KINDS } from '../../src/config';
import { PROJECT_ROOT } from '../../src/tools/venv';

// Docker does not run on these machines; what can be checked without it is checked here.
const compose = parse(readFileSync(path.join(PROJECT_ROOT, 'temporal-docker', 'docker-compose.yml'), 'utf8'), { merge: true });
const appServices = Object.entries<any>(compose.services).filter(([, s]) => s.build?.dockerfile === 'temporal-docker/Dockerfile');

it('defines the Temporal server on PostgreSQL, the Web UI, the app database, the API and workers', () => {
  for (const name of ['temporal', 'temporal-db', 'temporal-ui', 'app-db', 'api']) assert.ok(compose.services[name], name);
  assert.equal(compose.services.temporal.environment.DB, 'postgres12');
  const queues = appServices.flatMap(([, s]) => {
    const args: string[] = s.command;
    const i = args.indexOf('--queues');
    return i === -1 ? [] : args[i + 1].split(',');
  });
  assert.deepEqual([...new Set(queues)].sort(), [...QUEUE_KINDS].sort(), 'every queue has a worker service');
});

it('sets only variables the config schema knows, with values it accepts', () => {
  const known = new Set(Object.keys(envSchema.shape));
  assert.ok(appServices.length >= 4);
  for (const [name, service] of appServices) {
    const env: Record<string, unknown> = service.environment;
    for (const key of Object.keys(env)) assert.ok(known.has(key), `${name} sets ${key}, which src/config.ts does not read`);
    assert.doesNotThrow(() => loadConfig(Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v)]))), name);
  }
});

it('registers every search attribute the jobs use', async () => {
  const { CUSTOM_SEARCH_ATTRIBUTES } = await import('../../src/temporal/search-attributes');
  const setup = compose.services['temporal-setup'].command.join(' ');
  for (const key of CUSTOM_SEARCH_ATTRIBUTES) assert.match(setup, new RegExp(`--name ${key.name} --type ${key.type}`, "i"));
});
