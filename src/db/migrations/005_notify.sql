-- Notifications: the events table (001) is the source of truth; these say who wants which events and how
-- each delivery went.

-- The event streams and `GET /api/events` read one user's events by id cursor.
CREATE INDEX IF NOT EXISTS events_user_id ON events (user_id, id);

-- The secret is kept as is, unlike API keys: the server needs it to sign every delivery.
-- Deleting a webhook only marks it, so its delivery log stays readable and in-flight retries stop.
CREATE TABLE IF NOT EXISTS webhooks (
  id uuid PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  url text NOT NULL,
  events text[] NOT NULL,
  secret text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz
);
CREATE INDEX IF NOT EXISTS webhooks_user_active ON webhooks (user_id) WHERE deleted_at IS NULL;

-- One row per (event, webhook), so delivery is idempotent; each attempt updates it.
-- status: pending, retrying, delivered, failed (gave up or refused), cancelled (webhook deleted).
CREATE TABLE IF NOT EXISTS deliveries (
  id uuid PRIMARY KEY,
  event_id bigint NOT NULL REFERENCES events(id) ON DELETE CASCADE,
  webhook_id uuid NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
  status text NOT NULL DEFAULT 'pending',
  attempts integer NOT NULL DEFAULT 0,
  http_status integer,
  last_error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  delivered_at timestamptz,
  UNIQUE (event_id, webhook_id)
);
CREATE INDEX IF NOT EXISTS deliveries_webhook_created ON deliveries (webhook_id, created_at DESC);
