import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type { Db } from './index';

// PostgreSQL large objects through the server functions (lo_create, lo_put, lo_get), which PGlite has too: one
// code path for both databases, with no client-side large-object protocol. Data moves in pieces, never whole.

const PIECE_BYTES = 1024 * 1024;

/**
 * Writes `source` into a new large object inside `tx` and returns its oid. Run it in a transaction: a failure
 * part-way (the source or the database) rolls the object back with everything else the transaction wrote.
 */
export async function writeLargeObject(tx: Db, source: AsyncIterable<Buffer>): Promise<{ oid: number; bytes: number }> {
  const [{ oid }] = await tx.query<{ oid: number }>('SELECT lo_create(0) AS oid');
  let bytes = 0;
  for await (const piece of source) {
    for (let at = 0; at < piece.length; at += PIECE_BYTES) {
      const part = piece.subarray(at, at + PIECE_BYTES);
      await tx.query('SELECT lo_put($1, $2, $3)', [oid, bytes, part]);
      bytes += part.length;
    }
  }
  return { oid, bytes };
}

/** Copies a large object into a local file, piece by piece; each read is its own short statement. */
export async function readLargeObjectToFile(db: Db, oid: number, file: string, onPiece: () => void = () => undefined): Promise<number> {
  let bytes = 0;
  await pipeline(async function* () {
    for (;;) {
      const [{ piece }] = await db.query<{ piece: Uint8Array }>('SELECT lo_get($1, $2, $3) AS piece', [oid, bytes, PIECE_BYTES]);
      if (piece.length === 0) return;
      bytes += piece.length;
      onPiece();
      yield piece;
      if (piece.length < PIECE_BYTES) return;
    }
  }, createWriteStream(file));
  return bytes;
}
