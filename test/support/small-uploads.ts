/** Import first in a test file to lower the upload limit, so a too-large upload is cheap to send. */
process.env.AUDIO_MAX_UPLOAD_MB = '2';
