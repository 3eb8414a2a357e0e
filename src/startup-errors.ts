import { ConfigError } from './config';
import { DataDirInUseError, MissingExtensionError } from './db/errors';
import { MissingToolError } from './tools/venv';

/**
 * Imported first by every entry point. A bad configuration, a missing tool or a database it cannot open
 * ends the process with its message alone (what to set, install or stop), not a stack trace. Anything else
 * that reaches here (an unhandled rejection, an uncaught exception) is a bug: it is logged as fatal with
 * its stack and where it came from, and the process exits non-zero, because its state can no longer be
 * trusted; the work it held is Temporal's, so a restart resumes it.
 */
let ending = false;

function fatal(origin: 'uncaughtException' | 'unhandledRejection') {
  return (err: unknown) => {
    // A rejection that another listener rethrows comes back as an exception: it is the same bug, already being reported.
    if (ending) return;
    ending = true;
    if (err instanceof ConfigError || err instanceof MissingToolError || err instanceof DataDirInUseError || err instanceof MissingExtensionError) {
      console.error(err.message);
      process.exit(1);
    }
    // The logger reads the configuration, so it is loaded only now: a bad configuration must not hide behind it.
    const exit = () => process.exit(1);
    setTimeout(exit, 2_000).unref();
    import('./logging')
      .then(({ logger }) => {
        logger.fatal({ err, origin, pid: process.pid }, `${origin}: a bug; exiting so a restart begins clean`);
        logger.flush(exit);
      })
      .catch(() => {
        console.error(`[fatal] ${origin}:`, err);
        exit();
      });
  };
}
// A capture callback, not an 'uncaughtException' listener: the speech and embedding WASM runtimes add listeners
// that rethrow, and a throw from any listener ends the process at once (exit 7, a raw stack, nothing logged).
process.setUncaughtExceptionCaptureCallback(fatal('uncaughtException'));
process.on('unhandledRejection', fatal('unhandledRejection'));
