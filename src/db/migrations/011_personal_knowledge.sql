-- Issue 12: per-user categories and relations between entities.

-- Each user's own category model: per (user, category) the sum of the embeddings of the insights the user
-- labelled with it, and how many. The centroid is sum / count; |sum| / count is the mean cosine of the members
-- to it. Rebuilt for the touched categories whenever a label changes, so it takes effect at once. The column
-- has no fixed dimension: it follows whatever the embedding model produces.
CREATE TABLE IF NOT EXISTS user_category_centroids (
  user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  category text NOT NULL,
  embedding_sum vector NOT NULL,
  count integer NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, category)
);

-- What the nightly training run decided per user: whether the user's own model is used at all, and the
-- similarity a note needs to a category of the user's before it beats the shared model. No row: defaults.
CREATE TABLE IF NOT EXISTS user_category_models (
  user_id uuid PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
  enabled boolean NOT NULL,
  min_similarity real NOT NULL,
  metrics jsonb NOT NULL,
  run_id text NOT NULL,
  evaluated_at timestamptz NOT NULL DEFAULT now()
);

-- Where an insight's category came from: NULL or 'starter' (the shared model), 'user' (the user's own model).
ALTER TABLE insights ADD COLUMN IF NOT EXISTS category_source text;

-- Relations found inside one insight's text: subject entity, relation (verb lemma), object entity, in one
-- sentence. Rewritten whole by the relations stage.
CREATE TABLE IF NOT EXISTS insight_entity_relations (
  insight_id uuid NOT NULL REFERENCES insights(id) ON DELETE CASCADE,
  subject_key text NOT NULL,
  subject_text text NOT NULL,
  subject_start integer NOT NULL,
  relation text NOT NULL,
  verb text NOT NULL,
  object_key text NOT NULL,
  object_text text NOT NULL,
  object_start integer NOT NULL,
  sentence_start integer NOT NULL,
  sentence_end integer NOT NULL,
  PRIMARY KEY (insight_id, subject_start, object_start)
);
CREATE INDEX IF NOT EXISTS insight_entity_relations_subject ON insight_entity_relations (subject_key);
CREATE INDEX IF NOT EXISTS insight_entity_relations_object ON insight_entity_relations (object_key);
