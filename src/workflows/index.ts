export { audioWorkflow } from './audio';
export { insightWorkflow } from './insight';
