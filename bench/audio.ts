// `npm run bench:audio`: the audio pipeline end to end through the real API, Temporal and PostgreSQL, with the
// audio and nlp workers in their own process so /proc shows their memory and that of the engine processes.
// Per engine, on ~5 min of flite speech (mp3): time from upload to transcript stored and to the job completed
// (after its child insight workflow), real-time factor, word error rate, peak RSS, and how far the job's own ETA
// was off at 10/25/50 % done; then the default engine on ~10 min. Prints tables, writes bench/results/audio.json.
// The goals are measured and reported, never asserted.
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { EngineName } from '../src/activities/audio/engines/types';
import { ensureWhisperVenv } from '../src/activities/audio/engines/whisper-setup';
import { wordErrorRate } from '../src/activities/audio/wer';
import { runChild } from '../src/tools/run-child';
import { convert, speak, speechText } from '../test/support/speech';
import { cpuMeter, eventMs, onCleanUp, round, runBenchmark, startE2e, taskTimings, verdict, waitForPollers, waitForQuiet, type E2e, type HistoryEvent, type RssSampler } from './e2e';

const POLL_MS = 250;
const MARKS = [10, 25, 50];
const GOALS = { tenMinutesSec: 60, etaErrorPct: 20, etaFromPercent: 25 };
const WARM_UP_LINES = 5; // about 25 s of speech: one chunk
const RUN_TIMEOUT_MS = 15 * 60_000;

interface Recording {
  name: string;
  file: string;
  text: string;
}

interface EtaPoint {
  /** Date.now() when the answer arrived. */
  at: number;
  percent: number;
  secondsRemaining: number;
}

/** Speaks the fixture text once (~5 min), twice (~10 min, concatenated by ffmpeg) and its first lines (warm-up), as mp3. */
async function makeRecordings(dir: string): Promise<Record<'warmUp' | 'five' | 'ten', Recording>> {
  const text = await speechText();
  const wav = path.join(dir, 'speech.wav');
  await speak(text, wav);
  // Stereo 44.1 kHz, as a real mp3 would be, so the normalising step does its full work.
  const mp3Args = ['-ac', '2', '-ar', '44100'];
  const five = path.join(dir, 'speech-5min.mp3');
  await convert(wav, five, mp3Args);
  const ten = path.join(dir, 'speech-10min.mp3');
  await runChild('ffmpeg', ['-v', 'error', '-y', '-i', wav, '-i', wav, '-filter_complex', '[0:a][1:a]concat=n=2:v=0:a=1', ...mp3Args, '-c:a', 'libmp3lame', '-b:a', '64k', ten]);
  const shortText = await speechText(WARM_UP_LINES);
  const shortWav = path.join(dir, 'short.wav');
  await speak(shortText, shortWav);
  const short = path.join(dir, 'short.mp3');
  await convert(shortWav, short, mp3Args);
  return {
    warmUp: { name: 'warm-up', file: short, text: shortText },
    five: { name: '5 min', file: five, text },
    ten: { name: '10 min', file: ten, text: `${text}\n${text}` },
  };
}

