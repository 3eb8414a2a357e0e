import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Request } from 'express';
import busboy, { type Busboy } from 'busboy';
import { HttpError } from './errors';

export interface Upload {
  path: string;
  originalName: string;
  sizeBytes: number;
  fields: Record<string, string>;
}

const AUDIO_EXTENSIONS = new Set(['.wav', '.mp3', '.ogg', '.oga', '.opus', '.flac', '.m4a', '.mp4', '.aac', '.webm']);
/** The form fields are short options (engine, priority); anything longer is a mistake or an attack. */
const MAX_FIELD_BYTES = 64 * 1024;
const MAX_FIELDS = 10;

const fieldError = (status: number, code: string, field: string, message: string) =>
  new HttpError(status, code, `${field}: ${message}`, { fields: [{ field, message }] });

/**
 * Streams one multipart file field to `dest` (never held in memory), with the other fields as strings.
 *
 * Every stream of the request is awaited here, so no parser or disk error can surface later as an
 * unhandled rejection: the request's end or abort, busboy's end, and the file's write pipeline. Any
 * failure answers a 4xx naming the problem (413 too large, 415 not audio, 408 a client that stops
 * sending) and removes the partial file.
 */
export async function receiveAudioUpload(
  req: Request,
  opts: { dest: string; maxBytes: number; idleTimeoutMs: number },
): Promise<Upload> {
  if (!req.is('multipart/form-data')) {
    throw new HttpError(415, 'unsupported_media_type', 'send the recording as multipart/form-data with a "file" field');
  }
  let parser: Busboy;
  try {
    parser = busboy({
      headers: req.headers,
      limits: { files: 1, fields: MAX_FIELDS, parts: MAX_FIELDS + 1, fieldSize: MAX_FIELD_BYTES, fileSize: opts.maxBytes },
    });
  } catch (err) {
    // busboy checks the content-type synchronously: no boundary, or a boundary it cannot read.
    throw fieldError(400, 'invalid_request', 'headers.content-type', `${(err as Error).message}; send multipart/form-data with its boundary`);
  }
  await mkdir(path.dirname(opts.dest), { recursive: true });

  const fields: Record<string, string> = {};
  // The first problem found is the one answered; parsing goes on to the end of the body so the answer can be sent.
  let problem: HttpError | undefined;
  const fail = (err: HttpError) => void (problem ??= err);
  let written: Promise<Omit<Upload, 'fields'>> | undefined;
  let dest: string | undefined;

  parser.on('field', (name, value, info) => {
    if (info.nameTruncated || info.valueTruncated) fail(fieldError(413, 'payload_too_large', `body.${name}`, `longer than ${MAX_FIELD_BYTES} bytes`));
    else fields[name] = value;
  });
  parser.on('filesLimit', () => fail(fieldError(400, 'invalid_request', 'body.file', 'send one file per upload')));
  parser.on('fieldsLimit', () => fail(new HttpError(400, 'invalid_request', `body: more than ${MAX_FIELDS} form fields`)));
  parser.on('partsLimit', () => fail(new HttpError(400, 'invalid_request', `body: more than ${MAX_FIELDS + 1} form parts`)));
  // A part we do not keep is drained; its stream still errors when the body ends early, and the parser's own
  // error answers that, so the part's is dropped rather than left unhandled.
  const discard = (stream: NodeJS.ReadableStream) => {
    stream.on('error', () => undefined);
    stream.resume();
  };
  parser.on('file', (name, stream, info) => {
    if (name !== 'file' || written) {
      discard(stream);
      fail(fieldError(400, 'invalid_request', `body.${name}`, 'send one file, in the "file" field'));
      return;
    }
    const ext = path.extname(info.filename ?? '').toLowerCase();
    if (!AUDIO_EXTENSIONS.has(ext) && !info.mimeType.startsWith('audio/')) {
      discard(stream);
      fail(fieldError(415, 'unsupported_media_type', 'body.file', `not an audio file (${info.filename || 'no name'}, ${info.mimeType}); send wav, mp3, ogg/opus, flac or m4a`));
      return;
    }
    const target = `${opts.dest}${ext}`;
    dest = target;
    let size = 0;
    const count = new Transform({
      transform(chunk: Buffer, _enc, done) {
        size += chunk.length;
        done(null, chunk);
      },
    });
    written = pipeline(stream, count, createWriteStream(target)).then(() => {
      if ((stream as unknown as { truncated: boolean }).truncated) {
        throw fieldError(413, 'payload_too_large', 'body.file', `larger than the ${Math.round(opts.maxBytes / 1024 / 1024)} MB limit`);
      }
      if (size === 0) throw fieldError(400, 'invalid_request', 'body.file', 'the file is empty');
      return { path: target, originalName: info.filename || `recording${ext}`, sizeBytes: size };
    });
    // Settled below, after the body has been read; this keeps a failure in between from counting as unhandled.
    written.catch(() => undefined);
  });

  try {
    await readBody(req, parser, opts.idleTimeoutMs);
    if (!written && !problem) fail(fieldError(400, 'invalid_request', 'body.file', 'a "file" field with the recording is required'));
    const file = await written?.catch((err: unknown) => {
      fail(err instanceof HttpError ? err : new HttpError(400, 'invalid_request', `body.file: ${(err as Error).message}`));
      return undefined;
    });
    if (problem || !file) throw problem;
    return { ...file, fields };
  } catch (err) {
    // The write pipeline is destroyed with the parser, so it has settled (or will at once): then the partial file goes.
    await written?.catch(() => undefined);
    if (dest) await rm(dest, { force: true });
    throw err;
  }
}

/**
 * Feeds the request into busboy and resolves when busboy has seen the whole form. Rejects with a 4xx when
 * the form is malformed, the client goes away, or it sends nothing for `idleTimeoutMs`; busboy is then
 * destroyed, which destroys the file stream it feeds.
 */
function readBody(req: Request, parser: Busboy, idleTimeoutMs: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let settled = false;
    const finish = (err?: HttpError) => {
      if (settled) return;
      settled = true;
      clearTimeout(idle);
      req.off('data', onData);
      if (!err) return resolve();
      req.unpipe(parser);
      parser.destroy();
      // Stop reading what is left of the body; the connection closes after the answer.
      req.resume();
      req.res?.setHeader('connection', 'close');
      reject(err);
    };
    const idle = setTimeout(
      () => finish(new HttpError(408, 'request_timeout', `body: nothing received for ${Math.round(idleTimeoutMs / 1000)} s; the upload was abandoned`)),
      idleTimeoutMs,
    );
    const onData = () => idle.refresh();
    req.on('data', onData);
    parser.once('close', () => finish());
    // `on`, not `once`: busboy may emit a second error while it is destroyed after the first.
    parser.on('error', (err: Error) => finish(new HttpError(400, 'invalid_request', `body: malformed multipart form (${err.message})`)));
    req.on('error', (err) => finish(new HttpError(400, 'invalid_request', `body: the upload was interrupted (${err.message})`)));
    req.once('close', () => {
      if (!req.complete) finish(new HttpError(400, 'invalid_request', 'body: the client closed the connection before the upload ended'));
    });
    req.pipe(parser);
  });
}
