export { insightWorkflow } from './insight';
