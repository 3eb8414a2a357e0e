import { hybridSearchSuite } from '../support/hybrid-search';

hybridSearchSuite('embedded');
