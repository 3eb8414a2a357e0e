-- Audio without a shared disk (issue 8): the upload is a large object every process reaches, and each chunk's
-- transcript is a row, so a job that moves to another worker host keeps what the first one transcribed.
ALTER TABLE audio_recordings ADD COLUMN IF NOT EXISTS upload_oid oid;
-- Recordings uploaded before 020 keep their file under the API's DATA_DIR/uploads; new ones have no path.
ALTER TABLE audio_recordings ALTER COLUMN upload_path DROP NOT NULL;
-- The worker-specific task queue of the host that holds the recording's working files now.
ALTER TABLE audio_recordings ADD COLUMN IF NOT EXISTS host_queue text;

CREATE TABLE IF NOT EXISTS audio_chunk_transcripts (
  audio_id uuid NOT NULL REFERENCES audio_recordings(id) ON DELETE CASCADE,
  chunk_index int NOT NULL,
  -- The chunk as split; a later split that cuts differently (another ffmpeg) or picks another engine transcribes again.
  start_sec real NOT NULL,
  duration_sec real NOT NULL,
  engine text NOT NULL,
  transcript jsonb NOT NULL,
  -- Who transcribed it, and how often it was transcribed: a stored chunk is never run again, so this stays 1.
  host_queue text NOT NULL,
  activity_attempt int NOT NULL,
  transcriptions int NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (audio_id, chunk_index)
);

-- A large object is no row: the recording's removal (its user deleted, the cascade) or the cleanup clearing
-- upload_oid would otherwise leave it stored for ever.
-- (The migration runner splits at a semicolon that ends a line: the body keeps its own mid-line.)
CREATE OR REPLACE FUNCTION audio_upload_unlink() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.upload_oid IS NOT NULL AND (TG_OP = 'DELETE' OR NEW.upload_oid IS DISTINCT FROM OLD.upload_oid)
     AND EXISTS (SELECT 1 FROM pg_largeobject_metadata WHERE oid = OLD.upload_oid) THEN
    PERFORM lo_unlink(OLD.upload_oid); END IF; RETURN NULL; END
$$;
DROP TRIGGER IF EXISTS audio_upload_unlink ON audio_recordings;
CREATE TRIGGER audio_upload_unlink AFTER DELETE OR UPDATE OF upload_oid ON audio_recordings
  FOR EACH ROW EXECUTE FUNCTION audio_upload_unlink();
