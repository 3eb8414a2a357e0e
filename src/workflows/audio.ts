import { TimeoutType } from '@temporalio/common';
import { ActivityFailure, CancellationScope, executeChild, log, patched, proxyActivities, TimeoutFailure, uuid4, workflowInfo } from '@temporalio/workflow';
import type { AudioActivities, AudioHostActivities } from '../activities';
import type { EngineName, RecordingLanguage } from '../activities/audio/engines/types';
import type { ChunkResult } from '../activities/audio/merge';
import type { PreparedAudio } from '../activities/audio/transcription-stages';
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
  /** Jobs started before migration 020 only: the upload's file under the API's DATA_DIR (now the recording's large object). */
  uploadPath?: string;
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

/** Preparations of one job on another host after the host holding its chunks died, before the job fails. */
const HOST_ATTEMPTS = 5;

/** A host-queue task that no worker took in time: the host that holds the chunks is gone. */
const hostLost = (err: unknown) =>
  err instanceof ActivityFailure && err.cause instanceof TimeoutFailure && err.cause.timeoutType === TimeoutType.SCHEDULE_TO_START;

/** The activities that run on the host holding a job's chunks, its worker-specific queue. */
function onHost(hostQueue: string) {
  return proxyActivities<AudioHostActivities>({
    taskQueue: hostQueue,
    // A live host takes its tasks at once (they wait for an engine inside the activity): 10 s unstarted, or
    // 10 s without a heartbeat and then unstarted, mean the host died.
    scheduleToStartTimeout: '10s',
    startToCloseTimeout: '10m',
    heartbeatTimeout: '10s',
    retry: DEFAULT_RETRY,
  });
}

/**
 * Probe, normalise and split, transcribe chunks in parallel (bounded), merge, then hand the transcript to
 * the insight workflow as a child. Working files are removed on every path.
 *
 * The preparation runs on the shared audio queue, on any audio worker, and names that host's own queue; the
 * chunks are transcribed and their working files removed there. When that host dies, the job is prepared again
 * on another one: chunk transcripts are stored as each ends, so only the rest is transcribed.
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

  // Jobs started before host queues ran every stage on the shared audio queue: they replay that way.
  const onHosts = patched('audio-host-queues');
  let hostQueue: string | undefined;
  // A job prepared again starts counting from 0 and climbs through its stored chunks at once: shown percent never goes back.
  let shownPercent = 0;

  const transcribeAll = async (prepared: PreparedAudio, host: Pick<AudioActivities, 'transcribeChunk'>) => {
    await audio.setAudioStatus({ audioId, status: 'transcribing' });
    return transcribeInLanes({
      chunks: prepared.chunks,
      durationSec: prepared.durationSec,
      lanes: input.parallelChunks,
      typicalRealTimeFactor: prepared.typicalRealTimeFactor,
      transcribe: (chunk) => host.transcribeChunk({ audioId, chunk, engine: prepared.engine, language: prepared.language }),
      onProgress(progress) {
        if (progress.percent < shownPercent) return;
        shownPercent = progress.percent;
        report({ stage: 'transcribe', ...progress, engine: prepared.engine });
      },
    });
  };

  const prepareAndTranscribe = async (): Promise<{ prepared: PreparedAudio; results: ChunkResult[] }> => {
    for (let attempt = 1; ; attempt++) {
      const prepared = await audio.prepareAudio({ audioId, engine: input.engine, language: input.language });
      if (!onHosts) return { prepared, results: await transcribeAll(prepared, audio) };
      hostQueue = prepared.hostQueue;
      // Its own scope, so the chunk tasks still waiting on a dead host are dropped when the job moves on.
      const round = new CancellationScope();
      try {
        return { prepared, results: await round.run(() => transcribeAll(prepared, onHost(prepared.hostQueue))) };
      } catch (err) {
        if (!hostLost(err) || attempt === HOST_ATTEMPTS) throw err;
        round.cancel();
        log.warn('the audio host holding the chunks is gone; preparing the recording again on another', { hostQueue, attempt });
      }
    }
  };

  const pipeline = async (): Promise<AudioResult> => {
    await audio.registerAudio({ ...input, jobId: workflowInfo().workflowId });
    report({ stage: 'probe', percent: 0 });
    const { prepared, results } = await prepareAndTranscribe();
    const { chunks, durationSec, engine, language } = prepared;

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
    await CancellationScope.nonCancellable(() => cleanup(hostQueue));
  }

  /**
   * On the host holding the working files; a host already gone removes them at its next start instead. A job that
   * ended during its preparation (which this workflow stopped waiting for) asks which host was preparing it.
   */
  async function cleanup(known: string | undefined): Promise<void> {
    if (!onHosts) return audio.cleanupAudio({ audioId });
    const host = known ?? (await audio.audioHostOf({ audioId }));
    if (!host) return;
    try {
      await onHost(host).cleanupAudio({ audioId });
    } catch (err) {
      if (!hostLost(err)) throw err;
    }
  }
}
