-- Each backup is verified by restoring it into a scratch database; the rows per table it restored (equal to
-- the source's at the dump's snapshot) are kept beside its size and hash.
ALTER TABLE backups ADD COLUMN IF NOT EXISTS row_counts jsonb;
