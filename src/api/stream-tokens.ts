import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Db } from '../db';

/**
 * Stream tokens: a browser's EventSource cannot send an Authorization header, so it asks
 * `POST /api/stream-tokens` (with its key) for a short-lived token and passes that as `?token=` to the two
 * stream routes. A token is `<payload>.<signature>`, both base64url: the payload names the user, the key that
 * asked for it (so revoking the key ends its tokens too) and the expiry; the signature is an HMAC-SHA256.
 *
 * The signing secret must be the same on every API process, which may be several machines: it is
 * STREAM_TOKEN_SECRET when set, else one generated on first use and kept in the database they share
 * (server_secrets), never a per-process random value.
 */
export interface StreamTokenClaims {
  userId: string;
  keyId: string;
  /** Expiry, in ms since the epoch. */
  exp: number;
}

const SECRET_NAME = 'stream-token';

export async function streamTokenSecret(db: Db, configured: string | undefined): Promise<Buffer> {
  if (configured) return Buffer.from(configured, 'utf8');
  // Concurrent first starts race on the insert; the row that won is the one everyone reads.
  await db.query('INSERT INTO server_secrets (name, secret) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING', [
    SECRET_NAME,
    randomBytes(32).toString('base64url'),
  ]);
  const [row] = await db.query<{ secret: string }>('SELECT secret FROM server_secrets WHERE name = $1', [SECRET_NAME]);
  return Buffer.from(row.secret, 'utf8');
}

const sign = (secret: Buffer, payload: string) => createHmac('sha256', secret).update(payload).digest('base64url');

export function issueStreamToken(secret: Buffer, claims: StreamTokenClaims): string {
  const payload = Buffer.from(JSON.stringify({ u: claims.userId, k: claims.keyId, e: claims.exp })).toString('base64url');
  return `${payload}.${sign(secret, payload)}`;
}

/** The token's claims when its signature is good and it has not expired; undefined for anything else. */
export function verifyStreamToken(secret: Buffer, token: string, now = Date.now()): StreamTokenClaims | undefined {
  const match = /^([\w-]{1,512})\.([\w-]{43})$/.exec(token);
  if (!match) return undefined;
  const [, payload, signature] = match;
  const expected = Buffer.from(sign(secret, payload));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  const { u, k, e } = (claims ?? {}) as { u?: unknown; k?: unknown; e?: unknown };
  if (typeof u !== 'string' || typeof k !== 'string' || typeof e !== 'number' || e <= now) return undefined;
  return { userId: u, keyId: k, exp: e };
}
