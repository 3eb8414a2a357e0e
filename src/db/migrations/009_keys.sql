-- Users and keys managed by `npm run users` and /api/admin/users: each key gets an id (what `revoke-key` names;
-- the key itself is never stored) and can be revoked; a revoked key stays listed, with when.
ALTER TABLE api_keys ADD COLUMN IF NOT EXISTS id uuid NOT NULL DEFAULT gen_random_uuid();
ALTER TABLE api_keys ADD COLUMN IF NOT EXISTS revoked_at timestamptz;
CREATE UNIQUE INDEX IF NOT EXISTS api_keys_id ON api_keys (id);

-- Users are named on the command line, so a name must say one user. Older databases could hold the same name
-- twice: all but the oldest get their id's first characters appended.
UPDATE users SET name = name || '-' || left(id::text, 8)
WHERE id NOT IN (SELECT DISTINCT ON (name) id FROM users ORDER BY name, created_at, id);
CREATE UNIQUE INDEX IF NOT EXISTS users_name ON users (name);

-- A secret made once and shared by every API process on this database (stream-token signing when
-- STREAM_TOKEN_SECRET is unset).
CREATE TABLE IF NOT EXISTS server_secrets (
  name text PRIMARY KEY,
  secret text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
