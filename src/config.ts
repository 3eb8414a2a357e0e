import path from 'node:path';
import { z } from 'zod';

import { prefixed, QUEUE_KINDS, type QueueKind } from './workflows/identity';

export { QUEUE_KINDS, type QueueKind };

const bool = z
  .enum(['true', 'false', '1', '0'])
  .transform((v) => v === 'true' || v === '1');
const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();
// A Temporal schedule spec: a cron line (5–7 fields, optionally after CRON_TZ=…), @daily-style shorthand, or
// `@every <n><s|m|h|d>[/<offset>]`. The server checks the rest when the schedule is created.
const scheduleSpec = z
  .string()
  .trim()
  .regex(
    /^(?:(?:CRON_TZ|TZ)=\S+\s+)?(?:@(?:yearly|monthly|weekly|daily|hourly)|@every\s+\d+[smhd](?:\/\d+[smhd])?|\S+(?:\s+\S+){4,6})$/,
    'a cron line such as "0 3 * * *", a shorthand such as @daily, or "@every 1h"',
  );

/** Exported for a benchmark that runs the pool before its environment is complete (bench/nlp.ts). */
export const NLP_THREAD_HEAP_MB_DEFAULT = 256;

/** Per-queue worker limits; the defaults suit 2 cores (docs/configuration.md lists them). */
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
    shape[`${k}_MAX_CONCURRENT_ACTIVITIES`] = positiveInt.default(d.activities).describe('activities one worker runs at once');
    shape[`${k}_MAX_CONCURRENT_WORKFLOW_TASKS`] = z.coerce
      .number()
      .int()
      .min(2)
      .default(d.workflowTasks)
      .describe('workflow tasks one worker runs at once');
    shape[`${k}_MAX_ACTIVITIES_PER_SECOND`] = z.coerce
      .number()
      .min(0)
      .default(d.perSecond)
      .describe('rate limit of one worker (0 = unlimited)');
    shape[`${k}_TUNER`] = z
      .enum(['fixed', 'resource'])
      .default('fixed')
      .describe('`fixed`: the slot counts above; `resource`: Temporal\'s resource-based tuner, up to those counts, holding the process to TUNER_TARGET_MEMORY and TUNER_TARGET_CPU');
  }
  return shape;
}

