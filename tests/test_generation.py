"""Answer backends by name; ollama and openai against a stub HTTP server on 127.0.0.1 that
serves recorded responses, so the real langchain clients run end to end without a model."""

from __future__ import annotations

import json
import shutil
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from assistant.answering.pipeline import Assistant
from assistant.corpus.documents import Chunk
from assistant.retrieval.embeddings import HashingEmbeddings
from assistant.answering.generation import (
    LLM_BACKENDS, GenerationError, GenerationRequest, GroundedGenerator, Passage, Prompt, make_generator,
)
from assistant.retrieval.index import Index
from assistant.privacy import Pseudonymiser

ROOT = Path(__file__).resolve().parent.parent
QUESTION = "Kan de tijdelijke opvang van een dakloze zoon zonder kostendelersnorm langer duren?"


class StubServer:
    """Recorded chat replies on a free port; records what the client sent."""

    def __init__(self, reply: str, delay: float = 0.0, runaway: float = 0.0):
        # runaway: like a small model without an output budget, the server "keeps generating"
        # for this many seconds unless the request carries a token limit.
        self.reply, self.delay, self.runaway, self.requests = reply, delay, runaway, []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                stub.requests.append((self.path, body))
                time.sleep(stub.delay)
                limit = body.get("max_tokens") or body.get("max_completion_tokens") \
                    or (body.get("options") or {}).get("num_predict")
                if stub.runaway and not limit:
                    time.sleep(stub.runaway)
                if self.path == "/api/chat":  # ollama, streamed as NDJSON
                    lines = [
                        {"model": body.get("model"), "created_at": "2026-01-01T00:00:00Z",
                         "message": {"role": "assistant", "content": stub.reply}, "done": False},
                        {"model": body.get("model"), "created_at": "2026-01-01T00:00:00Z",
                         "message": {"role": "assistant", "content": ""}, "done": True, "done_reason": "stop",
                         "total_duration": 1, "load_duration": 1, "prompt_eval_count": 1, "prompt_eval_duration": 1,
                         "eval_count": 1, "eval_duration": 1},
                    ]
                    payload = "".join(json.dumps(x) + "\n" for x in lines).encode()
                    ctype = "application/x-ndjson"
                elif self.path == "/v1/chat/completions":
                    payload = json.dumps({
                        "id": "stub-1", "object": "chat.completion", "created": 0, "model": body.get("model"),
                        "choices": [{"index": 0, "finish_reason": "stop",
                                     "message": {"role": "assistant", "content": stub.reply}}],
                        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
                    }).encode()
                    ctype = "application/json"
                else:
                    self.send_response(404)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def index(tmp_path_factory) -> Index:
    base = tmp_path_factory.mktemp("gen")
    corpus = base / "corpus"
    for rel in ["beleidsregels/beleidsregels-kostendelersnorm-lindewaarde-2024.md",
                "richtsnoeren/richtsnoer-maatwerk-en-afwijken.md", "besluiten/MB-2025-024.md",
                "besluiten/MB-2024-041.md", "besluiten/MB-2026-011.md"]:
        (corpus / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / "corpus" / rel, corpus / rel)
    idx = Index.open(base / "data", HashingEmbeddings())
    assert idx.index_paths([corpus], progress=False).ok
    return idx


def passage_reply(index) -> tuple[str, str]:
    """A recorded reply quoting one real sentence with the right marker, one invented quote and
    one marker that points nowhere; the marker number is the one the assistant will assign."""
    fake_assistant = Assistant(index, make_generator("fake"), Pseudonymiser(use_deduce=False))
    fake_assistant.ask(QUESTION, peildatum="2026-11-01")
    sent = "\n".join(m.content for m in fake_assistant.generator.chat_model.history[-1])
    import re

    m = re.search(r"^\[(\d+)\] artikel 3, \w+ lid, Beleidsregels kostendelersnorm[^\n]*\n(?:\d+\. )?([^.]+\.)", sent, re.M)
    n, real = m.group(1), m.group(2)
    return (f"Verlenging is mogelijk: „{real}“ [{n}]. Bovendien „mag de klant altijd blijven“ [{n}]. "
            f"Zie ook [42]."), real


@pytest.mark.parametrize("backend", ["ollama", "openai"])
def test_llm_backend_over_http_fabrications_caught(index, backend):
    reply, real = passage_reply(index)
    stub = StubServer(reply)
    try:
        base_url = stub.url if backend == "ollama" else stub.url + "/v1"
        gen = make_generator(backend, model="stub-model", base_url=base_url, timeout=5)
        assistant = Assistant(index, gen, Pseudonymiser(use_deduce=False))
        a = assistant.ask("Mevrouw Jansen vraagt: " + QUESTION, peildatum="2026-11-01")
    finally:
        stub.close()
    path, body = stub.requests[-1]
    assert path == ("/api/chat" if backend == "ollama" else "/v1/chat/completions")
    assert body["model"] == "stub-model"
    sent = json.dumps(body, ensure_ascii=False)
    assert "Jansen" not in sent and "[NAAM-1]" in sent
    assert "Beleidsregels kostendelersnorm" in sent  # the prompt held the passages
    assert real in a.answer
    assert "altijd blijven" not in a.answer and any("altijd blijven" in w for w in a.warnings)
    assert "[42]" not in a.answer and any("[42]" in w for w in a.warnings)
    assert a.trace["backend"] == backend and a.trace["model"] == "stub-model"
    assert "fallback" not in a.trace


