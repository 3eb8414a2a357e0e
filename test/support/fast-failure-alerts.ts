/** Import first: the failure-rate rule fires on 3 closed jobs of a kind, more than half of them failed. */
process.env.ALERT_FAILURE_MIN_JOBS = '3';
process.env.ALERT_FAILURE_RATE = '0.5';
import './fast-alerts';
import './env';
