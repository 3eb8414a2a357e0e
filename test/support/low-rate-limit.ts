/** Import first: a job burst of 4, refilled at 6 a minute, and adaptive priority past 2 running jobs, so both show in a few requests. */
Object.assign(process.env, {
  RATE_LIMIT_BURST: '4',
  RATE_LIMIT_JOBS_PER_MINUTE: '6',
  ADAPTIVE_PRIORITY_RUNNING_JOBS: '2',
});
