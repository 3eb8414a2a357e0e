import { Router } from 'express';
import type { Config } from '../../config';
import type { Db } from '../../db';
import { ALERT_EVENTS, defaultWebhookEvents } from '../../events';
import { isAdmin } from '../../users';
import { urlRefusal } from '../../webhook-target';
import { HttpError, notFound, parse } from '../errors';
import { createWebhook, deleteWebhook, listDeliveries, listWebhooks } from '../webhook-queries';
import { deliveriesQuery, webhookBody, webhookIdParams } from '../schemas';

export function webhookRoutes(deps: { db: Db; cfg: Config }): Router {
  const router = Router();

  router.post('/', async (req, res) => {
    const body = parse(webhookBody, req.body, 'body');
    const admin = await isAdmin(deps.db, req.userId);
    const events = body.events ?? defaultWebhookEvents(admin);
    if (!admin && events.some((e) => ALERT_EVENTS.includes(e))) {
      const message = 'alert events go to admins only';
      throw new HttpError(400, 'invalid_request', `body.events: ${message}`, { fields: [{ field: 'body.events', message }] });
    }
    const { webhooks: policy } = deps.cfg.security;
    const refusal = await urlRefusal(body.url, policy);
    if (refusal) {
      throw new HttpError(400, 'invalid_request', `body.url: ${refusal}`, { fields: [{ field: 'body.url', message: refusal }] });
    }
    const webhook = await createWebhook(deps.db, req.userId, { url: body.url, events }, policy.perUser);
    if (!webhook) {
      throw new HttpError(409, 'webhook_limit', `at most ${policy.perUser} webhooks per user: delete one first`, { limit: policy.perUser });
    }
    res.status(201).location(`/api/webhooks/${webhook.id}`).json(webhook);
  });

  router.get('/', async (req, res) => {
    res.json({ webhooks: await listWebhooks(deps.db, req.userId) });
  });

  router.delete('/:webhookId', async (req, res) => {
    const { webhookId } = parse(webhookIdParams, req.params, 'params');
    if (!(await deleteWebhook(deps.db, req.userId, webhookId))) throw notFound(`webhook ${webhookId}`);
    res.status(204).end();
  });

  router.get('/:webhookId/deliveries', async (req, res) => {
    const { webhookId } = parse(webhookIdParams, req.params, 'params');
    const { limit } = parse(deliveriesQuery, req.query, 'query');
    const deliveries = await listDeliveries(deps.db, req.userId, webhookId, limit);
    if (!deliveries) throw notFound(`webhook ${webhookId}`);
    res.json({ deliveries });
  });

  return router;
}
