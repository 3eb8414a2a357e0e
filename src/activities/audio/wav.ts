import { open } from 'node:fs/promises';

export interface WavLayout {
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  dataOffset: number;
  dataBytes: number;
  durationSec: number;
}

/** Reads a PCM WAV header: chunk durations come from the samples themselves, exact to the sample. */
export async function readWavLayout(path: string): Promise<WavLayout> {
  const file = await open(path, 'r');
  try {
    const { size } = await file.stat();
    const head = Buffer.alloc(Math.min(size, 64 * 1024));
    await file.read(head, 0, head.length, 0);
    if (head.toString('ascii', 0, 4) !== 'RIFF' || head.toString('ascii', 8, 12) !== 'WAVE') {
      throw new Error(`${path} is not a WAV file`);
    }
    let format: { sampleRate: number; channels: number; bitsPerSample: number } | undefined;
    for (let pos = 12; pos + 8 <= head.length; ) {
      const id = head.toString('ascii', pos, pos + 4);
      const declared = head.readUInt32LE(pos + 4);
      if (id === 'fmt ') {
        format = {
          channels: head.readUInt16LE(pos + 10),
          sampleRate: head.readUInt32LE(pos + 12),
          bitsPerSample: head.readUInt16LE(pos + 22),
        };
      } else if (id === 'data') {
        if (!format) break;
        const dataOffset = pos + 8;
        // A writer that was cut off leaves 0 or 0xFFFFFFFF here; the file size is the truth then.
        const available = size - dataOffset;
        const dataBytes = declared === 0 || declared === 0xffffffff ? available : Math.min(declared, available);
        const bytesPerSec = format.sampleRate * format.channels * (format.bitsPerSample / 8);
        return { ...format, dataOffset, dataBytes, durationSec: dataBytes / bytesPerSec };
      }
      pos += 8 + declared + (declared % 2);
    }
    throw new Error(`${path} has no fmt/data chunk`);
  } finally {
    await file.close();
  }
}
