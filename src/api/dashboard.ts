import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type RequestHandler } from 'express';
import type { Config } from '../config';

const TEMPLATE = readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), 'dashboard.html'), 'utf8');

const attr = (v: string) => v.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * GET /dashboard: one static page, no build step. It holds no data and no key: it shows a login box only,
 * and once the API accepts the key pasted into it (kept in the tab's sessionStorage only) it shows the data
 * its calls with that key bring back. So the page itself needs no auth; the Web UI's address and the
 * namespace, which its job links need, are no secret.
 */
export function dashboardPage(cfg: Config): RequestHandler {
  const page = TEMPLATE.replace('{{WEB_UI}}', attr(cfg.monitoring.webUiUrl)).replace('{{NAMESPACE}}', attr(cfg.temporal.namespace));
  return (_req, res) => {
    res
      .type('html')
      .setHeader('content-security-policy', "default-src 'self'; style-src 'self' 'unsafe-inline'; script-src 'self' 'unsafe-inline'; frame-ancestors 'none'");
    res.send(page);
  };
}

/** /dashboard/vendor/uplot/: the chart library from its npm package, so the page loads nothing from elsewhere. */
export const uplotAssets: RequestHandler = express.static(path.dirname(createRequire(import.meta.url).resolve('uplot')), {
  index: false,
  maxAge: '1d',
});
