export { evaluateAndRecordAlerts } from './alerts';
export { backupDatabase } from './backup';
export { cleanupUploads, cleanupWorkDirs } from './cleanup';
export { analyzeTables, pruneEvents } from './database-upkeep';
export { announceReports, buildReports } from './reports';
