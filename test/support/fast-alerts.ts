/** Import first: alert on a backlog older than 1 s. */
process.env.ALERT_BACKLOG_AGE_SECONDS = '1';
