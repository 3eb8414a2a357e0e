-- Alerts the evaluation schedule found, one row per firing: it fires once (the row is made) and resolves
-- once (resolved_at is set). The partial unique index allows one open row per rule and key, so two
-- evaluators at once cannot both fire the same alert: the second insert does nothing.
CREATE TABLE IF NOT EXISTS alerts (
  id uuid PRIMARY KEY,
  rule text NOT NULL,
  key text NOT NULL,
  severity text NOT NULL,
  message text NOT NULL,
  details jsonb NOT NULL DEFAULT '{}',
  fired_at timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now(),
  resolved_at timestamptz
);
CREATE UNIQUE INDEX IF NOT EXISTS alerts_open ON alerts (rule, key) WHERE resolved_at IS NULL;
-- GET /api/alerts lists the recently resolved ones.
CREATE INDEX IF NOT EXISTS alerts_resolved ON alerts (resolved_at DESC) WHERE resolved_at IS NOT NULL;
