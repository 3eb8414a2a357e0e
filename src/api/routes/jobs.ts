import { Router, type Request } from 'express';
import type { Client } from '@temporalio/client';
import type { Db } from '../../db';
import { isAdmin } from '../../users';
import { cancelSignal } from '../../workflows/identity';
import { jobFailure, retryJob } from '../dead-letters';
import { HttpError, notFound, parse } from '../errors';
import { describeJob, getJob, listJobs, statusOf, type Viewer } from '../jobs';
import { cancelBody, jobIdParams, listJobsQuery, retryBody } from '../schemas';
import { USER_ID } from '../../temporal/search-attributes';
import { jobEvents } from './job-events';

export function jobRoutes(deps: { client: Client; db: Db }): Router {
  const router = Router();
  const viewerOf = async (req: Request): Promise<Viewer> => ({ userId: req.userId, admin: await isAdmin(deps.db, req.userId) });

  router.get('/', async (req, res) => {
    const filter = parse(listJobsQuery, req.query, 'query');
    if (filter.scope === 'all' && !(await isAdmin(deps.db, req.userId))) {
      throw new HttpError(403, 'forbidden', 'query.scope=all (every user’s jobs) is for admin users only');
    }
    res.json({ jobs: await listJobs(deps.client, req.userId, filter) });
  });

  router.get('/:jobId', async (req, res) => {
    const { jobId } = parse(jobIdParams, req.params, 'params');
    const job = await getJob(deps.client, jobId, await viewerOf(req));
    if (!job) throw notFound(`job ${jobId}`);
    res.json(job);
  });

  router.get('/:jobId/events', jobEvents(deps));

  router.post('/:jobId/cancel', async (req, res) => {
    const { jobId } = parse(jobIdParams, req.params, 'params');
    const { reason } = parse(cancelBody, req.body ?? {}, 'body');
    const job = await getJob(deps.client, jobId, await viewerOf(req));
    if (!job) throw notFound(`job ${jobId}`);
    if (job.status !== 'queued' && job.status !== 'running') {
      throw new HttpError(409, 'job_closed', `job ${jobId} is already ${job.status}`);
    }
    await deps.client.workflow.getHandle(jobId).signal(cancelSignal, reason);
    res.status(202).json({ jobId, status: 'cancelling' });
  });

  /** A failed job's work again, as a new job linked to it; the failed one stays as it was, for the record. */
  router.post('/:jobId/retry', async (req, res) => {
    const { jobId } = parse(jobIdParams, req.params, 'params');
    parse(retryBody, req.body ?? {}, 'body');
    const info = await describeJob(deps.client, jobId, await viewerOf(req));
    if (!info) throw notFound(`job ${jobId}`);
    const status = statusOf(info);
    if (status !== 'failed') {
      throw new HttpError(409, 'job_not_failed', `job ${jobId} is ${status}: only failed, terminated or timed-out jobs can be retried`, { jobId, status });
    }
    const failure = await jobFailure(deps.client, jobId);
    if (!failure) throw new HttpError(409, 'input_gone', `job ${jobId} cannot be retried: its history no longer holds its start`, { jobId });
    const newId = await retryJob(deps, jobId, failure, info.typedSearchAttributes.get(USER_ID));
    res.status(202).location(`/api/jobs/${newId}`).json({ jobId: newId, retryOf: jobId });
  });

  return router;
}
