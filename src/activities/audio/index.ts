export {
  audioHostOf,
  cleanupAudio,
  finishAudio,
  prepareAudio,
  registerAudio,
  setAudioStatus,
  storeTranscript,
  transcribeChunk,
} from './transcription-stages';
