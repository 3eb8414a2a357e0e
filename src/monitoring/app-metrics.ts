import type { Request, RequestHandler } from 'express';
import type { Client } from '@temporalio/client';
import type { Config } from '../config';
import { Counter, Gauge, Histogram, PROMETHEUS_CONTENT_TYPE, renderMetrics } from './prometheus';
import { queueHistory } from './queue-history';
import { describeQueues } from './queue-stats';

const httpRequests = new Counter('insight_http_requests_total', 'HTTP requests answered, by method, route pattern and status.');
const httpDuration = new Histogram('insight_http_request_duration_seconds', 'HTTP request latency, by method and route pattern.', [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
]);
export const jobsStarted = new Counter('insight_jobs_started_total', 'Jobs started through the API, by kind and Temporal priority key.');
const backlogCount = new Gauge('insight_queue_backlog_tasks', 'Approximate tasks waiting in a task queue, by queue and task type.');
const backlogAge = new Gauge('insight_queue_backlog_age_seconds', 'Age of the oldest task waiting in a task queue.');
const backlogByPriority = new Gauge('insight_queue_backlog_tasks_by_priority', 'Approximate tasks waiting, by priority key.');
const pollers = new Gauge('insight_queue_pollers', 'Workers the server saw polling a task queue recently.');
const scrapeErrors = new Counter('insight_queue_stats_errors_total', 'Scrapes whose DescribeTaskQueue calls failed.');

const MATCHED_ROUTE = Symbol('matchedRoute');
type Tracked = Request & { [MATCHED_ROUTE]?: string };

/**
 * Records the route pattern (never the raw path: ids in paths would make one series per job) when the
 * router matches it. Read later, `req.baseUrl` is already reset for a request that left its router with
 * an error, so the pattern is captured at the moment Express assigns `req.route`.
 */
export function trackRoute(req: Request): void {
  let route: unknown;
  Object.defineProperty(req, 'route', {
    configurable: true,
    enumerable: true,
    get: () => route,
    set(value: { path: string }) {
      route = value;
      (req as Tracked)[MATCHED_ROUTE] = `${req.baseUrl}${value.path}`.replace(/(.)\/$/, '$1');
    },
  });
}

export function observeRequest(req: Request, status: number, ms: number): void {
  const route = (req as Tracked)[MATCHED_ROUTE] ?? 'unmatched';
  httpRequests.inc({ method: req.method, route, status });
  httpDuration.observe({ method: req.method, route }, ms / 1000);
}

/** GET /metrics: the app's counters, plus queue state asked of Temporal at scrape time. */
export function metricsHandler(deps: { client: Client; cfg: Config }): RequestHandler {
  return async (_req, res) => {
    try {
      const stats = await describeQueues(deps.client, deps.cfg);
      queueHistory.record(stats);
      const labels = (s: (typeof stats)[number]) => ({ queue: s.queue, kind: s.kind, type: s.type });
      backlogCount.replace(stats.map((s) => ({ labels: labels(s), value: s.backlogCount })));
      backlogAge.replace(stats.map((s) => ({ labels: labels(s), value: s.backlogAgeSec })));
      pollers.replace(stats.map((s) => ({ labels: labels(s), value: s.pollers })));
      backlogByPriority.replace(
        stats.flatMap((s) => s.byPriority.map((p) => ({ labels: { ...labels(s), priority: p.priorityKey }, value: p.backlogCount }))),
      );
    } catch {
      // Temporal unreachable: the HTTP metrics are still worth serving; the error counter says why queue series are old.
      scrapeErrors.inc();
    }
    res
      .type(PROMETHEUS_CONTENT_TYPE)
      .send(renderMetrics([httpRequests, httpDuration, jobsStarted, backlogCount, backlogAge, backlogByPriority, pollers, scrapeErrors]));
  };
}
