import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';
import { config } from '../config';
import { logger } from '../logging';

const LEVELS: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

const SDK_LEVEL: Record<ReturnType<typeof config>['log']['level'], LogLevel> = {
  trace: 'TRACE',
  debug: 'DEBUG',
  info: 'INFO',
  warn: 'WARN',
  error: 'ERROR',
  fatal: 'ERROR',
  silent: 'ERROR',
};

let installed = false;

/**
 * Routes the SDK's logs (worker, activity and workflow loggers) into pino, so their lines carry the
 * SDK's metadata: workflowId, runId, activityType, attempt, taskQueue. Must run before the first worker.
 * With METRICS_PORT set, the SDK's own metrics (task slots, poll and schedule-to-start latencies,
 * sticky cache) are served for Prometheus at :METRICS_PORT/metrics: one port per worker process.
 */
export function installTemporalRuntime(): void {
  if (installed) return;
  installed = true;
  const { sdkMetricsPort } = config().monitoring;
  Runtime.install({
    logger: new DefaultLogger(SDK_LEVEL[config().log.level], ({ level, message, meta }) => {
      logger[LEVELS[level]]({ ...meta, source: 'temporal' }, message);
    }),
    telemetryOptions: sdkMetricsPort
      ? { metrics: { prometheus: { bindAddress: `0.0.0.0:${sdkMetricsPort}`, countersTotalSuffix: true, useSecondsForDurations: true } } }
      : undefined,
  });
}
