/** Import first: the address check on (as in production), and a low per-user webhook limit. */
Object.assign(process.env, { WEBHOOK_ALLOW_PRIVATE: 'false', WEBHOOKS_PER_USER: '3' });
