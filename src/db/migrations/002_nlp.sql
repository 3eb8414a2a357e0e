-- What the insight pipeline derives from a text. Each stage owns its columns or rows, and rewrites
-- them whole, so running a stage twice leaves the same result.
ALTER TABLE insights ADD COLUMN IF NOT EXISTS normalised_text text;
ALTER TABLE insights ADD COLUMN IF NOT EXISTS language text;
ALTER TABLE insights ADD COLUMN IF NOT EXISTS keywords jsonb;
ALTER TABLE insights ADD COLUMN IF NOT EXISTS embedding vector(512);
ALTER TABLE insights ADD COLUMN IF NOT EXISTS category text;
ALTER TABLE insights ADD COLUMN IF NOT EXISTS category_confidence real;
ALTER TABLE insights ADD COLUMN IF NOT EXISTS classifier_model_id integer;
ALTER TABLE insights ADD COLUMN IF NOT EXISTS sentiment jsonb;
ALTER TABLE insights ADD COLUMN IF NOT EXISTS processed_at timestamptz;
CREATE INDEX IF NOT EXISTS insights_user_category ON insights (user_id, category);

CREATE TABLE IF NOT EXISTS insight_entities (
  insight_id uuid NOT NULL REFERENCES insights(id) ON DELETE CASCADE,
  type text NOT NULL,
  text text NOT NULL,
  value jsonb NOT NULL,
  -- A normalised key ("organization:acme corp") shared by every mention of one entity.
  key text NOT NULL,
  start_offset integer NOT NULL,
  end_offset integer NOT NULL,
  PRIMARY KEY (insight_id, start_offset, end_offset, type)
);
CREATE INDEX IF NOT EXISTS insight_entities_key ON insight_entities (key);

CREATE TABLE IF NOT EXISTS insight_relations (
  insight_id uuid NOT NULL REFERENCES insights(id) ON DELETE CASCADE,
  related_id uuid NOT NULL REFERENCES insights(id) ON DELETE CASCADE,
  kind text NOT NULL DEFAULT 'related_to',
  score real NOT NULL,
  reason jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (insight_id, related_id, kind)
);

-- Versioned classifiers; exactly one is active at a time (training promotes a better one).
CREATE TABLE IF NOT EXISTS classifier_models (
  id serial PRIMARY KEY,
  model jsonb NOT NULL,
  metrics jsonb NOT NULL,
  source text NOT NULL,
  active boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX IF NOT EXISTS classifier_models_one_active ON classifier_models (active) WHERE active;

-- Categories users corrected: training data for the next model.
CREATE TABLE IF NOT EXISTS insight_labels (
  insight_id uuid PRIMARY KEY REFERENCES insights(id) ON DELETE CASCADE,
  user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  category text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
