import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RequestHandler } from 'express';

const PAGE = readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), 'dashboard.html'), 'utf8');

/**
 * GET /dashboard: one static page, no build step. It holds no data and no key: it shows a login box only,
 * and once the API accepts the key pasted into it (kept in the tab's sessionStorage only) it shows the data
 * its calls with that key bring back. So the page itself needs no auth.
 */
export const dashboardPage: RequestHandler = (_req, res) => {
  res.type('html').setHeader('content-security-policy', "default-src 'self'; style-src 'unsafe-inline'; script-src 'unsafe-inline'");
  res.send(PAGE);
};