/** Uploads a recording, follows its job every POLL_MS until it ends, then reads its transcript and history. */
async function transcribe(e2e: E2e, rss: RssSampler, rec: Recording, engine?: EngineName) {
  const form = new FormData();
  if (engine) form.set('engine', engine);
  form.set('file', new Blob([await readFile(rec.file)], { type: 'audio/mpeg' }), path.basename(rec.file));

  const cpu = cpuMeter(e2e.cpuParts);
  const postAt = Date.now();
  const res = await e2e.worker.whileAlive(e2e.api('/api/audio', { method: 'POST', body: form }));
  const postMs = Date.now() - postAt;
  if (res.status !== 202) throw new Error(`POST /api/audio answered ${res.status}: ${await res.text()}`);
  const { audioId, jobId } = (await res.json()) as { audioId: string; jobId: string };

  const trace: EtaPoint[] = [];
  let job: any;
  for (let next = Date.now(); ; ) {
    const body = (await e2e.worker.whileAlive(e2e.api(`/api/jobs/${jobId}`).then((r) => r.json()))) as any;
    if (body.progress?.stage === 'transcribe') {
      trace.push({ at: Date.now(), percent: body.progress.percent, secondsRemaining: body.progress.secondsRemaining });
    }
    if (['completed', 'failed', 'cancelled'].includes(body.status)) {
      job = body;
      break;
    }
    if (Date.now() - postAt > RUN_TIMEOUT_MS) throw new Error(`${jobId} did not end within ${RUN_TIMEOUT_MS / 1000} s`);
    next += POLL_MS;
    await sleep(Math.max(0, next - Date.now()));
  }
  const seenCompletedAt = Date.now();
  const { ownSec, otherSec } = cpu();
  if (job.status !== 'completed') throw new Error(`${jobId} ended ${job.status}: ${JSON.stringify(job.error)}`);

  const audio = (await (await e2e.api(`/api/audio/${audioId}`)).json()) as { transcript: string };
  // Server times from the workflow history: exact to the millisecond, where polling is only good to POLL_MS.
  const { events, tasks } = await taskTimings(e2e.client, jobId);
  const last = (name: string) => Math.max(...tasks.filter((t) => t.name === name).map((t) => t.completed));
  const chunks = tasks.filter((t) => t.name === 'transcribeChunk');
  const preparedAt = last('prepareAudio');
  const transcribeFrom = Math.min(...chunks.map((c) => c.scheduled));
  const transcribedAt = last('transcribeChunk');
  const storedAt = last('storeTranscript');
  const at = (pick: (e: HistoryEvent) => unknown) => {
    const event = events.find(pick);
    return event ? eventMs(event) : NaN;
  };
  const childStartedAt = at((e) => e.startChildWorkflowExecutionInitiatedEventAttributes);
  const childDoneAt = at((e) => e.childWorkflowExecutionCompletedEventAttributes);
  const completedAt = at((e) => e.workflowExecutionCompletedEventAttributes);

  const audioSec: number = job.result.durationSec;
  const wallSec = (completedAt - postAt) / 1000;
  const chunkRunSec = chunks.map((c) => (c.completed - c.started) / 1000).sort((a, b) => a - b);
  // The progress query answers what the workflow computed at the last chunk end (it does not count down in
  // between), so the first poll past a mark reads the estimate at most one poll interval old.
  const eta = Object.fromEntries(
    MARKS.map((mark) => {
      const point = trace.find((p) => p.percent >= mark);
      if (!point) return [`${mark}%`, null];
      const actualSec = (transcribedAt - point.at) / 1000;
      return [`${mark}%`, { percent: point.percent, predictedSec: point.secondsRemaining, actualSec: round(actualSec), errorPct: round(((point.secondsRemaining - actualSec) / actualSec) * 100) }];
    }),
  ) as Record<string, { percent: number; predictedSec: number; actualSec: number; errorPct: number } | null>;
  const peak = rss.peak(postAt, completedAt);

  return {
    recording: rec.name,
    requested: engine ?? 'default',
    engine: job.result.engine as EngineName,
    jobId,
    audioSec: round(audioSec),
    chunks: job.result.chunks as number,
    postMs,
    toTranscriptStoredSec: round((storedAt - postAt) / 1000, 2),
    toCompletedSec: round(wallSec, 2),
    completedSeenByPollingSec: round((seenCompletedAt - postAt) / 1000, 2),
    realTimeFactor: round(wallSec / audioSec, 3),
    realTimeFactorToStored: round((storedAt - postAt) / 1000 / audioSec, 3),
    wer: round(wordErrorRate(rec.text, audio.transcript), 4),
    peakWorkerRssMb: peak.workerMb,
    peakChildrenRssMb: peak.childrenMb,
    peakChildRssByCommandMb: peak.byCommandMb,
    rssSamples: peak.samples,
    ownCpuSec: round(ownSec),
    otherCpuSec: round(otherSec),
    phasesSec: {
      uploadToPrepared: round((preparedAt - postAt) / 1000, 2),
      transcribe: round((transcribedAt - transcribeFrom) / 1000, 2),
      store: round((storedAt - transcribedAt) / 1000, 2),
      insightChild: round((childDoneAt - childStartedAt) / 1000, 2),
      finish: round((completedAt - childDoneAt) / 1000, 2),
    },
    chunkRunSec: { p50: round(chunkRunSec[Math.floor(chunkRunSec.length / 2)], 2), max: round(chunkRunSec.at(-1)!, 2), sum: round(chunkRunSec.reduce((a, b) => a + b, 0), 1) },
    eta,
    etaTrace: trace.map((p) => ({ sec: round((p.at - postAt) / 1000, 2), percent: p.percent, secondsRemaining: p.secondsRemaining })),
    transcribedAtSec: round((transcribedAt - postAt) / 1000, 2),
  };
}

type Run = Awaited<ReturnType<typeof transcribe>>;

