import { closeDb, getDb } from '../db';
import { createUser, deleteUser, listUsers, newApiKey, revokeApiKey, UserError, type NewKey } from '../users';

/**
 * `npm run users -- <command>`: users and API keys on the configured database (DATABASE_URL, or the embedded
 * one under DATA_DIR: stop `npm start` first then, since the embedded database has one process at a time; or
 * use /api/admin/users). A new key is printed once; only its hash is kept.
 */
const USAGE = `usage: npm run users -- <command>
  create NAME [--admin]   make a user and print its first API key
  list                    users, with their key ids
  new-key NAME            print another key for the user
  revoke-key KEY_ID       revoke a key (answers 401 at once on every API process)
  delete NAME             delete the user and everything it owns`;

function printKey(name: string, made: NewKey): void {
  console.log(`user:    ${name}\nkey id:  ${made.keyId}\napi key: ${made.apiKey}\n(the key is shown this once; only its hash is stored)`);
}

async function run(args: string[]): Promise<void> {
  const [command, ...rest] = args;
  const admin = rest.includes('--admin');
  const positional = rest.filter((a) => a !== '--admin');
  const one = () => {
    if (positional.length !== 1 || (admin && command !== 'create')) throw new UsageError();
    return positional[0];
  };
  switch (command) {
    case 'create': {
      const name = one();
      printKey(name, await createUser(await getDb(), name, { admin }));
      return;
    }
    case 'new-key': {
      const name = one();
      printKey(name, await newApiKey(await getDb(), name));
      return;
    }
    case 'revoke-key': {
      const keyId = one();
      await revokeApiKey(await getDb(), keyId);
      console.log(`key ${keyId} revoked`);
      return;
    }
    case 'delete': {
      const name = one();
      await deleteUser(await getDb(), name);
      console.log(`user ${name} deleted`);
      return;
    }
    case 'list': {
      if (positional.length > 0 || admin) throw new UsageError();
      for (const u of await listUsers(await getDb())) {
        console.log(`${u.name}${u.admin ? ' (admin)' : ''}  id ${u.id}  created ${u.createdAt.toISOString()}`);
        for (const k of u.keys) console.log(`  key ${k.id}  created ${k.createdAt.toISOString()}${k.revokedAt ? `  revoked ${k.revokedAt.toISOString()}` : ''}`);
      }
      return;
    }
    default:
      throw new UsageError();
  }
}

class UsageError extends Error {}

try {
  await run(process.argv.slice(2));
  await closeDb();
} catch (err) {
  await closeDb().catch(() => undefined);
  if (err instanceof UsageError) {
    console.error(USAGE);
    process.exit(2);
  }
  console.error(`error: ${err instanceof UserError ? err.message : (err as Error).message}`);
  process.exit(1);
}
