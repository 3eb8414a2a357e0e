import { CancellationScope, executeChild, proxyActivities, uuid4, workflowInfo } from '@temporalio/workflow';
import type { AudioActivities } from '../activities';
import type { EngineName, RecordingLanguage } from '../activities/audio/engines/types';
import { JOB_KIND, USER_ID } from '../temporal/search-attributes';
import { transcribeInLanes } from './audio-chunks';
import { announceJobEnding, notifySubscribers } from './event-delivery';
import { insightJobId } from './identity';
import { insightWorkflow } from './insight';
import { runJob, trackProgress, type JobOutcome } from './job';
import { queueFor } from './queues';
import { DEFAULT_RETRY } from './retry';

export interface AudioWorkflowInput {
  audioId: string;
  userId: string;
  originalName: string;
  sizeBytes: number;
  uploadPath: string;
  engine: EngineName | 'auto';
  /** `auto` detects English or Portuguese on the first chunk; absent in jobs started before it existed (English). */
  language?: RecordingLanguage;
  /** Chunks transcribed at once for this job (AUDIO_PARALLEL_CHUNKS); worker slots cap the machine. */
  parallelChunks: number;
}

export interface AudioResult {
  audioId: string;
  engine: EngineName;
  language: string;
  durationSec: number;
  chunks: number;
  words: number;
  insightId?: string;
}

/**
 * Probe, normalise and split, transcribe chunks in parallel (bounded), merge, then hand the transcript to
 * the insight workflow as a child. Working files are removed on every path.
 */
export async function audioWorkflow(input: AudioWorkflowInput): Promise<JobOutcome<AudioResult>> {
  const audio = proxyActivities<AudioActivities>({
    taskQueue: queueFor('audio'),
    startToCloseTimeout: '10m',
    heartbeatTimeout: '15s',
    retry: DEFAULT_RETRY,
  });
  const report = trackProgress({ stage: 'queued', percent: 0 });
  const { audioId } = input;

  const pipeline = async (): Promise<AudioResult> => {
    await audio.registerAudio({ ...input, jobId: workflowInfo().workflowId });
    report({ stage: 'probe', percent: 0 });
    const prepared = await audio.prepareAudio({ audioId, engine: input.engine, language: input.language });
    const { chunks, durationSec, engine, language } = prepared;
    await audio.setAudioStatus({ audioId, status: 'transcribing' });

    const results = await transcribeInLanes({
      chunks,
      durationSec,
      lanes: input.parallelChunks,
      typicalRealTimeFactor: prepared.typicalRealTimeFactor,
      transcribe: (chunk) => audio.transcribeChunk({ audioId, chunk, engine, language }),
      onProgress: (progress) => report({ stage: 'transcribe', ...progress, engine }),
    });

    report({ stage: 'merge', percent: 100, chunksDone: chunks.length, chunksTotal: chunks.length, engine });
    const transcript = await audio.storeTranscript({ audioId, chunks: results });

    let insightId: string | undefined;
    if (transcript.text.trim() !== '') {
      insightId = uuid4();
      report({ stage: 'insight', percent: 100, insightId });
      await executeChild(insightWorkflow, {
        workflowId: insightJobId(insightId),
        taskQueue: queueFor('nlp'),
        args: [{ insightId, userId: input.userId, text: transcript.text, title: `Transcript of ${input.originalName}`, tags: ['audio'] }],
        typedSearchAttributes: [
          { key: USER_ID, value: input.userId },
          { key: JOB_KIND, value: 'insight' },
        ],
      });
    }
    await audio.finishAudio({ audioId, insightId });
    return { audioId, engine, language, durationSec, chunks: chunks.length, words: transcript.text.split(/\s+/).filter(Boolean).length, insightId };
  };

  try {
    const ending = { kind: 'audio' as const, userId: input.userId, subject: { audioId } };
    const outcome = await runJob(pipeline, {
      async onCancelled(reason) {
        await audio.setAudioStatus({ audioId, status: 'cancelled' });
        await announceJobEnding(audio.recordJobEnding, { ...ending, type: 'job.cancelled', reason, attempts: workflowInfo().attempt });
      },
      async onFailed(error, attempts) {
        await audio.setAudioStatus({ audioId, status: 'failed', error });
        await announceJobEnding(audio.recordJobEnding, { ...ending, type: 'audio.failed', reason: error, attempts });
      },
    });
    if (outcome.status === 'completed') {
      report({ stage: 'done', percent: 100 });
      await notifySubscribers('audio.transcribed', audioId);
    }
    return outcome;
  } finally {
    await CancellationScope.nonCancellable(() => audio.cleanupAudio({ audioId }));
  }
}
