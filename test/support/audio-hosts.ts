/**
 * Import first: the fast engine and short chunks, one at a time per job, so a recording of a minute is a dozen
 * chunks transcribed in turn, and a worker can die with some stored and some not. The audio worker processes the
 * test spawns inherit these.
 */
Object.assign(process.env, {
  SPEECH_ENGINE: 'pocketsphinx',
  AUDIO_CHUNK_SECONDS: '5',
  AUDIO_PARALLEL_CHUNKS: '1',
});
