import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Request } from 'express';
import busboy from 'busboy';
import { HttpError } from './errors';

export interface Upload {
  path: string;
  originalName: string;
  sizeBytes: number;
  fields: Record<string, string>;
}

const AUDIO_EXTENSIONS = new Set(['.wav', '.mp3', '.ogg', '.oga', '.opus', '.flac', '.m4a', '.mp4', '.aac', '.webm']);

const fieldError = (status: number, code: string, field: string, message: string) =>
  new HttpError(status, code, `${field}: ${message}`, { fields: [{ field, message }] });

/** `file` is awaited only once the body has parsed: a parser error first must not leave it an unhandled rejection. */
function handled<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}

/**
 * Streams one multipart file field to `dest` (never held in memory), with the other fields as strings.
 * Too large: 413, and the partial file is removed. Not an audio type by name or declared type: 415.
 */
export async function receiveAudioUpload(req: Request, opts: { dest: string; maxBytes: number }): Promise<Upload> {
  if (!req.is('multipart/form-data')) {
    throw new HttpError(415, 'unsupported_media_type', 'send the recording as multipart/form-data with a "file" field');
  }
  await mkdir(path.dirname(opts.dest), { recursive: true });
  let parser: busboy.Busboy;
  try {
    parser = busboy({ headers: req.headers, limits: { files: 1, fields: 10, fileSize: opts.maxBytes } });
  } catch (err) {
    // busboy checks the content-type synchronously: no boundary, or a boundary it cannot read.
    throw fieldError(400, 'invalid_request', 'headers.content-type', `${(err as Error).message}; send multipart/form-data with its boundary`);
  }
  const fields: Record<string, string> = {};
  let file: Promise<Omit<Upload, 'fields'>> | undefined;

  parser.on('field', (name, value) => {
    fields[name] = value;
  });
  parser.on('file', (name, stream, info) => {
    // A form cut short errors every open part stream; the parser's own error answers the request (below), so
    // these must not crash the process as unhandled. (Issue 7 reworks this file; this is the smallest fix.)
    stream.on('error', () => undefined);
    if (name !== 'file' || file) {
      stream.resume();
      return;
    }
    const ext = path.extname(info.filename ?? '').toLowerCase();
    if (!AUDIO_EXTENSIONS.has(ext) && !info.mimeType.startsWith('audio/')) {
      stream.resume();
      file = handled(
        Promise.reject(
          fieldError(415, 'unsupported_media_type', 'body.file', `not an audio file (${info.filename || 'no name'}, ${info.mimeType}); send wav, mp3, ogg/opus, flac or m4a`),
        ),
      );
      return;
    }
    const dest = `${opts.dest}${ext}`;
    let size = 0;
    stream.on('data', (chunk: Buffer) => (size += chunk.length));
    file = handled(pipeline(stream, createWriteStream(dest)).then(async () => {
      if ((stream as unknown as { truncated: boolean }).truncated) {
        await rm(dest, { force: true });
        throw fieldError(413, 'payload_too_large', 'body.file', `larger than the ${Math.round(opts.maxBytes / 1024 / 1024)} MB limit`);
      }
      if (size === 0) {
        await rm(dest, { force: true });
        throw fieldError(400, 'invalid_request', 'body.file', 'the file is empty');
      }
      return { path: dest, originalName: info.filename || `recording${ext}`, sizeBytes: size };
    }));
  });

  await pipeline(req, parser).catch((err) => {
    throw new HttpError(400, 'invalid_request', `malformed multipart body: ${(err as Error).message}`);
  });
  if (!file) throw fieldError(400, 'invalid_request', 'body.file', 'a "file" field with the recording is required');
  return { ...(await file), fields };
}
