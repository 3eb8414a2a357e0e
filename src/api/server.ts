import type { Server } from 'node:http';
import { createApp, type ApiDeps } from './app';

export function listen(deps: ApiDeps): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createApp(deps).listen(deps.cfg.api.port, () => resolve(server));
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