export const envSchema = z.object({
  TEMPORAL_ADDRESS: z.string().min(1).optional().describe('`host:port` of an existing Temporal cluster; when set, no dev server is started'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default').describe('namespace for workflows'),
  TEMPORAL_PORT: port.default(7233).describe('port of the dev server `npm start` runs'),
  TEMPORAL_UI_PORT: port.default(8233).describe('port of its Web UI'),
  TEMPORAL_CLI: z.string().min(1).optional().describe('path of a `temporal` binary to use instead of the one on `PATH` or in `.tools/venv`'),
  TASK_QUEUE_PREFIX: z.string().regex(/^[a-z0-9-]*$/, 'lowercase letters, digits and dashes').default('').describe('prefix of every task queue (`staging` → `staging-nlp`…), to share a namespace'),
  DATABASE_URL: z.string().url().optional().describe('PostgreSQL (with pgvector) URL; unset = embedded PGlite under `DATA_DIR/pglite`'),
  DATA_DIR: z.string().min(1).default('data').describe('this process\'s own local files, never shared between processes: Temporal\'s SQLite file, the embedded database, `dev-api-key`, the working files of audio jobs this worker prepared (`work/`, `audio-host-id`), an upload while it is received'),
  API_PORT: port.default(3000).describe('HTTP port (`0` picks a free one)'),
  API_BODY_LIMIT: z.string().regex(/^\d+(b|kb|mb)$/i, 'a size such as 1mb or 500kb').default('1mb').describe('largest JSON body'),
  MAX_TEXT_CHARS: positiveInt.default(200_000).describe('longest insight text'),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info').describe('`trace` … `fatal`, `silent`'),
  LOG_FORMAT: z.enum(['json', 'pretty', 'auto']).default('auto').describe('`json`, `pretty`, or `auto` (pretty on a terminal, JSON otherwise)'),
  ALLOW_TEST_HOOKS: bool.default(false).describe('accept test-only fields such as `holdMs` (the tests use it to hold a job in flight)'),
  AUDIO_MAX_UPLOAD_MB: positiveInt.default(200).describe('largest audio upload'),
  AUDIO_UPLOAD_IDLE_SECONDS: positiveInt.default(30).describe('an upload that sends nothing for this long is answered 408 and dropped'),
  AUDIO_CHUNK_SECONDS: z.coerce.number().int().min(5).max(300).default(30).describe('target chunk length'),
  AUDIO_PARALLEL_CHUNKS: positiveInt.max(32).default(2).describe('chunks one audio job transcribes at once'),
  SPEECH_ENGINE: z
    .enum(['auto', 'whisper', 'whisper-base', 'pocketsphinx'])
    .default('auto')
    .describe('engine for English speech: `auto` (most accurate installed), `whisper` (tiny.en), `whisper-base` or `pocketsphinx`; Portuguese always uses `whisper-base`'),
  SCHEDULE_CLEANUP: scheduleSpec.default('@every 1h').describe('when temporary-data cleanup runs (a Temporal cron string, see Periodic jobs)'),
  SCHEDULE_NIGHTLY: scheduleSpec.default('0 3 * * *').describe('when nightly maintenance runs (UTC)'),
  SCHEDULE_BACKUP: scheduleSpec.default('30 2 * * *').describe('when the database backup runs (UTC)'),
  SCHEDULE_REPORT: scheduleSpec.default('0 6 * * 1').describe('when the periodic reports are made (Mondays, UTC)'),
  SCHEDULE_ALERTS: scheduleSpec.default('@every 1m').describe('when the alert rules are evaluated, and firing and resolved alerts sent to admins (see Monitoring)'),
  SCHEDULE_TRAINING: scheduleSpec.default('0 4 * * *').describe('when the nightly training run starts (UTC)'),
  TRAINING_MIN_IMPROVEMENT: z.coerce.number().min(-1).max(1).default(0).describe('a candidate is promoted when its held-out accuracy ≥ the active model\'s + this (-1 to 1; `POST /api/training/runs` may override it per run)'),
  TRAINING_LABEL_WEIGHT: positiveInt.max(100).default(5).describe('how many starter examples one user label counts as, in training and in the held-out score'),
  TRAINING_KEEP_MODELS: z.coerce.number().int().min(0).max(1000).default(3).describe('trained models kept besides the active one (the newest; older ones are deleted after each decision; the starter model is always kept)'),
  WORK_DIR_MAX_AGE_HOURS: positiveInt.default(24).describe('an audio working directory with nothing written for this long is removed'),
  UPLOAD_RETENTION_DAYS: positiveInt.default(7).describe('uploads of failed or cancelled audio jobs are removed after this many days'),
  EVENTS_RETENTION_DAYS: positiveInt.default(90).describe('events (and their delivery records) older than this are deleted nightly'),
  BACKUP_DIR: z.string().min(1).optional().describe('directory the backups are written to (a volume or mount other than the app\'s own, so a lost host keeps its backups); unset = `DATA_DIR/backups`'),
  BACKUP_KEEP: positiveInt.default(7).describe('backups kept in `BACKUP_DIR`; older ones are deleted'),
  PG_DUMP: z.string().min(1).optional().describe('pg_dump for PostgreSQL-mode backups (at least the server\'s major version); unset = `pg_dump` on `PATH`'),
  PG_RESTORE: z.string().min(1).optional().describe('pg_restore with which each PostgreSQL-mode backup is verified in a scratch database; unset = the `pg_restore` beside `PG_DUMP` when that is set, else on `PATH`'),
  REPORT_PERIOD_DAYS: positiveInt.max(366).default(7).describe('days one periodic report covers, ending when its run was due'),
  WEBHOOK_TIMEOUT_SECONDS: z.coerce.number().positive().max(300).default(10).describe('how long one delivery attempt waits for the receiver\'s answer'),
  WEBHOOK_MAX_ATTEMPTS: positiveInt.max(100).default(12).describe('attempts at one webhook delivery, the first included'),
  WEBHOOK_RETRY_INITIAL_SECONDS: z.coerce.number().positive().default(5).describe('wait before the first retry; it doubles with each attempt, jittered'),
  WEBHOOK_RETRY_MAX_SECONDS: z.coerce.number().positive().default(1800).describe('longest wait between attempts, `Retry-After` included (at least the initial wait)'),
  DIGEST_WINDOW_SECONDS: z.coerce.number().positive().max(86_400).default(300).describe('how long a digest collects events after its first one'),
  METRICS_PORT: port.default(9464).describe('port of the Temporal SDK\'s Prometheus exporter in each process that runs workers (`0` = off; give each worker process on a machine its own)'),
  TEMPORAL_UI_URL: z.url().optional().describe('where the dashboard links to the Temporal Web UI; unset = `http://localhost:<TEMPORAL_UI_PORT>`'),
  RATE_LIMIT_JOBS_PER_MINUTE: z.coerce.number().positive().default(120).describe('jobs one user may start per minute (insights and audio together); with DATABASE_URL counted in PostgreSQL, so shared by every API process'),
  RATE_LIMIT_BURST: positiveInt.default(20).describe('jobs one user may start at once before the per-minute rate applies'),
  RATE_LIMIT_REQUESTS_PER_MINUTE: z.coerce.number().positive().default(600).describe('other requests one user may make per minute, shared by every API process like the job limit: every POST, PUT and DELETE and every search (`GET /api/insights?q=`); a bucket of its own, beside the job bucket'),
  RATE_LIMIT_REQUESTS_BURST: positiveInt.default(100).describe('such requests one user may make at once before the per-minute rate applies'),
  WEBHOOK_ALLOW_PRIVATE: bool.default(false).describe('let webhooks target loopback, private, link-local and other non-public addresses (for receivers on an internal network; the tests turn it on)'),
  WEBHOOK_ALLOWED_HOSTS: z.string().default('').describe('comma-separated host names or IP addresses that webhooks may target whatever they resolve to (chosen internal receivers)'),
  WEBHOOKS_PER_USER: positiveInt.default(20).describe('active webhooks one user may have'),
  STREAM_TOKEN_SECRET: z.string().min(32, 'at least 32 characters').optional().describe('key that signs stream tokens (`POST /api/stream-tokens`); unset = one generated once and kept in the database, shared by every API process on it'),
  STREAM_TOKEN_TTL_SECONDS: positiveInt.max(86_400).default(600).describe('how long a stream token is valid'),
  CORS_ORIGINS: z.string().default('').describe('comma-separated origins (`https://app.example.com`) that browsers may call `/api` from; empty = no CORS headers'),
  METRICS_TOKEN: z.string().min(1).optional().describe('when set, `/metrics` asks for `Authorization: Bearer <token>`; unset = open'),
  ADAPTIVE_PRIORITY_RUNNING_JOBS: z.coerce.number().int().min(0).default(20).describe('a user with more running jobs gets new jobs one priority step lower (`0` = off)'),
  ALERT_BACKLOG_AGE_SECONDS: z.coerce.number().positive().default(300).describe('`bottleneck` alert when the oldest task of a task queue has waited longer'),
  ALERT_FAILURE_RATE: z.coerce.number().gt(0).max(1).default(0.2).describe('`failure_rate` alert when more than this share of a job kind\'s closed jobs failed in the window'),
  ALERT_FAILURE_WINDOW_MINUTES: positiveInt.default(15).describe('the window of the failure-rate rule'),
  ALERT_FAILURE_MIN_JOBS: positiveInt.default(5).describe('the failure-rate rule needs at least this many closed jobs of the kind in the window'),
  NLP_THREAD_HEAP_MB: positiveInt.min(128).max(16_384).default(NLP_THREAD_HEAP_MB_DEFAULT).describe('old-generation heap of each NLP pool thread: V8 collects before reaching it, so a long-running worker keeps a steady size (a thread that needs more is replaced and its task retried)'),
  TUNER_TARGET_MEMORY: z.coerce.number().gt(0).max(1).default(0.8).describe('share of the host\'s memory that queues with `<QUEUE>_TUNER=resource` stop taking new tasks at'),
  TUNER_TARGET_CPU: z.coerce.number().gt(0).max(1).default(0.9).describe('share of the host\'s CPU that queues with `<QUEUE>_TUNER=resource` stop taking new tasks at'),
  ...queueLimitShape(),
});

export type Env = z.infer<typeof envSchema>;

export interface QueueLimits {
  maxConcurrentActivities: number;
  maxConcurrentWorkflowTasks: number;
  /** 0 means unlimited. */
  maxActivitiesPerSecond: number;
  /** 'resource': the slot counts are ceilings and Temporal's resource-based tuner hands out slots below them. */
  tuner: 'fixed' | 'resource';
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
    /** A client that sends nothing of its upload for this long is cut off (408), so a slow client holds no slot for ever. */
    uploadIdleMs: number;
    chunkSec: number;
    /** Chunks one job transcribes at once; the audio worker's activity slots cap the whole machine. */
    parallelChunks: number;
    /** 'auto' picks the most accurate engine installed on the worker. */
    engine: Env['SPEECH_ENGINE'];
  };
  queues: Record<QueueKind, QueueLimits>;
  /** Heap cap of each NLP pool thread (src/activities/nlp/pool.ts). */
  nlp: { threadHeapMb: number };
  /** Targets of the resource-based tuner (shares of the host's memory and CPU), for queues that use it. */
  tunerTargets: { memory: number; cpu: number };
  maintenance: {
    /** Temporal schedule specs of the periodic jobs (src/schedules.ts). */
    schedules: { cleanup: string; nightly: string; backup: string; report: string; alerts: string };
    workDirMaxAgeHours: number;
    /** Uploads of failed or cancelled audio jobs are kept this long, for a look at what went wrong. */
    uploadRetentionDays: number;
    eventsRetentionDays: number;
    /** Where backups go; DATA_DIR/backups unless BACKUP_DIR says otherwise. */
    backupDir: string;
    backupKeep: number;
    /** pg_dump to use in PostgreSQL mode; `pg_dump` on PATH when unset. */
    pgDump?: string;
    /** pg_restore that verifies PostgreSQL-mode backups; beside pgDump, else on PATH, when unset. */
    pgRestore?: string;
    reportPeriodDays: number;
  };
  training: {
    /** Temporal schedule spec of the nightly training run. */
    schedule: string;
    /** A candidate is promoted when its held-out accuracy is at least the active model's plus this. */
    minImprovement: number;
    /** How many starter examples one user label counts as, in training and in the held-out score. */
    labelWeight: number;
    /** Trained models kept besides the active one, the newest first. */
    keepModels: number;
  };
  notify: {
    webhookTimeoutMs: number;
    /** Tries of one webhook delivery, the first included. */
    maxAttempts: number;
    /** Backoff between tries: doubling from the initial delay up to the maximum, with jitter. */
    retryInitialMs: number;
    retryMaxMs: number;
    digestWindowSec: number;
  };
  monitoring: {
    /** Port of the SDK's Prometheus exporter in processes that run workers; 0 turns it off. */
    sdkMetricsPort: number;
    /** Where the dashboard links to the Temporal Web UI. */
    webUiUrl: string;
    alerts: { backlogAgeSec: number; failureRate: number; failureWindowMin: number; failureMinJobs: number };
  };
  limits: {
    /** Token bucket per user over the job-creating routes: refill rate and capacity. */
    jobsPerMinute: number;
    burst: number;
    /** A user with more running jobs than this gets their new jobs one priority step lower; 0 turns it off. */
    adaptiveRunningJobs: number;
    /** Token bucket per user over every other POST, PUT and DELETE and over search: higher than the job bucket. */
    requestsPerMinute: number;
    requestsBurst: number;
  };
  security: {
    webhooks: { allowPrivate: boolean; allowedHosts: string[]; perUser: number };
    /** Unset: a secret generated once and kept in the database (src/api/stream-tokens.ts). */
    streamTokenSecret?: string;
    streamTokenTtlSec: number;
    corsOrigins: string[];
    metricsToken?: string;
  };
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
  if (e.WEBHOOK_RETRY_MAX_SECONDS < e.WEBHOOK_RETRY_INITIAL_SECONDS) {
    throw new ConfigError(['WEBHOOK_RETRY_MAX_SECONDS: must be at least WEBHOOK_RETRY_INITIAL_SECONDS']);
  }
  const queues = Object.fromEntries(
    QUEUE_KINDS.map((kind) => {
      const k = kind.toUpperCase();
      return [
        kind,
        {
          maxConcurrentActivities: e[`${k}_MAX_CONCURRENT_ACTIVITIES`],
          maxConcurrentWorkflowTasks: e[`${k}_MAX_CONCURRENT_WORKFLOW_TASKS`],
          maxActivitiesPerSecond: e[`${k}_MAX_ACTIVITIES_PER_SECOND`],
          tuner: e[`${k}_TUNER`] as unknown as QueueLimits['tuner'],
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
      uploadIdleMs: e.AUDIO_UPLOAD_IDLE_SECONDS * 1000,
      chunkSec: e.AUDIO_CHUNK_SECONDS,
      parallelChunks: e.AUDIO_PARALLEL_CHUNKS,
      engine: e.SPEECH_ENGINE,
    },
    queues,
    nlp: { threadHeapMb: e.NLP_THREAD_HEAP_MB },
    tunerTargets: { memory: e.TUNER_TARGET_MEMORY, cpu: e.TUNER_TARGET_CPU },
    maintenance: {
      schedules: {
        cleanup: e.SCHEDULE_CLEANUP,
        nightly: e.SCHEDULE_NIGHTLY,
        backup: e.SCHEDULE_BACKUP,
        report: e.SCHEDULE_REPORT,
        alerts: e.SCHEDULE_ALERTS,
      },
      workDirMaxAgeHours: e.WORK_DIR_MAX_AGE_HOURS,
      uploadRetentionDays: e.UPLOAD_RETENTION_DAYS,
      eventsRetentionDays: e.EVENTS_RETENTION_DAYS,
      backupDir: path.resolve(e.BACKUP_DIR ?? path.join(e.DATA_DIR, 'backups')),
      backupKeep: e.BACKUP_KEEP,
      pgDump: e.PG_DUMP,
      pgRestore: e.PG_RESTORE,
      reportPeriodDays: e.REPORT_PERIOD_DAYS,
    },
    training: {
      schedule: e.SCHEDULE_TRAINING,
      minImprovement: e.TRAINING_MIN_IMPROVEMENT,
      labelWeight: e.TRAINING_LABEL_WEIGHT,
      keepModels: e.TRAINING_KEEP_MODELS,
    },
    notify: {
      webhookTimeoutMs: e.WEBHOOK_TIMEOUT_SECONDS * 1000,
      maxAttempts: e.WEBHOOK_MAX_ATTEMPTS,
      retryInitialMs: e.WEBHOOK_RETRY_INITIAL_SECONDS * 1000,
      retryMaxMs: e.WEBHOOK_RETRY_MAX_SECONDS * 1000,
      digestWindowSec: e.DIGEST_WINDOW_SECONDS,
    },
    monitoring: {
      sdkMetricsPort: e.METRICS_PORT,
      webUiUrl: e.TEMPORAL_UI_URL ?? `http://localhost:${e.TEMPORAL_UI_PORT}`,
      alerts: {
        backlogAgeSec: e.ALERT_BACKLOG_AGE_SECONDS,
        failureRate: e.ALERT_FAILURE_RATE,
        failureWindowMin: e.ALERT_FAILURE_WINDOW_MINUTES,
        failureMinJobs: e.ALERT_FAILURE_MIN_JOBS,
      },
    },
    limits: {
      jobsPerMinute: e.RATE_LIMIT_JOBS_PER_MINUTE,
      burst: e.RATE_LIMIT_BURST,
      adaptiveRunningJobs: e.ADAPTIVE_PRIORITY_RUNNING_JOBS,
      requestsPerMinute: e.RATE_LIMIT_REQUESTS_PER_MINUTE,
      requestsBurst: e.RATE_LIMIT_REQUESTS_BURST,
    },
    security: {
      webhooks: { allowPrivate: e.WEBHOOK_ALLOW_PRIVATE, allowedHosts: list(e.WEBHOOK_ALLOWED_HOSTS).map((h) => h.toLowerCase()), perUser: e.WEBHOOKS_PER_USER },
      streamTokenSecret: e.STREAM_TOKEN_SECRET,
      streamTokenTtlSec: e.STREAM_TOKEN_TTL_SECONDS,
      corsOrigins: list(e.CORS_ORIGINS),
      metricsToken: e.METRICS_TOKEN,
    },
  };
}

function list(value: string): string[] {
  return value
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);
}

let cached: Config | undefined;

/** The process-wide configuration, parsed on first use. */
export function config(): Config {
  cached ??= loadConfig();
  return cached;
}

export function taskQueue(kind: QueueKind, cfg: Config = config()): string {
  return prefixed(cfg.taskQueuePrefix, kind);
}
