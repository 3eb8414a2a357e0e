import '../support/use-postgres';
import { hybridSearchSuite } from '../support/hybrid-search';

hybridSearchSuite('postgres');
