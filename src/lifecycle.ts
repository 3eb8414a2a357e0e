import { logger } from './logging';

type Step = { name: string; run: () => Promise<unknown> | unknown };

const FORCE_EXIT_AFTER_MS = 30_000;

/**
 * Ordered shutdown on SIGINT/SIGTERM: steps run in the order they were registered (API first, then
 * workers, then connections, then the server). Repeated signals are ignored, because Ctrl-C reaches
 * this process both from the terminal and relayed by npm; a shutdown that hangs is cut off after 30 s.
 */
export function onShutdown(steps: Step[]): void {
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    setTimeout(() => {
      logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, FORCE_EXIT_AFTER_MS).unref();
    for (const step of steps) {
      try {
        await step.run();
        logger.info(`stopped: ${step.name}`);
      } catch (err) {
        logger.error({ err }, `failed to stop: ${step.name}`);
      }
    }
    // 0 for a stop asked from outside; a step that found a failure (workers that could not start) set 1.
    process.exit();
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}
