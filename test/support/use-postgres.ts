/** Import first in a test file to run it against the real PostgreSQL that `npm test` started. */
if (!process.env.TEST_DATABASE_URL) throw new Error('TEST_DATABASE_URL is not set: run the suite with npm test');
process.env.DATABASE_URL = process.env.TEST_DATABASE_URL;
