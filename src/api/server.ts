import type { Server } from 'node:http';
import { sampleQueues } from '../monitoring/queue-history';
import { createApp, type ApiDeps } from './app';

export function listen(deps: ApiDeps): Promise<Server> {
  return new Promise((resolve, reject) => {
    // Express 5 calls this back on a listen error as well.
    const server = createApp(deps).listen(deps.cfg.api.port, (err?: Error) => {
      if (err) return reject(err);
      // The dashboard's backlog charts need a past that Temporal does not keep.
      server.once('close', sampleQueues(deps.client, deps.cfg));
      resolve(server);
    });
    // Longer than the usual client and proxy idle timeouts (60 s): the server must not close a kept-alive
    // connection just as a client reuses it (ECONNRESET). Headers may take a moment longer than that.
    server.keepAliveTimeout = 65_000;
    server.headersTimeout = 66_000;
    server.once('error', reject);
  });
}

/** Stops accepting connections and waits for requests in flight. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}