async function main() {
  console.log(`audio benchmark: ${os.availableParallelism()} cores, Node ${process.version}, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'audio-bench-'));
  onCleanUp(() => rmSync(dir, { recursive: true, force: true }));
  const recordings = await makeRecordings(dir);
  // Built once by the project's own provisioning; the worker would otherwise do it inside the first whisper job.
  await ensureWhisperVenv();

  console.log('starting Temporal, PostgreSQL, the audio+nlp worker process and the API ...');
  const e2e = await startE2e({ queues: ['audio', 'nlp'] });
  const { rss } = e2e;
  await waitForPollers(e2e, ['audio', 'nlp']);
  const workerReadySec = round((Date.now() - e2e.worker.spawnedAt) / 1000, 2);
  const readyWorkerMb = rss.peak(e2e.worker.spawnedAt).workerMb;
  // Lets the previous job's processes end, so RSS windows do not overlap; before a measured run, also waits for
  // other work on the machine to pause.
  const settle = async (quiet = true) => {
    await sleep(2000);
    if (!quiet) return;
    const waitedMs = await waitForQuiet(e2e.cpuParts);
    if (waitedMs > 1500) console.log(`  (waited ${round(waitedMs / 1000)} s for other processes to leave the cores)`);
  };

  // Cold runs first, then the same clip warm: the first job pays the nlp models' load (insight child), the first
  // whisper job the Python process start and model load. The measured runs below are all warm.
  console.log('warm-up ...');
  const warmUp: Run[] = [];
  for (const [i, engine] of (['pocketsphinx', 'whisper', 'whisper', 'pocketsphinx'] as const).entries()) {
    warmUp.push(await transcribe(e2e, rss, recordings.warmUp, engine));
    await settle(i === 3);
  }
  const idle = rss.peak(Date.now() - 1500);

  const runs: Run[] = [];
  for (const engine of ['whisper', 'pocketsphinx'] as const) {
    console.log(`${engine} on ${recordings.five.name} ...`);
    runs.push(await transcribe(e2e, rss, recordings.five, engine));
    await settle();
  }
  console.log(`default engine on ${recordings.ten.name} ...`);
  runs.push(await transcribe(e2e, rss, recordings.ten));

  const defaultEngine = runs[2].engine;
  const defaultFive = runs.find((r) => r.requested === defaultEngine)!;
  const tenMinExtrapolated = round(defaultFive.toCompletedSec * (600 / defaultFive.audioSec), 1);
  const tenMin = runs[2];
  // A run that shared the cores says so next to its verdict: the goals are about this machine, not a busy one.
  const shared = (r: Run) => (r.otherCpuSec >= 1 ? ` [cores shared: ${r.otherCpuSec} s of other CPU]` : '');
  const etaOk = (r: Run) => MARKS.filter((m) => m >= GOALS.etaFromPercent).every((m) => r.eta[`${m}%`] && Math.abs(r.eta[`${m}%`]!.errorPct) <= GOALS.etaErrorPct);
  const goals = [
    {
      goal: `10 min of audio <= ${GOALS.tenMinutesSec} s end to end, default engine (${defaultEngine}), extrapolated`,
      measured: `${defaultFive.toCompletedSec} s x 600 / ${defaultFive.audioSec} s = ${tenMinExtrapolated} s${shared(defaultFive)}`,
      result: verdict(tenMinExtrapolated <= GOALS.tenMinutesSec),
    },
    {
      goal: `10 min of audio <= ${GOALS.tenMinutesSec} s end to end, default engine (${defaultEngine}), measured`,
      // The recording is a little over 10 min; the bound is scaled to its length.
      measured: `${tenMin.toCompletedSec} s for ${tenMin.audioSec} s (bound ${round((GOALS.tenMinutesSec * tenMin.audioSec) / 600)} s; transcript stored at ${tenMin.toTranscriptStoredSec} s)${shared(tenMin)}`,
      result: verdict(tenMin.toCompletedSec <= (GOALS.tenMinutesSec * tenMin.audioSec) / 600),
    },
    ...runs.map((r) => ({
      goal: `ETA within ${GOALS.etaErrorPct}% from ${GOALS.etaFromPercent}% done: ${r.engine}, ${r.recording}`,
      measured: MARKS.filter((m) => m >= GOALS.etaFromPercent).map((m) => `${m}%: ${r.eta[`${m}%`]?.errorPct ?? '?'}%`).join(', ') + shared(r),
      result: verdict(etaOk(r)),
    })),
  ];

  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  const etaCell = (r: Run) => MARKS.map((m) => (r.eta[`${m}%`] ? `${r.eta[`${m}%`]!.errorPct > 0 ? '+' : ''}${r.eta[`${m}%`]!.errorPct}` : '?')).join(' / ');
  console.log('\nend to end, from the start of POST /api/audio (times from the workflow history; RTF = wall / audio seconds)');
  console.table(
    runs.map((r) => ({
      engine: r.engine,
      audio: `${r.audioSec} s`,
      chunks: r.chunks,
      'to transcript stored s': r.toTranscriptStoredSec,
      'to completed s': r.toCompletedSec,
      'RTF stored / completed': `${r.realTimeFactorToStored} / ${r.realTimeFactor}`,
      WER: pct(r.wer),
      'worker peak MB': r.peakWorkerRssMb,
      'children peak MB': r.peakChildrenRssMb,
      'ETA err % at 10/25/50': etaCell(r),
      'other CPU s': r.otherCpuSec,
    })),
  );
  console.log("other CPU s: CPU time of processes outside this benchmark during the run; well above 0, the cores were shared");
  console.log('children peak MB by command (each its own peak; the whisper process outlives the job that started it)');
  console.table(runs.map((r) => ({ engine: r.engine, audio: `${r.audioSec} s`, ...r.peakChildRssByCommandMb })));
  console.log('\nwhere the time goes (s): upload to prepared = POST, queueing, probe, normalise and split');
  console.table(
    runs.map((r) => ({ engine: r.engine, audio: `${r.audioSec} s`, POST: round(r.postMs / 1000, 2), ...r.phasesSec, 'chunk p50': r.chunkRunSec.p50, 'chunk max': r.chunkRunSec.max, 'chunk sum': r.chunkRunSec.sum })),
  );
  console.log('\nETA: predicted vs actual seconds until the last chunk was transcribed, at the first poll past each mark');
  console.table(
    runs.flatMap((r) =>
      MARKS.map((m) => ({ engine: r.engine, audio: `${r.audioSec} s`, mark: `${m}%`, ...(r.eta[`${m}%`] ?? {}) })),
    ),
  );
  const [firstJob, whisperCold, whisperWarm, sphinxWarm] = warmUp;
  console.log(`\ncold start (${recordings.warmUp.name} clip of ${firstJob.audioSec} s; worker polling ${workerReadySec} s after spawn at ${readyWorkerMb} MB, ${idle.workerMb} MB idle after the warm-up)`);
  console.table({
    'first job (pocketsphinx, nlp cold)': { 'to completed s': firstJob.toCompletedSec, 'transcribe s': firstJob.phasesSec.transcribe, 'insight child s': firstJob.phasesSec.insightChild },
    'pocketsphinx warm': { 'to completed s': sphinxWarm.toCompletedSec, 'transcribe s': sphinxWarm.phasesSec.transcribe, 'insight child s': sphinxWarm.phasesSec.insightChild },
    'whisper cold (Python start, model load)': { 'to completed s': whisperCold.toCompletedSec, 'transcribe s': whisperCold.phasesSec.transcribe, 'insight child s': whisperCold.phasesSec.insightChild },
    'whisper warm': { 'to completed s': whisperWarm.toCompletedSec, 'transcribe s': whisperWarm.phasesSec.transcribe, 'insight child s': whisperWarm.phasesSec.insightChild },
  });
  console.log('\ngoals');
  console.table(Object.fromEntries(goals.map(({ goal, ...rest }) => [goal, rest])));

  const out = new URL('./results/audio.json', import.meta.url);
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  writeFileSync(
    out,
    `${JSON.stringify(
      {
        when: new Date().toISOString(),
        machine: { cores: os.availableParallelism(), node: process.version, loadAverageAtStart: os.loadavg() },
        settings: { parallelChunks: e2e.cfg.audio.parallelChunks, chunkSec: e2e.cfg.audio.chunkSec, audioWorker: e2e.cfg.queues.audio, pollMs: POLL_MS, rssEveryMs: 250 },
        measured: {
          toCompletedSec: 'POST start (client clock) to WorkflowExecutionCompleted (server clock, same machine); includes the child insight workflow',
          toTranscriptStoredSec: 'POST start to the storeTranscript activity completed',
          eta: 'progress.secondsRemaining at the first poll with percent >= mark, vs time from that poll to the last transcribeChunk completed',
          rss: 'VmRSS of the worker process and the sum over its descendants, every 250 ms, peak between POST and completion',
        },
        workerReadySec,
        readyWorkerRssMb: readyWorkerMb,
        idleWorkerRssMb: idle.workerMb,
        warmUp,
        runs,
        defaultEngine,
        tenMinutesExtrapolatedSec: tenMinExtrapolated,
        goals,
      },
      null,
      2,
    )}\n`,
  );
  console.log(`\nwrote ${out.pathname}`);
}

await runBenchmark(main);
