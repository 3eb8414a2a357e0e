CREATE TABLE IF NOT EXISTS audio_recordings (
  id uuid PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  job_id text NOT NULL,
  original_name text NOT NULL,
  size_bytes bigint NOT NULL,
  -- Where the API stored the upload; workers read it from the same DATA_DIR (a shared volume across machines).
  upload_path text NOT NULL,
  status text NOT NULL DEFAULT 'received',
  engine text,
  duration_sec real,
  codec text,
  transcript text,
  segments jsonb,
  insight_id uuid REFERENCES insights(id) ON DELETE SET NULL,
  error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  transcribed_at timestamptz
);
CREATE INDEX IF NOT EXISTS audio_recordings_user_created ON audio_recordings (user_id, created_at DESC);