@pytest.mark.parametrize("backend", ["ollama", "openai"])
def test_every_llm_call_carries_an_output_budget_and_stop_sequences(index, backend):
    """Against a server that generates until its context is full unless a limit is sent, the
    answer arrives from the model (no fallback) because every call carries max_tokens /
    num_predict and stop sequences."""
    from assistant.answering.generation import STOP_SEQUENCES

    reply, _ = passage_reply(index)
    stub = StubServer(reply, runaway=6)
    try:
        base_url = stub.url if backend == "ollama" else stub.url + "/v1"
        gen = make_generator(backend, model="stub-model", base_url=base_url, timeout=3, max_tokens=321)
        a = Assistant(index, gen, Pseudonymiser(use_deduce=False)).ask(QUESTION, peildatum="2026-11-01")
    finally:
        stub.close()
    _, body = stub.requests[-1]
    if backend == "ollama":
        assert body["options"]["num_predict"] == 321 and body["options"]["stop"] == STOP_SEQUENCES
    else:
        assert (body.get("max_tokens") or body.get("max_completion_tokens")) == 321
        assert body["stop"] == STOP_SEQUENCES
    assert "fallback" not in a.trace, a.warnings


def test_openai_timeout_falls_back_to_grounded(index):
    stub = StubServer("te laat [1]", delay=3)
    try:
        gen = make_generator("openai", model="m", base_url=stub.url + "/v1", timeout=0.5)
        a = Assistant(index, gen, Pseudonymiser(use_deduce=False)).ask(QUESTION, peildatum="2026-11-01")
    finally:
        stub.close()
    assert a.grounded and a.trace["fallback"] == "grounded"
    assert any("niet op tijd" in w for w in a.warnings), a.warnings


def test_ollama_down_falls_back_to_grounded(index):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again when the block ends: nothing listens
    gen = make_generator("ollama", model="m", base_url=f"http://127.0.0.1:{port}", timeout=2)
    a = Assistant(index, gen, Pseudonymiser(use_deduce=False)).ask(QUESTION, peildatum="2026-11-01")
    assert a.grounded and a.trace["fallback"] == "grounded"
    assert any("niet bereikbaar" in w for w in a.warnings), a.warnings


def test_registry_and_unknown_backend():
    # The built-ins, and "fake", which only the entry point in pyproject.toml registers (evals/fakes.py).
    assert set(LLM_BACKENDS.names()) >= {"grounded", "ollama", "openai", "llamacpp", "fake"}
    assert "fake" not in LLM_BACKENDS._builtins
    assert make_generator("grounded").uses_llm is False
    with pytest.raises(GenerationError, match="onbekende antwoord-backend"):
        make_generator("gpt-magic")
    with pytest.raises(GenerationError, match="MAATWERK_LLM_MODEL"):
        make_generator("ollama")


def test_llamacpp_missing_extra_or_model_gives_dutch_message():
    with pytest.raises(GenerationError) as err:
        make_generator("llamacpp", model="/nonexistent/model.gguf")
    assert "maatwerkassistent[llamacpp]" in str(err.value) or "GGUF" in str(err.value)


def test_fake_backend_queues_and_records():
    gen = make_generator("fake")
    gen.chat_model.enqueue("eerste [1]", "tweede [1]")
    chunk = Chunk("c1", "d1", "s.md", "T", "artikel 1 T", "beleidsregel", "algemeen", "Tekst van de regel.")
    req = GenerationRequest("vraag?", "2026-01-01", [Passage(1, chunk, "Gemeentelijke regels")])
    assert gen.generate(req) == "eerste [1]"
    assert gen.generate(req) == "tweede [1]"
    assert len(gen.chat_model.history) == 2 and "Tekst van de regel." in gen.chat_model.history[0][1].content


def test_grounded_generator_quotes_verbatim_the_sentence_that_answers():
    text = ("1. Het college verstrekt bijstand voor een wasmachine tot ten hoogste € 525.\n\n"
            "2. Voor een koelkast geldt een maximum van € 400.")
    chunk = Chunk("c1", "d1", "s.md", "T", "artikel 4 T", "beleidsregel", "participatiewet", text)
    out = GroundedGenerator(1).generate(GenerationRequest("hoeveel voor een koelkast", "2026-01-01",
                                                          [Passage(3, chunk, "Gemeentelijke regels")]))
    assert "„Voor een koelkast geldt een maximum van € 400.“ [3]" in out
    assert "Gemeentelijke regels:" in out


def test_prompts_are_files_with_a_stable_hash():
    p = Prompt.load("antwoord")
    assert p.hash == Prompt.load("antwoord").hash and len(p.hash) == 16
    system, user = p.render(vraag="V?", peildatum="2026-01-01", casus="-", afwijkingsruimte="-", passages="[1] x")
    assert "Nederlands" in system and "V?" in user and "[1] x" in user
    with pytest.raises(GenerationError, match="ontbreekt"):
        Prompt.load("bestaat-niet")
