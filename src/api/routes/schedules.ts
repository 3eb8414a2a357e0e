import { Router } from 'express';
import { ScheduleNotFoundError, ScheduleOverlapPolicy, type Client, type ScheduleDescription } from '@temporalio/client';
import type { Config } from '../../config';
import type { Db } from '../../db';
import { periodicJobs, workflowName, type PeriodicJob } from '../../schedules';
import { requireAdmin } from '../auth';
import { HttpError, notFound, parse } from '../errors';
import { scheduleIdParams, scheduleNoteBody } from '../schemas';

/** The periodic jobs' schedules are system-wide, so only admins list, trigger, pause or unpause them. */
export function scheduleRoutes(deps: { client: Client; db: Db; cfg: Config }): Router {
  const router = Router();
  router.use(requireAdmin(deps.db));
  const jobs = periodicJobs(deps.cfg);

  const jobFor = (params: unknown): PeriodicJob => {
    const { scheduleId } = parse(scheduleIdParams, params, 'params');
    const job = jobs.find((j) => j.id === scheduleId);
    if (!job) throw notFound(`schedule ${scheduleId}`);
    return job;
  };

  /** The schedule as Temporal has it; 409 when no process has created it yet. */
  const describe = async (job: PeriodicJob): Promise<ScheduleDescription> => {
    try {
      return await deps.client.schedule.getHandle(job.id).describe();
    } catch (err) {
      if (!(err instanceof ScheduleNotFoundError)) throw err;
      throw new HttpError(409, 'schedule_missing', `schedule ${job.id} does not exist yet: npm start or a maintenance worker creates it`);
    }
  };

  const view = async (job: PeriodicJob) => {
    const base = {
      scheduleId: job.id,
      description: job.description,
      workflowType: workflowName(job),
      spec: job.spec,
      catchupWindow: job.catchupWindow,
    };
    const d = await describe(job).catch((err) => (err instanceof HttpError ? undefined : Promise.reject(err)));
    if (!d) return { ...base, exists: false };
    return {
      ...base,
      exists: true,
      overlap: d.policies.overlap,
      paused: d.state.paused,
      note: d.state.note ?? null,
      nextRuns: d.info.nextActionTimes.slice(0, 3).map((t) => t.toISOString()),
      recentRuns: d.info.recentActions.map((a) => ({
        scheduledAt: a.scheduledAt.toISOString(),
        startedAt: a.takenAt.toISOString(),
        workflowId: a.action.workflow.workflowId,
      })),
      running: d.info.runningActions.map((a) => a.workflow.workflowId),
    };
  };

  router.get('/', async (_req, res) => {
    res.json({ schedules: await Promise.all(jobs.map(view)) });
  });

  router.get('/:scheduleId', async (req, res) => {
    res.json(await view(jobFor(req.params)));
  });

  router.post('/:scheduleId/trigger', async (req, res) => {
    const job = jobFor(req.params);
    const { info } = await describe(job);
    if (info.runningActions.length > 0) {
      throw new HttpError(409, 'already_running', `schedule ${job.id} has a run in progress (${info.runningActions[0].workflow.workflowId}); it skips overlapping runs`);
    }
    // The schedule's own overlap policy, not the SDK's default of allowing all: a trigger never doubles a run.
    await deps.client.schedule.getHandle(job.id).trigger(ScheduleOverlapPolicy.SKIP);
    res.status(202).json({ scheduleId: job.id, triggered: true });
  });

  for (const action of ['pause', 'unpause'] as const) {
    router.post(`/:scheduleId/${action}`, async (req, res) => {
      const job = jobFor(req.params);
      const { note } = parse(scheduleNoteBody, req.body ?? {}, 'body');
      await describe(job);
      await deps.client.schedule.getHandle(job.id)[action](note ?? `${action}d through the API by user ${req.userId}`);
      res.json(await view(job));
    });
  }

  return router;
}
