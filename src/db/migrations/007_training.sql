-- One row per training run (the training workflow): what it trained and decided, and when, so the next run
-- knows which insights changed since this one.
CREATE TABLE IF NOT EXISTS training_runs (
  run_id text PRIMARY KEY,
  job_id text NOT NULL,
  status text NOT NULL DEFAULT 'running',
  started_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  candidate_model_id integer REFERENCES classifier_models(id) ON DELETE SET NULL,
  promoted boolean,
  -- Of the labelled insights the active model classified, the share where its category equals the label.
  label_agreement real,
  labels_compared integer,
  summary jsonb
);
CREATE INDEX IF NOT EXISTS training_runs_finished ON training_runs (started_at DESC) WHERE status = 'completed';

-- Per-user insight counts by category, rewritten whole by each training run.
CREATE TABLE IF NOT EXISTS user_category_stats (
  user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  category text NOT NULL,
  insights integer NOT NULL,
  labelled integer NOT NULL,
  -- Labelled insights of this category whose label the active model agrees with.
  agreeing integer NOT NULL,
  run_id text NOT NULL,
  computed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, category)
);

-- Re-classification after a promotion looks for insights of older models; the recommendation refresh
-- for insights changed since the last run.
CREATE INDEX IF NOT EXISTS insights_classifier_model ON insights (classifier_model_id);
CREATE INDEX IF NOT EXISTS insights_updated ON insights (updated_at);
