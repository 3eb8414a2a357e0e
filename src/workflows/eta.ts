export interface EtaOptions {
  /** Wall seconds per audio second for one chunk on one slot (SpeechEngine.typicalRealTimeFactor). */
  typicalRealTimeFactor: number;
  /** Chunks transcribed at the same time; only shapes the guess before anything is measured. */
  parallelism?: number;
  /** Weight of the newest measurement in the moving average, in (0, 1]. */
  smoothing?: number;
}

/**
 * Estimates seconds remaining from the job's own pace: audio seconds done per wall second so far, smoothed
 * with an exponential moving average. Until the first chunk ends it guesses from the engine's real-time factor.
 *
 * With chunks running side by side, "done" lags the work: when one chunk ends the others are on average half
 * way through. Each measurement therefore credits (parallelism - 1) / 2 average chunks still in flight;
 * without that the first estimates of a two-at-once job come out about twice too long.
 */
export class EtaEstimator {
  private speed: number;
  private measured = false;
  private completions = 0;
  private readonly parallelism: number;
  private lastDoneSec = 0;
  private lastChangeWallSec = 0;
  private readonly smoothing: number;

  constructor({ typicalRealTimeFactor, parallelism = 1, smoothing = 0.5 }: EtaOptions) {
    this.speed = parallelism / typicalRealTimeFactor;
    this.parallelism = parallelism;
    this.smoothing = smoothing;
  }

  remainingSec(doneAudioSec: number, totalAudioSec: number, elapsedWallSec: number): number {
    if (doneAudioSec > this.lastDoneSec && elapsedWallSec > 0) {
      this.completions += 1;
      const soFar = this.withInFlight(doneAudioSec, totalAudioSec) / elapsedWallSec;
      this.speed = this.measured ? this.speed + this.smoothing * (soFar - this.speed) : soFar;
      this.measured = true;
      this.lastDoneSec = doneAudioSec;
      this.lastChangeWallSec = elapsedWallSec;
    }
    const left = Math.max(0, totalAudioSec - (this.measured ? this.withInFlight(doneAudioSec, totalAudioSec) : doneAudioSec));
    // Progress arrives a chunk at a time; counting down in between keeps the estimate from freezing.
    const sinceChange = this.measured ? elapsedWallSec - this.lastChangeWallSec : elapsedWallSec;
    return Math.max(0, left / this.speed - sinceChange);
  }

  private withInFlight(doneAudioSec: number, totalAudioSec: number): number {
    const averageChunk = doneAudioSec / this.completions;
    return Math.min(totalAudioSec, doneAudioSec + ((this.parallelism - 1) / 2) * averageChunk);
  }
}
