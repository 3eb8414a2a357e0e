import path from 'node:path';
import { z } from 'zod';

export const QUEUE_KINDS = ['nlp', 'audio', 'training', 'maintenance', 'notify'] as const;
export type QueueKind = (typeof QUEUE_KINDS)[number];

const bool = z
  .enum(['true', 'false', '1', '0'])
  .transform((v) => v === 'true' || v === '1');
const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();

/** Per-queue worker limits; the defaults suit 2 cores and are documented in the README. */
const QUEUE_DEFAULTS: Record<QueueKind, { activities: number; workflowTasks: number; perSecond: number }> = {
  nlp: { activities: 8, workflowTasks: 20, perSecond: 0 },
  audio: { activities: 2, workflowTasks: 10, perSecond: 0 },
  training: { activities: 1, workflowTasks: 5, perSecond: 0 },
  maintenance: { activities: 2, workflowTasks: 5, perSecond: 0 },
  notify: { activities: 20, workflowTasks: 20, perSecond: 50 },
};

function queueLimitShape() {
  const shape: Record<string, z.ZodType> = {};
  for (const kind of QUEUE_KINDS) {
    const d = QUEUE_DEFAULTS[kind];
    const k = kind.toUpperCase();
    shape[`${k}_MAX_CONCURRENT_ACTIVITIES`] = positiveInt.default(d.activities);
    shape[`${k}_MAX_CONCURRENT_WORKFLOW_TASKS`] = z.coerce.number().int().min(2).default(d.workflowTasks);
    shape[`${k}_MAX_ACTIVITIES_PER_SECOND`] = z.coerce.number().min(0).default(d.perSecond);
  }
  return shape;
}

export const envSchema = z.object({
  TEMPORAL_ADDRESS: z.string().min(1).optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_PORT: port.default(7233),
  TEMPORAL_UI_PORT: port.default(8233),
  TEMPORAL_CLI: z.string().min(1).optional(),
  TASK_QUEUE_PREFIX: z.string().regex(/^[a-z0-9-]*$/, 'lowercase letters, digits and dashes').default(''),
  DATABASE_URL: z.string().url().optional(),
  DATA_DIR: z.string().min(1).default('data'),
  API_PORT: port.default(3000),
  API_BODY_LIMIT: z.string().regex(/^\d+(b|kb|mb)$/i, 'a size such as 1mb or 500kb').default('1mb'),
  MAX_TEXT_CHARS: positiveInt.default(200_000),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  LOG_FORMAT: z.enum(['json', 'pretty', 'auto']).default('auto'),
  ALLOW_TEST_HOOKS: bool.default(false),
  AUDIO_MAX_UPLOAD_MB: positiveInt.default(200),
  AUDIO_CHUNK_SECONDS: z.coerce.number().int().min(5).max(300).default(30),
  AUDIO_PARALLEL_CHUNKS: positiveInt.max(32).default(2),
  SPEECH_ENGINE: z.enum(['auto', 'whisper', 'pocketsphinx']).default('auto'),
  ...queueLimitShape(),
});

export type Env = z.infer<typeof envSchema>;

export interface QueueLimits {
  maxConcurrentActivities: number;
  maxConcurrentWorkflowTasks: number;
  /** 0 means unlimited. */
  maxActivitiesPerSecond: number;
}

export interface Config {
  temporal: {
    /** Set when the processes must connect to an existing cluster instead of starting a dev server. */
    address?: string;
    namespace: string;
    port: number;
    uiPort: number;
    cli?: string;
  };
  taskQueuePrefix: string;
  databaseUrl?: string;
  dataDir: string;
  api: { port: number; bodyLimit: string; maxTextChars: number };
  log: { level: Env['LOG_LEVEL']; format: Env['LOG_FORMAT'] };
  allowTestHooks: boolean;
  audio: {
    maxUploadBytes: number;
    chunkSec: number;
    /** Chunks one job transcribes at once; the audio worker's activity slots cap the whole machine. */
    parallelChunks: number;
    /** 'auto' picks the most accurate engine installed on the worker. */
    engine: Env['SPEECH_ENGINE'];
  };
  queues: Record<QueueKind, QueueLimits>;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment once; every bad variable is reported together. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const e = parsed.data as Env & Record<string, number>;
  const queues = Object.fromEntries(
    QUEUE_KINDS.map((kind) => {
      const k = kind.toUpperCase();
      return [
        kind,
        {
          maxConcurrentActivities: e[`${k}_MAX_CONCURRENT_ACTIVITIES`],
          maxConcurrentWorkflowTasks: e[`${k}_MAX_CONCURRENT_WORKFLOW_TASKS`],
          maxActivitiesPerSecond: e[`${k}_MAX_ACTIVITIES_PER_SECOND`],
        },
      ];
    }),
  ) as Record<QueueKind, QueueLimits>;
  return {
    temporal: {
      address: e.TEMPORAL_ADDRESS,
      namespace: e.TEMPORAL_NAMESPACE,
      port: e.TEMPORAL_PORT,
      uiPort: e.TEMPORAL_UI_PORT,
      cli: e.TEMPORAL_CLI,
    },
    taskQueuePrefix: e.TASK_QUEUE_PREFIX,
    databaseUrl: e.DATABASE_URL,
    dataDir: path.resolve(e.DATA_DIR),
    api: { port: e.API_PORT, bodyLimit: e.API_BODY_LIMIT, maxTextChars: e.MAX_TEXT_CHARS },
    log: { level: e.LOG_LEVEL, format: e.LOG_FORMAT },
    allowTestHooks: e.ALLOW_TEST_HOOKS,
    audio: {
      maxUploadBytes: e.AUDIO_MAX_UPLOAD_MB * 1024 * 1024,
      chunkSec: e.AUDIO_CHUNK_SECONDS,
      parallelChunks: e.AUDIO_PARALLEL_CHUNKS,
      engine: e.SPEECH_ENGINE,
    },
    queues,
  };
}

let cached: Config | undefined;

/** The process-wide configuration, parsed on first use. */
export function config(): Config {
  cached ??= loadConfig();
  return cached;
}

export function taskQueue(kind: QueueKind, cfg: Config = config()): string {
  return cfg.taskQueuePrefix ? `${cfg.taskQueuePrefix}-${kind}` : kind;
}
