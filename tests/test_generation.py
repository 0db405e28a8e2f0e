"""Answer backends by name; ollama and openai against a stub HTTP server on 127.0.0.1 that
generates recorded responses token by token (tests/llm_stub.py), so the real langchain clients
run end to end without a model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import indexed_sample
from assistant.answering.pipeline import Assistant
from assistant.corpus.documents import Chunk
from assistant.answering.generation import (
    LLM_BACKENDS, GenerationError, GenerationRequest, GroundedGenerator, Passage, Prompt, make_generator,
)
from assistant.retrieval.index import Index
from assistant.privacy import Pseudonymiser
from llm_stub import RUNAWAY_TOKENS, StubServer

ROOT = Path(__file__).resolve().parent.parent
QUESTION = "Kan de tijdelijke opvang van een dakloze zoon zonder kostendelersnorm langer duren?"


@pytest.fixture(scope="module")
def index(tmp_path_factory) -> Index:
    return indexed_sample(tmp_path_factory.mktemp("gen"), [
        "beleidsregels/beleidsregels-kostendelersnorm-lindewaarde-2024.md",
        "richtsnoeren/richtsnoer-maatwerk-en-afwijken.md",
        "besluiten/MB-2025-024.md",
        "besluiten/MB-2024-041.md",
        "besluiten/MB-2026-011.md",
    ])


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


def _base_url(stub: StubServer, backend: str) -> str:
    return stub.url if backend == "ollama" else stub.url + "/v1"


def _sent_limits(body: dict, backend: str) -> tuple[int | None, list[str] | None]:
    if backend == "ollama":
        return body["options"].get("num_predict"), body["options"].get("stop")
    return body.get("max_tokens") or body.get("max_completion_tokens"), body.get("stop")


def test_the_stub_runs_away_without_a_limit():
    """The control for the budget tests: asked without a token limit, the stub server really
    keeps generating until its 'context' is full."""
    import urllib.request

    stub = StubServer("Een antwoord [1].", runaway=True)
    try:
        req = urllib.request.Request(stub.url + "/v1/chat/completions", method="POST",
                                     data=json.dumps({"model": "m", "messages": []}).encode(),
                                     headers={"Content-Type": "application/json"})
        text = json.loads(urllib.request.urlopen(req, timeout=10).read())["choices"][0]["message"]["content"]
    finally:
        stub.close()
    assert stub.produced == [RUNAWAY_TOKENS] and text.count("bla") == RUNAWAY_TOKENS - 3


@pytest.mark.parametrize("backend", ["ollama", "openai"])
def test_every_llm_call_carries_an_output_budget_and_stop_sequences(index, backend):
    """Against a server that keeps generating unless a limit is sent, the model's answer ends at
    the budget (max_tokens / num_predict), not at the server's context, and arrives (no
    fallback); a model that starts a new turn ("\nVraag:") is cut there by the stop sequences."""
    from assistant.answering.generation import STOP_SEQUENCES

    reply, real = passage_reply(index)
    runaway = StubServer(reply, runaway=True)
    try:
        gen = make_generator(backend, model="stub-model", base_url=_base_url(runaway, backend), timeout=20,
                             max_tokens=321)
        a = Assistant(index, gen, Pseudonymiser(use_deduce=False)).ask(QUESTION, peildatum="2026-11-01")
    finally:
        runaway.close()
    _, body = runaway.requests[-1]
    assert _sent_limits(body, backend) == (321, STOP_SEQUENCES)
    assert runaway.produced[-1] == 321 and "fallback" not in a.trace, a.warnings
    assert real in a.answer and a.answer.count("bla") == 321 - len(reply.split())

    new_turn = StubServer(reply + "\nVraag: en wat als zij ook nog een auto heeft?\nAntwoord: nee [1].",
                          runaway=True)
    try:
        gen = make_generator(backend, model="stub-model", base_url=_base_url(new_turn, backend), timeout=20)
        a = Assistant(index, gen, Pseudonymiser(use_deduce=False)).ask(QUESTION, peildatum="2026-11-01")
    finally:
        new_turn.close()
    assert new_turn.produced[-1] == len(reply.split()) and "fallback" not in a.trace
    assert real in a.answer and "auto" not in a.answer and "bla" not in a.answer


@pytest.mark.parametrize("backend", ["ollama", "openai"])
def test_llm_tokens_stream_as_they_arrive(index, backend):
    """compose() hands out the model's text piece by piece (one Step per streamed token) and
    returns the same checked answer as ask()."""
    reply, real = passage_reply(index)
    stub = StubServer(reply)
    try:
        gen = make_generator(backend, model="stub-model", base_url=_base_url(stub, backend), timeout=20)
        assistant = Assistant(index, gen, Pseudonymiser(use_deduce=False))
        steps = assistant.compose(QUESTION, peildatum="2026-11-01")
        kinds, pieces = [], []
        while True:
            try:
                step = next(steps)
            except StopIteration as done:
                answer = done.value
                break
            kinds.append(step.kind)
            if step.kind == "tekst":
                pieces.append(step.fields["tekst"])
        asked = assistant.ask(QUESTION, peildatum="2026-11-01")
    finally:
        stub.close()
    assert stub.requests[0][1].get("stream") is True
    assert len(pieces) == len(reply.split()) and "".join(pieces).strip() == reply
    # the kort antwoord comes before the model's text, the motivering after it
    assert kinds.index("kort_antwoord") < kinds.index("tekst") < kinds.index("motivering")
    assert real in answer.answer and "altijd blijven" not in answer.answer  # checked after streaming
    strip = lambda d: {k: v for k, v in d.items() if k != "trace"}
    assert strip(answer.to_dict()) == strip(asked.to_dict())


def test_a_stream_that_outlasts_the_timeout_falls_back(index):
    """A server that keeps sending, slowly, never trips a per-read timeout; the answer as a whole
    must still be done within MAATWERK_LLM_TIMEOUT, and the stream is given up."""
    stub = StubServer("Een antwoord dat maar blijft komen [1].", pace=0.05, runaway=True)
    try:
        gen = make_generator("openai", model="m", base_url=stub.url + "/v1", timeout=1)
        a = Assistant(index, gen, Pseudonymiser(use_deduce=False)).ask(QUESTION, peildatum="2026-11-01")
    finally:
        stub.close()
    assert a.trace["fallback"] == "grounded" and any("niet op tijd" in w for w in a.warnings), a.warnings
    assert stub.produced[-1] < 700  # the default budget was not reached: the client stopped reading


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
    # streamed like a served model: word by word, the same text
    gen.chat_model.enqueue("derde antwoord, in stukken [1]")
    assert list(gen.stream(req)) == ["derde ", "antwoord, ", "in ", "stukken ", "[1]"]
    gen.chat_model.enqueue("   ")
    with pytest.raises(GenerationError, match="leeg antwoord"):
        list(gen.stream(req))


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


def test_a_backend_registered_by_a_plugin_is_used_by_name(index):
    """A gemeente's own backend, registered at run time (entry points reach the same registry):
    MAATWERK_LLM names it, and its answer goes through the same verification."""
    from assistant.answering.generation import LLM_BACKENDS
    from assistant.retrieval.embeddings import EMBEDDERS, HashingEmbeddings, make_embedder
    from evals.fakes import FakeChatModel
    from assistant.answering.generation import ChatModelGenerator

    chat = FakeChatModel()
    LLM_BACKENDS.register("gemeente-server", lambda cfg: ChatModelGenerator(chat, "gemeente-server", cfg.model or "m"))
    EMBEDDERS.register("gemeente-embedder", lambda model=None, threads=2: HashingEmbeddings(dimension=64))
    try:
        assert "gemeente-server" in LLM_BACKENDS.names() and "gemeente-embedder" in EMBEDDERS.names()
        gen = make_generator("Gemeente-Server", model="eigen")
        assert gen.name == "gemeente-server" and gen.model == "eigen"
        assert make_embedder("gemeente-embedder").dimension == 64
    finally:
        LLM_BACKENDS.unregister("gemeente-server")
        EMBEDDERS.unregister("gemeente-embedder")
    with pytest.raises(GenerationError, match="onbekende antwoord-backend"):
        make_generator("gemeente-server")
