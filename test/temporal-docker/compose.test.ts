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

it('turns on the server settings the dev server has, fairness among them', async () => {
  const { SERVER_DYNAMIC_CONFIG } = await import('../../src/temporal/dev-server');
  const temporal = compose.services.temporal;
  const file = temporal.environment.DYNAMIC_CONFIG_FILE_PATH;
  assert.match(file, /^config\/dynamicconfig\/[\w.-]+\.yaml$/);
  const mount = (temporal.volumes as string[]).find((v) => v.split(':')[1] === '/etc/temporal/config/dynamicconfig');
  assert.ok(mount, 'the dynamic config directory is mounted where DYNAMIC_CONFIG_FILE_PATH points');
  const dynamic = parse(readFileSync(path.join(PROJECT_ROOT, 'temporal-docker', mount.split(':')[0], path.basename(file)), 'utf8'));
  assert.deepEqual(SERVER_DYNAMIC_CONFIG['matching.enableFairness'], true);
  for (const [key, value] of Object.entries(SERVER_DYNAMIC_CONFIG)) assert.deepEqual(dynamic[key], [{ value }], key);
});

it('shares no volume between app containers: each has its own /data, and backups their own volume', () => {
  const named = new Set(Object.keys(compose.volumes ?? {}));
  for (const [name, service] of appServices) {
    const volumes: string[] = service.volumes ?? [];
    // A bare container path is an anonymous volume: one per container, so per replica of --scale too.
    assert.ok(volumes.includes('/data'), `${name} has its own /data`);
    assert.equal(service.environment.DATA_DIR, '/data');
    for (const volume of volumes.filter((v) => v.includes(':'))) {
      const source = volume.split(':')[0];
      assert.ok(named.has(source), `${name} mounts ${source}`);
      const users = appServices.filter(([, s]) => (s.volumes ?? []).some((v: string) => v.split(':')[0] === source));
      assert.deepEqual(users.map(([n]) => n), [name], `${source} belongs to ${name} alone`);
    }
  }
  const background = appServices.find(([, s]) => s.command.join(' ').includes('maintenance'))![1];
  assert.equal(background.environment.BACKUP_DIR, '/backups');
  assert.ok(background.volumes.some((v: string) => v.endsWith(':/backups')));
});

it('publishes the app database only in the several-hosts overlay', () => {
  assert.equal(compose.services['app-db'].ports, undefined);
  const overlay = parse(readFileSync(path.join(PROJECT_ROOT, 'temporal-docker', 'several-hosts.yml'), 'utf8'));
  assert.deepEqual(overlay.services['app-db'].ports, ['5432:5432']);
  assert.deepEqual(Object.keys(overlay.services), ['app-db']);
});
