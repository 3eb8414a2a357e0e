export { audioWorkflow } from './audio';
export { digestWorkflow } from './digest';
export { eventDeliveryWorkflow } from './event-delivery';
export { insightWorkflow } from './insight';
export { alertsWorkflow, backupWorkflow, cleanupWorkflow, nightlyMaintenanceWorkflow, periodicReportWorkflow } from './maintenance';
export { trainingWorkflow } from './training';
export { reembedWorkflow } from './reembed';
