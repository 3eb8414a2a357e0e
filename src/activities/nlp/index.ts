export { setInsightStatus, storeInsight } from './store';
