/** Import first in a test file to cut off a stalled upload after 1 s, so the slow-client case is quick to see. */
process.env.AUDIO_UPLOAD_IDLE_SECONDS = '1';
