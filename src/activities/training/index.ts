export { promoteCandidate, trainCandidate } from './model-selection';
export { reclassifyInsights } from './reclassify';
export { refreshRecommendations } from './recommendations';
export { beginTrainingRun, finishTrainingRun } from './runs';
export { updateSearchIndex } from './search-index';
export { computeStatistics } from './statistics';
export { trainUserCategoryModels } from './user-models';
