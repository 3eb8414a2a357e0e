-- Which model made each stored vector, so a change of embedding model is seen row by row: vectors of
-- another model are never compared with the current one (search finds those insights by their words) and
-- the re-embedding job rewrites them. Every vector stored before this migration came from the only model
-- there was, Universal Sentence Encoder lite ('use-lite-512', EMBEDDING_MODEL in src/activities/nlp/embeddings.ts).
ALTER TABLE insights ADD COLUMN IF NOT EXISTS embedding_model text;
UPDATE insights SET embedding_model = 'use-lite-512' WHERE embedding IS NOT NULL AND embedding_model IS NULL;
