import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import type { Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { ChunkTranscript, DetectedLanguage, DetectOptions, SpeechEngine, TranscribeOptions, TranscriptSegment } from './types';
import { ensureWhisperBase, ensureWhisperVenv, isWhisperBaseProvisioned, isWhisperProvisioned } from './whisper-setup';

const SERVER_SCRIPT = fileURLToPath(new URL('../../../../python/whisper_server.py', import.meta.url));

export interface WhisperOptions {
  /** Threads per transcription inside CTranslate2. */
  cpuThreads?: number;
  /** Transcriptions the one Python process runs at the same time. */
  workers?: number;
  beamSize?: number;
  /** How long a cancelled chunk may keep decoding before the process is killed (and restarted for the others). */
  cancelGraceMs?: number;
}

interface Request {
  op: 'transcribe' | 'detect';
  path: string;
  language?: string;
  candidates?: string[];
}

interface Pending {
  id: string;
  request: Request;
  resolve: (reply: Reply & { ok: true }) => void;
  reject: (e: unknown) => void;
  detach: () => void;
}

type Reply =
  | { id: string; ok: true; text: string; segments: TranscriptSegment[] }
  | { id: string; ok: true; language: string; probability: number; method: DetectedLanguage['method'] }
  | { id: string; ok: false; cancelled: boolean; error: string };

/** Which weights a Whisper engine runs, and how its Python process is provisioned. */
interface WhisperModelSpec {
  name: 'whisper' | 'whisper-base';
  typicalRealTimeFactor: number;
  /** The language a request without one is transcribed in; undefined for a multilingual model, which detects. */
  onlyLanguage?: string;
  provision: () => Promise<{ python: string; modelDir?: string }>;
}

const TINY_EN: WhisperModelSpec = {
  name: 'whisper',
  // Measured by bench/audio-compute.ts (tiny.en, int8, beam 5, one thread, 30 s chunks): 0.04-0.065.
  typicalRealTimeFactor: 0.05,
  onlyLanguage: 'en',
  provision: async () => ({ python: await ensureWhisperVenv() }),
};

const BASE: WhisperModelSpec = {
  name: 'whisper-base',
  // bench/audio-compute.ts --languages (int8, beam 5, one thread, 2 chunks at once): base takes 1.6x tiny.en's time
  // on English (0.08) and 1.7x more per audio second on Portuguese; seeded with Portuguese's, what it mostly runs.
  typicalRealTimeFactor: 0.12,
  provision: ensureWhisperBase,
};

export const isWhisperAvailable = isWhisperProvisioned;
export const isWhisperBaseAvailable = isWhisperBaseProvisioned;

const shared = new Map<WhisperModelSpec['name'], SpeechEngine>();

/**
 * The process-wide Whisper engine of a model (tiny.en by default): one Python process, started on the first
 * transcription and fed chunk by chunk, so the model loads once per Node process. Options count only on the
 * first call.
 */
export function getWhisperEngine(options: WhisperOptions = {}, model: 'whisper' | 'whisper-base' = 'whisper'): SpeechEngine {
  let engine = shared.get(model);
  if (!engine) {
    engine = model === 'whisper' ? createWhisperEngine(options) : createWhisperBaseEngine(options);
    shared.set(model, engine);
  }
  return engine;
}

/** The process-wide engines started so far, for a worker's shutdown. */
export const startedWhisperEngines = (): SpeechEngine[] => [...shared.values()];

/** An engine with its own Python process, for benchmarks and tests that compare settings side by side. */
export function createWhisperEngine(options: WhisperOptions = {}): SpeechEngine {
  return new WhisperEngine(TINY_EN, options);
}

/** Whisper base (multilingual), with its own Python process. */
export function createWhisperBaseEngine(options: WhisperOptions = {}): SpeechEngine {
  return new WhisperEngine(BASE, options);
}

class WhisperEngine implements SpeechEngine {
  readonly name: WhisperModelSpec['name'];
  readonly typicalRealTimeFactor: number;

  private child?: ChildProcessWithoutNullStreams;
  private starting?: Promise<ChildProcessWithoutNullStreams>;
  private readonly pending = new Map<string, Pending>();
  private readonly cancelTimers = new Map<string, NodeJS.Timeout>();
  // Requests the current child has been sent; a cancel for anything else has nothing to stop.
  private written = new Set<string>();
  private stderrTail: string[] = [];
  private nextId = 0;

  constructor(
    private readonly model: WhisperModelSpec,
    private readonly options: WhisperOptions,
  ) {
    this.name = model.name;
    this.typicalRealTimeFactor = model.typicalRealTimeFactor;
  }

  async transcribe(wavPath: string, { signal, language }: TranscribeOptions = {}): Promise<ChunkTranscript> {
    const { onlyLanguage } = this.model;
    if (onlyLanguage && language && language !== onlyLanguage) {
      throw new Error(`the ${this.name} engine transcribes ${onlyLanguage} only, not ${language}`);
    }
    const reply = await this.request({ op: 'transcribe', path: wavPath, language: language ?? onlyLanguage }, signal);
    if (!('text' in reply)) throw new Error(`whisper answered a transcription of ${wavPath} with no text`);
    return { text: reply.text, segments: reply.segments };
  }

  async detectLanguage(wavPath: string, { signal, candidates }: DetectOptions): Promise<DetectedLanguage> {
    if (this.model.onlyLanguage) throw new Error(`the ${this.name} engine knows ${this.model.onlyLanguage} only and detects nothing`);
    const reply = await this.request({ op: 'detect', path: wavPath, candidates }, signal);
    if (!('language' in reply)) throw new Error(`whisper answered a language detection of ${wavPath} with no language`);
    return { language: reply.language, probability: reply.probability, method: reply.method };
  }

  private request(request: Request, signal?: AbortSignal): Promise<Reply & { ok: true }> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    const id = String(++this.nextId);
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        this.settle(id);
        reject(signal?.reason);
        this.cancel(id);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const detach = () => signal?.removeEventListener('abort', onAbort);
      this.pending.set(id, { id, request, resolve, reject, detach });
      this.updateRef();
      void this.send(id);
    });
  }

  async close(): Promise<void> {
    const child = this.child;
    this.detachChild();
    for (const id of [...this.pending.keys()]) this.settle(id)?.reject(new Error('the whisper engine was closed'));
    if (child) {
      const exited = new Promise((r) => child.once('exit', r));
      child.ref(); // an idle child is unref'd, and this wait alone must keep Node running
      child.kill('SIGKILL');
      await exited;
    }
  }

  private async send(id: string): Promise<void> {
    let child: ChildProcessWithoutNullStreams;
    try {
      child = await this.process();
    } catch (error) {
      this.settle(id)?.reject(error);
      return;
    }
    const entry = this.pending.get(id);
    if (!entry || child !== this.child) return;
    child.stdin.write(`${JSON.stringify({ id, ...entry.request })}\n`);
    this.written.add(id);
  }

  private cancel(id: string): void {
    const child = this.child;
    if (!child || !this.written.delete(id)) return;
    child.stdin.write(`${JSON.stringify({ id, op: 'cancel' })}\n`);
    // Python checks for cancellation only between decoded 30 s windows; if that is too slow, stop it the hard way.
    const timer = setTimeout(() => {
      this.cancelTimers.delete(id);
      if (this.child === child) this.restart(child);
    }, this.options.cancelGraceMs ?? 1000);
    this.cancelTimers.set(id, timer);
    this.updateRef();
  }

  private restart(child: ChildProcessWithoutNullStreams): void {
    this.detachChild();
    child.kill('SIGKILL');
    for (const id of this.pending.keys()) void this.send(id);
  }

  private process(): Promise<ChildProcessWithoutNullStreams> {
    if (this.child) return Promise.resolve(this.child);
    this.starting ??= this.spawnServer().finally(() => (this.starting = undefined));
    return this.starting;
  }

  private async spawnServer(): Promise<ChildProcessWithoutNullStreams> {
    const { python, modelDir } = await this.model.provision();
    const { cpuThreads = 1, workers = 2, beamSize = 5 } = this.options;
    const child = spawn(python, [SERVER_SCRIPT], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: {
        ...process.env,
        HF_HUB_OFFLINE: '1',
        ...(modelDir ? { WHISPER_MODEL_DIR: modelDir } : {}),
        WHISPER_CPU_THREADS: String(cpuThreads),
        WHISPER_WORKERS: String(workers),
        WHISPER_BEAM_SIZE: String(beamSize),
      },
    });
    this.child = child;
    this.stderrTail = [];
    // A dead process surfaces through 'exit'; writes to its closed stdin must not crash Node meanwhile.
    child.stdin.on('error', () => {});
    createInterface({ input: child.stdout }).on('line', (line) => this.onLine(line));
    createInterface({ input: child.stderr }).on('line', (line) => {
      this.stderrTail = [...this.stderrTail.slice(-19), line];
    });
    child.on('error', (error) => this.onExit(child, error.message));
    child.on('exit', (code, signal) => this.onExit(child, signal ? `killed by ${signal}` : `exited with code ${code}`));
    this.updateRef();
    return child;
  }

  private onLine(line: string): void {
    let reply: Reply | { event: string };
    try {
      reply = JSON.parse(line);
    } catch {
      return; // a stray print from a library; the protocol lines are all JSON
    }
    if (!('id' in reply)) return;
    clearTimeout(this.cancelTimers.get(reply.id));
    this.cancelTimers.delete(reply.id);
    this.written.delete(reply.id);
    const entry = this.settle(reply.id);
    if (entry && reply.ok) entry.resolve(reply);
    else if (entry && !reply.ok) entry.reject(new Error(`whisper failed on ${entry.request.path}: ${reply.error}`));
    this.updateRef();
  }

  private onExit(child: ChildProcessWithoutNullStreams, how: string): void {
    if (this.child !== child) return; // already replaced on purpose
    this.detachChild();
    const detail = this.stderrTail.slice(-5).join('\n');
    for (const id of [...this.pending.keys()]) {
      this.settle(id)?.reject(new Error(`the whisper process ${how}${detail ? `: ${detail}` : ''}`));
    }
  }

  private detachChild(): void {
    this.child = undefined;
    this.written = new Set();
    for (const timer of this.cancelTimers.values()) clearTimeout(timer);
    this.cancelTimers.clear();
  }

  private settle(id: string): Pending | undefined {
    const entry = this.pending.get(id);
    this.pending.delete(id);
    entry?.detach();
    this.updateRef();
    return entry;
  }

  // An idle engine must not keep Node alive; a busy one must, or a lone await on a transcription could exit.
  private updateRef(): void {
    const child = this.child;
    if (!child) return;
    const busy = this.pending.size > 0 || this.cancelTimers.size > 0;
    for (const handle of [child, child.stdout as unknown as Socket, child.stderr as unknown as Socket, child.stdin as unknown as Socket]) {
      if (busy) handle.ref();
      else handle.unref();
    }
  }
}
