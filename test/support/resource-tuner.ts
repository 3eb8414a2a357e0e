/**
 * Imported first by the tuner test: the nlp queue on the resource-based tuner, with a memory target every
 * process is already over, so the tuner hands out no slot beyond its minimum.
 */
Object.assign(process.env, { NLP_TUNER: 'resource', NLP_MAX_CONCURRENT_ACTIVITIES: '6', TUNER_TARGET_MEMORY: '0.001' });
