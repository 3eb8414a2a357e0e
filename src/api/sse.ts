import type { Request, Response } from 'express';

export interface EventStream {
  /** False once the client has gone or the server has stopped listening (a shutdown must not wait on streams). */
  readonly open: boolean;
  send(event: string, data: unknown, id?: string | number): void;
  comment(text: string): void;
  end(): void;
}

/** Starts a server-sent events response; every stream of the API goes through here. */
export function openEventStream(req: Request, res: Response, opts: { retryMs?: number } = {}): EventStream {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  let clientGone = false;
  // A HEAD has no body to stream: answer the headers and end, or the request would hang (found by the fuzz test).
  if (req.method === 'HEAD') {
    res.end();
    clientGone = true;
  } else if (opts.retryMs !== undefined) res.write(`retry: ${opts.retryMs}\n\n`);
  req.on('close', () => {
    clientGone = true;
  });
  const { server } = req.socket as typeof req.socket & { server?: { listening: boolean } };
  return {
    get open() {
      return !clientGone && server?.listening !== false;
    },
    send(event, data, id) {
      res.write(`${id === undefined ? '' : `id: ${id}\n`}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    },
    comment(text) {
      res.write(`: ${text}\n\n`);
    },
    end: () => res.end(),
  };
}
