export { analyseInsight, classifyInsight, embedInsight, extractInsightEntities, finishInsight, normaliseInsight, relateInsight } from './insight-stages';
export { setInsightStatus, storeInsight } from './store';
export { extractInsightRelations } from './relation-stage';
export { personaliseCategory } from './user-categories';
export { countStaleEmbeddings, reembedBatch } from './reembed';
