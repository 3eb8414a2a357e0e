-- Full-text search beside the embedding: a generated tsvector (title weighted above the text) and its GIN
-- index, so GET /api/insights?q= can fuse word matches with vector similarity. Generated, so every insight
-- has it at once, including those stored before this migration and those whose pipeline is still running.
-- Only the first 500,000 characters are indexed: a tsvector holds at most 1 MB, and MAX_TEXT_CHARS may be raised.
ALTER TABLE insights ADD COLUMN IF NOT EXISTS search_vector tsvector GENERATED ALWAYS AS (
  setweight(to_tsvector('english', coalesce(title, '')), 'A') || setweight(to_tsvector('english', left(text, 500000)), 'B')
) STORED;
CREATE INDEX IF NOT EXISTS insights_search_vector ON insights USING gin (search_vector);
