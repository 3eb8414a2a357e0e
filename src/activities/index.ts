import { config, type QueueKind } from '../config';
import { getDb } from '../db';
import { logger } from '../logging';
import * as audio from './audio';
import { removeLeftoverWorkDirs } from './audio/host';
import { recordJobEnding } from './job-events';
import { startedWhisperEngines } from './audio/engines/whisper';
import { ensureWhisperBase, ensureWhisperVenv } from './audio/engines/whisper-setup';
import * as maintenance from './maintenance';
import { closeAlertsClient } from './maintenance/alerts';
import * as nlp from './nlp';
import { activeClassifier } from './nlp/classifier-store';
import { closeNlpPool, nlpPool } from './nlp/compute';
import { warmKeywords } from './nlp/keywords';
import * as notify from './notify';
import { holdForTest } from './test-hold';
import * as training from './training';

/** Which activities each queue's worker runs. Workflows import the types only. */
export const activitiesByQueue = {
  nlp: { ...nlp, recordJobEnding, holdForTest },
  audio: { ...audio, recordJobEnding, holdForTest },
  training: { ...training, holdForTest },
  maintenance: { ...maintenance },
  notify: { ...notify },
} satisfies Record<QueueKind, object>;

/**
 * What each audio worker's own host queue runs (workers/create.ts): the work on files that only its host has, the
 * chunks it split. The audio queue keeps them too, for jobs started before host queues, which call them there.
 */
export const audioHostActivities = { transcribeChunk: audio.transcribeChunk, cleanupAudio: audio.cleanupAudio };

export type NlpActivities = typeof activitiesByQueue.nlp;
export type AudioActivities = typeof activitiesByQueue.audio;
export type AudioHostActivities = typeof audioHostActivities;
export type NotifyActivities = typeof activitiesByQueue.notify;
export type MaintenanceActivities = typeof activitiesByQueue.maintenance;
export type TrainingActivities = typeof activitiesByQueue.training;

/**
 * Loads what a queue's activities need before its worker polls, so the first task pays no cold start:
 * for nlp, the thread pool's models and the active classifier (trained here on a first start); for
 * audio, the Whisper venv (built from PyPI on a first start; without it, pocketsphinx serves), and the working
 * directories that jobs left on this host and will not use again are removed.
 */
export async function warmUp(kinds: readonly QueueKind[]): Promise<void> {
  const pending: Promise<unknown>[] = [];
  if (kinds.includes('nlp')) {
    // Each pool thread gets the active classifier and runs it once, so the first text after a start does not
    // pay for sending and loading the model (~0.5 s per thread measured); keywords run on this thread, and
    // their background frequencies took 1.7 s to load on the first text.
    pending.push(
      Promise.all([nlpPool(), getDb().then(activeClassifier)]).then(([pool, { model }]) =>
        Promise.all(Array.from({ length: pool.size }, () => pool.classify(model, 'A short note to warm the classifier.'))),
      ),
    );
    warmKeywords();
  }
  if (kinds.includes('audio')) {
    pending.push(removeLeftoverWorkDirs());
    if (config().audio.engine !== 'pocketsphinx') {
      pending.push(
        ensureWhisperVenv().catch((err) => {
          if (config().audio.engine === 'whisper') throw err;
          logger.warn({ err }, 'Whisper could not be installed; audio falls back to pocketsphinx');
        }),
      );
    }
    // Portuguese (and language=auto) needs Whisper base whatever SPEECH_ENGINE picks for English.
    pending.push(
      ensureWhisperBase().catch((err) => {
        if (config().audio.engine === 'whisper-base') throw err;
        logger.warn({ err }, 'Whisper base could not be installed; Portuguese recordings will fail and auto will mean English');
      }),
    );
  }
  await Promise.all(pending);
}

/** Releases what activities hold beyond a task (threads, child processes); call after workers stop. */
export async function releaseActivityResources(): Promise<void> {
  await Promise.all([closeNlpPool(), ...startedWhisperEngines().map((engine) => engine.close?.()), closeAlertsClient()]);
}
