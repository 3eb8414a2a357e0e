import { Router } from 'express';
import type { Client } from '@temporalio/client';
import { cancelSignal } from '../../workflows/identity';
import { HttpError, notFound, parse } from '../errors';
import { getJob, listJobs } from '../jobs';
import { cancelBody, jobIdParams, listJobsQuery } from '../schemas';
import { jobEvents } from './job-events';

export function jobRoutes(deps: { client: Client }): Router {
  const router = Router();

  router.get('/', async (req, res) => {
    const filter = parse(listJobsQuery, req.query, 'query');
    res.json({ jobs: await listJobs(deps.client, req.userId, filter) });
  });

  router.get('/:jobId', async (req, res) => {
    const { jobId } = parse(jobIdParams, req.params, 'params');
    const job = await getJob(deps.client, jobId, req.userId);
    if (!job) throw notFound(`job ${jobId}`);
    res.json(job);
  });

  router.get('/:jobId/events', jobEvents(deps));

  router.post('/:jobId/cancel', async (req, res) => {
    const { jobId } = parse(jobIdParams, req.params, 'params');
    const { reason } = parse(cancelBody, req.body ?? {}, 'body');
    const job = await getJob(deps.client, jobId, req.userId);
    if (!job) throw notFound(`job ${jobId}`);
    if (job.status !== 'queued' && job.status !== 'running') {
      throw new HttpError(409, 'job_closed', `job ${jobId} is already ${job.status}`);
    }
    await deps.client.workflow.getHandle(jobId).signal(cancelSignal, reason);
    res.status(202).json({ jobId, status: 'cancelling' });
  });

  return router;
}
