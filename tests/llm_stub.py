"""A stub chat-model server for the tests that run the real langchain clients (ollama,
openai) without a model: tests/test_generation.py and the app's end-to-end test with a language
model. Not a conftest: the tests that need it import it."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# What a small model writes when nothing stops it: it goes on until its context is full.
RUNAWAY_TOKENS = 3000


class StubServer:
    """An OpenAI-compatible (/v1/chat/completions, plain or streamed as SSE) and ollama
    (/api/chat, NDJSON) chat server on a free port that generates token by token: the recorded
    reply, and with runaway=True, like a small model without an output budget, filler after it
    until RUNAWAY_TOKENS. Generation stops early at the token limit the request sends
    (max_tokens, max_completion_tokens, num_predict) and before a stop sequence it sends.
    Records what the client sent and how many tokens it produced per request; pace is the
    time per token."""

    def __init__(self, reply: str, delay: float = 0.0, pace: float = 0.0, runaway: bool = False):
        self.reply, self.delay, self.pace, self.runaway = reply, delay, pace, runaway
        self.requests: list[tuple[str, dict]] = []
        self.produced: list[int] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                stub.requests.append((self.path, body))
                time.sleep(stub.delay)
                options = body.get("options") or {}
                limit = body.get("max_tokens") or body.get("max_completion_tokens") or options.get("num_predict")
                stops = body.get("stop") or options.get("stop") or []
                stops = [stops] if isinstance(stops, str) else stops
                if self.path == "/api/chat":
                    self.ollama(body, stub.tokens(limit, stops))
                elif self.path == "/v1/chat/completions":
                    self.openai(body, stub.tokens(limit, stops))
                else:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()

            def send(self, payload: bytes, ctype: str) -> None:
                self.send_response(200)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def chunked(self, ctype: str, pieces) -> None:
                self.send_response(200)
                self.send_header("Content-Type", ctype)
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                try:
                    for piece in pieces:
                        data = piece.encode()
                        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
                        self.wfile.flush()
                    self.wfile.write(b"0\r\n\r\n")
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up on the stream

            def openai(self, body, tokens) -> None:
                model = body.get("model")
                if not body.get("stream"):
                    produced = list(tokens)
                    self.send(json.dumps({
                        "id": "stub-1", "object": "chat.completion", "created": 0, "model": model,
                        "choices": [{"index": 0, "finish_reason": produced[-1][1] if produced else "stop",
                                     "message": {"role": "assistant", "content": "".join(t for t, _ in produced)}}],
                        "usage": {"prompt_tokens": 1, "completion_tokens": len(produced), "total_tokens": 1},
                    }).encode(), "application/json")
                    return

                def events():
                    for token, reason in tokens:
                        yield "data: " + json.dumps({
                            "id": "stub-1", "object": "chat.completion.chunk", "created": 0, "model": model,
                            "choices": [{"index": 0, "delta": {"role": "assistant", "content": token},
                                         "finish_reason": reason}]}) + "\n\n"
                    yield "data: [DONE]\n\n"
                self.chunked("text/event-stream", events())

            def ollama(self, body, tokens) -> None:
                model = body.get("model")

                def lines():
                    reason = "stop"
                    for token, reason in tokens:
                        yield json.dumps({"model": model, "created_at": "2026-01-01T00:00:00Z",
                                          "message": {"role": "assistant", "content": token}, "done": False}) + "\n"
                    yield json.dumps({"model": model, "created_at": "2026-01-01T00:00:00Z",
                                      "message": {"role": "assistant", "content": ""}, "done": True,
                                      "done_reason": reason or "stop", "total_duration": 1, "load_duration": 1,
                                      "prompt_eval_count": 1, "prompt_eval_duration": 1, "eval_count": 1,
                                      "eval_duration": 1}) + "\n"
                self.chunked("application/x-ndjson", lines())

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def tokens(self, limit: int | None, stops: list[str]):
        """(token, finish_reason) pairs: the reply (then filler, when running away), cut at the
        limit or before a stop sequence; self.produced counts them as they are generated."""
        import itertools
        import re

        words = itertools.chain(re.findall(r"\S+\s*", self.reply), itertools.repeat("bla ") if self.runaway else ())
        text, count = "", 0
        self.produced.append(0)
        slot = len(self.produced) - 1
        for word in words:
            if count >= (limit or RUNAWAY_TOKENS):
                yield "", "length"
                return
            candidate = text + word
            cuts = [candidate.find(stop) for stop in stops if stop and stop in candidate]
            if cuts:
                if min(cuts) > len(text):
                    yield candidate[len(text):min(cuts)], None
                yield "", "stop"
                return
            text += word
            count += 1
            self.produced[slot] = count
            if self.pace:
                time.sleep(self.pace)
            yield word, None
        yield "", "stop"

    def close(self):
        self.server.shutdown()
        self.server.server_close()
