-- The spoken language of a recording: the upload's `language` (en, pt), or what Whisper base detected for
-- `auto` (en, pt, or another ISO 639-1 code, transcribed as that language). NULL until the job has prepared the
-- audio, and for recordings made before languages existed (English).
ALTER TABLE audio_recordings ADD COLUMN IF NOT EXISTS language text;
