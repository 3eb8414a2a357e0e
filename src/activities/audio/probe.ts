import { stat } from 'node:fs/promises';
import ffmpeg from 'fluent-ffmpeg';

/** The input itself is unusable (not audio, empty, corrupt): retrying cannot help. */
export class AudioInputError extends Error {
  override name = 'AudioInputError';
}

export interface AudioInfo {
  durationSec: number;
  codec: string;
  channels: number;
  sampleRate: number;
  format: string;
}

export async function probeAudio(path: string): Promise<AudioInfo> {
  const { size } = await stat(path);
  if (size === 0) throw new AudioInputError('the file is empty');

  const data = await new Promise<ffmpeg.FfprobeData>((resolve, reject) => {
    ffmpeg.ffprobe(path, ['-v', 'error'], (err, result) => (err ? reject(toInputError(err)) : resolve(result)));
  });

  const stream = data.streams.find((s) => s.codec_type === 'audio');
  if (!stream) throw new AudioInputError('the file is not audio: no audio stream found');

  const durationSec = Number(data.format.duration ?? stream.duration);
  if (!Number.isFinite(durationSec) || durationSec <= 0) {
    throw new AudioInputError('the recording is empty or corrupt: it has no playable duration');
  }
  return {
    durationSec,
    codec: stream.codec_name ?? 'unknown',
    channels: stream.channels ?? 0,
    sampleRate: Number(stream.sample_rate ?? 0),
    format: data.format.format_name ?? 'unknown',
  };
}

// Only a verdict of ffprobe on the content is the user's problem; a missing binary or a crash stays retryable.
function toInputError(err: Error): Error {
  if (!/ffprobe exited with code/.test(err.message)) return err;
  // ffprobe prefixes its message with the file path, which tells the user nothing.
  const detail = err.message.split('\n').slice(1).join(' ').trim().split(': ').pop();
  const reason = 'the file is not a recognised audio format, or it is corrupt';
  return new AudioInputError(detail ? `${reason} (${detail})` : reason);
}
