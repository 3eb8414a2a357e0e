-- Admins act on system-wide things (the periodic jobs' schedules); everyone else sees only their own data.
ALTER TABLE users ADD COLUMN IF NOT EXISTS is_admin boolean NOT NULL DEFAULT false;
-- ensureDevUser makes the development user as the very first user; on a data directory from before this
-- migration it already exists, and its key (DATA_DIR/dev-api-key) should keep working for the schedule API.
UPDATE users SET is_admin = true
WHERE id = (SELECT id FROM users ORDER BY created_at, id LIMIT 1) AND name = 'dev';

-- Periodic per-user reports (the report schedule); one per user and period, so a rerun replaces it.
CREATE TABLE IF NOT EXISTS reports (
  id bigserial PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  period_start timestamptz NOT NULL,
  period_end timestamptz NOT NULL,
  data jsonb NOT NULL,
  job_id text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (user_id, period_start, period_end)
);
CREATE INDEX IF NOT EXISTS reports_user_period ON reports (user_id, period_end DESC);

-- Every backup file written under DATA_DIR/backups; removed_at is set when retention deletes the file.
CREATE TABLE IF NOT EXISTS backups (
  id bigserial PRIMARY KEY,
  file_name text NOT NULL UNIQUE,
  format text NOT NULL,
  size_bytes bigint NOT NULL,
  sha256 text NOT NULL,
  job_id text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  removed_at timestamptz
);

-- Pruning events by age and reporting by period scan on created_at.
CREATE INDEX IF NOT EXISTS events_created ON events (created_at);
CREATE INDEX IF NOT EXISTS audio_recordings_transcribed ON audio_recordings (transcribed_at) WHERE transcribed_at IS NOT NULL;
