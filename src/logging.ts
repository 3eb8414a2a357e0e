import pino from 'pino';
import { config } from './config';

function usePretty(): boolean {
  const { format } = config().log;
  return format === 'pretty' || (format === 'auto' && Boolean(process.stdout.isTTY));
}

/** The one logger: JSON lines by default, readable on a terminal. */
export const logger = pino({
  level: config().log.level,
  base: { pid: process.pid },
  ...(usePretty()
    ? { transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'HH:MM:ss.l' } } }
    : {}),
});

export type Logger = typeof logger;

