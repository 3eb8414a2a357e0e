// The same tests against PostgreSQL (pgvector's sum of vectors, an unsized vector column, ordered-set aggregates).
import '../support/use-postgres';
import './personal-knowledge.test';
