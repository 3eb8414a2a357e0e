export { analyseInsight, classifyInsight, embedInsight, extractInsightEntities, finishInsight, normaliseInsight, relateInsight } from './insight-stages';
export { setInsightStatus, storeInsight } from './store';
