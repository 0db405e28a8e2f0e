"""Answer backends by name: the deterministic grounded composer (default) and LLM backends
behind langchain's chat-model interface (ollama, openai-compatible, llama.cpp, fake).

The only module that imports langchain chat models; providers are imported lazily so that a
missing optional package only matters when that backend is chosen.
"""

from __future__ import annotations

import hashlib
import re
import time
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Callable, Iterator

from assistant.retrieval.analysis import content_terms, stem
from assistant.corpus.documents import Chunk
from assistant.errors import MaatwerkError
from assistant.plugins import LLM_GROUP, Plugins

# Prompts ship inside the package (assistant/prompts/), read with importlib.resources so a wheel
# install has them as well as a checkout.
USER_SEPARATOR = "=== gebruiker ==="


class GenerationError(MaatwerkError):
    """A backend cannot answer; the message (Dutch) says why and what to do."""


# ---- prompts ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Prompt:
    """A prompt template file from assistant/prompts/: system part, then USER_SEPARATOR, then user part.
    Placeholders are {{name}}; the hash identifies the exact wording an answer was made with."""

    name: str
    text: str

    @property
    def hash(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()[:16]

    def render(self, **values: str) -> tuple[str, str]:
        text = self.text
        for key, value in values.items():
            text = text.replace("{{" + key + "}}", value)
        system, _, user = text.partition(USER_SEPARATOR)
        return system.strip(), user.strip()

    @classmethod
    def load(cls, name: str, directory: Path | None = None) -> "Prompt":
        """The shipped prompt NAME, or NAME.md from DIRECTORY when one is given."""
        if directory is not None:
            path = Path(directory) / f"{name}.md"
            if not path.is_file():
                raise GenerationError(f"prompt '{name}' ontbreekt: verwacht bestand {path}")
            return cls(name, path.read_text(encoding="utf-8"))
        resource = resources.files("assistant") / "prompts" / f"{name}.md"
        if not resource.is_file():
            raise GenerationError(f"prompt '{name}' ontbreekt in het pakket (assistant/prompts/{name}.md); "
                                  "installeer de Maatwerkassistent opnieuw")
        return cls(name, resource.read_text(encoding="utf-8"))


# ---- what a backend gets ----------------------------------------------------------------------


@dataclass
class Passage:
    """A retrieved chunk with the number [n] under which it may be cited."""

    n: int
    chunk: Chunk
    layer: str  # Dutch label of the layer, e.g. "Wet en regelgeving"
    # Sentences of the chunk that carry the power, condition or amount the answer turns on (from
    # the rule model); quoted first, before the sentences that merely share words.
    focus: list[str] = field(default_factory=list)


@dataclass
class GenerationRequest:
    question: str  # already pseudonymised
    peildatum: str
    passages: list[Passage]  # relevant passages for the answer body, best first
    preface: list[str] = field(default_factory=list)  # fixed statements with markers (afwijkingsruimte)
    casus: str = ""  # pseudonymised case context, may be empty
    prompt: Prompt | None = None

    def passages_block(self, scrub: bool = False) -> str:
        """The passages as data: each between <passage n="k"> and </passage>, which the prompt
        says hold source text, never instructions. A passage cannot close its own block or open
        another (tag look-alikes and the prompt's separator inside it are defused). scrub: pass
        each through the corpus pseudonymisation once more (what an LLM receives: the index holds
        scrubbed text already, this also covers an index built before that, until it is
        re-indexed)."""
        from assistant.privacy import corpus_kinds, default_pseudonymiser

        out = []
        for p in self.passages:
            c = p.chunk
            validity = f"geldig {c.valid_from or '?'} tot {c.valid_to or 'heden'}"
            text = " ".join(c.text.split())
            if scrub:
                text = default_pseudonymiser().scrub(text, corpus_kinds(c.source_type))[0]
            body = defuse(text)
            out.append(f'<passage n="{p.n}">\n[{p.n}] {defuse(c.citation)} ({p.layer}; {validity})\n{body}\n</passage>')
        return "\n\n".join(out)


# Markup that would let text inside a passage pose as the prompt's own structure.
_TAG_LIKE = re.compile(r"<\s*/?\s*(?:passage|passages|bron|system|systeem|instructies?|user|gebruiker|assistant)\b",
                       re.I)
_INSTRUCTION_LIKE = re.compile(
    r"(?:\b(?:negeer|vergeet|ignore|disregard|forget)\b[^.\n]{0,60}?\b(?:instructies?|opdrachten?|regels|"
    r"bovenstaande|voorgaande|eerdere|instructions?|previous|above|prompt)\b"
    r"|\b(?:system ?prompt|systeemprompt|you are now|je bent nu|jij bent nu|vanaf nu ben je)\b"
    r"|\b(?:aan het taalmodel|aan de assistent|to the (?:ai|assistant|model))\s*:)", re.I)


def defuse(text: str) -> str:
    """Passage or case text as it goes into a prompt: no tag that could end its block, no
    separator that could start a new part."""
    text = _TAG_LIKE.sub(lambda m: m.group(0).replace("<", "‹"), text)
    return text.replace(USER_SEPARATOR, USER_SEPARATOR.replace("=", "-"))


def instruction_like(text: str) -> str | None:
    """The words in a passage that address a language model ("negeer de instructies", "ignore
    previous instructions", "je bent nu ..."), or None."""
    m = _INSTRUCTION_LIKE.search(text or "") or _TAG_LIKE.search(text or "")
    return " ".join(m.group(0).split()) if m else None


# ---- sentence selection (shared with the pipeline) ----------------------------------------------

# Words that say *that* someone wants to deviate, not *what* about: they match every
# hardheidsclausule and say nothing about which sentence answers the question.
GENERIC_WORDS = frozenset(
    """afwijken afwijking afwijk maatwerk mogelijk mogelijkheid ruimte regel regels kunnen kun kunt
    moeten moeten toepassen toegepast vraag vragen situatie geval gevallen inwoner inwoners
    belanghebbende gemeente college lindewaarde artikel lid""".split()
)
# A sentence ends at . ; ! ? followed by white space and a capital, digit or opening quote;
# "€ 1.200" and "art. 58" stay whole (no white space, or a known abbreviation before it).
_SENTENCE_END = re.compile(r"(?<=[.;!?])\s+(?=[A-Z0-9„“\"'(\[])")
_ABBREVIATIONS = re.compile(
    r"(?:\b(?:art|artt|nr|nrs|jo|bijv|blz|lid|o\.a|m\.b\.t|i\.v\.m|e\.d|z\.s\.m|dhr|mevr|mw|sub|ca|p|pag)|\b[A-Z])\.$",
    re.I,
)
_MARKUP_RE = re.compile(r"^\s*(?:\*\*[^*]{1,120}\*\*|\d+[a-z]?\.|[a-z]\.|\d+°\.?|-|•)\s+")


GENERIC_TERMS = frozenset(stem(w) for w in GENERIC_WORDS)


def sentences(text: str, min_chars: int = 25) -> list[str]:
    """Sentences (and list items) of a passage as exact substrings of it, list markers
    stripped, so each can be quoted verbatim. Shorter ones are left out unless min_chars is
    lowered (a list of amounts: "wasmachine: € 525;")."""
    out = []
    for line in text.splitlines():
        line = _MARKUP_RE.sub("", line).strip()
        if not line:
            continue
        parts: list[str] = []
        for piece in _SENTENCE_END.split(line):
            if parts and _ABBREVIATIONS.search(parts[-1]):
                parts[-1] = f"{parts[-1]} {piece}"
            else:
                parts.append(piece)
        for s in (p.strip() for p in parts):
            if len(s) >= min_chars and s in text:
                out.append(s)
    return out


def select_sentences(text: str, terms: set[str], limit: int = 2, max_chars: int = 400) -> list[str]:
    """The sentences of a passage that share most content words with the question, in their
    original order; the first sentence when none overlaps."""
    terms = terms - GENERIC_TERMS or terms
    scored = []
    for i, s in enumerate(sentences(text)):
        overlap = len(content_terms(s) & terms)
        scored.append((overlap, -i, s))
    if not scored:
        return [" ".join(text.split())[:max_chars]] if text.strip() else []
    best = sorted(scored, reverse=True)[:limit]
    best = [b for b in best if b[0] > 0] or [max(scored, key=lambda t: t[1])]
    chosen = [s for _, _, s in sorted(best, key=lambda t: -t[1])]
    return [s if len(s) <= max_chars else s[:max_chars].rsplit(" ", 1)[0] for s in chosen]


# ---- backends ---------------------------------------------------------------------------------


class Generator:
    """One method: turn a request into Dutch answer text with [n] markers."""

    name = "base"
    model: str | None = None
    uses_llm = True

    def generate(self, request: GenerationRequest) -> str:  # pragma: no cover - interface
        raise NotImplementedError

    def stream(self, request: GenerationRequest) -> Iterator[str]:
        """The answer text in pieces as the backend produces them; one piece unless the backend
        streams."""
        yield self.generate(request)


class GroundedGenerator(Generator):
    """No language model: the answer is the preface plus, per layer, the sentences of each
    passage that answer the question, quoted verbatim with their marker."""

    name = "grounded"
    model = None
    uses_llm = False

    def __init__(self, sentences_per_passage: int = 2):
        self.sentences_per_passage = sentences_per_passage

    def generate(self, request: GenerationRequest) -> str:
        terms = content_terms(request.question)
        lines = list(request.preface)
        current = None
        for p in request.passages:
            if p.layer != current:
                current = p.layer
                lines.append("")
                lines.append(f"{p.layer}:")
            focus = [f for f in dict.fromkeys(p.focus) if f in p.chunk.text]
            chosen = focus[: self.sentences_per_passage] or select_sentences(
                p.chunk.text, terms, self.sentences_per_passage)
            quote = " … ".join(f"„{s}“" for s in chosen)
            lines.append(f"- {p.chunk.citation}: {quote} [{p.n}]")
        return "\n".join(lines).strip()


class ChatModelGenerator(Generator):
    """Any langchain chat model: renders the prompt, sends system + user message, returns text."""

    def __init__(self, chat_model, name: str, model: str | None = None, timeout: float | None = None):
        self.chat_model = chat_model
        self.name = name
        self.model = model
        # A streamed answer must be complete within this many seconds, however steadily the
        # server keeps sending (the client's own timeout applies per read).
        self.timeout = timeout

    def messages(self, request: GenerationRequest):
        from langchain_core.messages import HumanMessage, SystemMessage

        prompt = request.prompt or Prompt.load("antwoord")
        system, user = prompt.render(
            vraag=defuse(request.question),
            peildatum=request.peildatum,
            casus=defuse(request.casus) or "(geen casusgegevens)",
            afwijkingsruimte="\n".join(request.preface) or "(niet vastgesteld)",
            passages=request.passages_block(scrub=True) or "(geen passages gevonden)",
        )
        return [SystemMessage(content=system), HumanMessage(content=user)]

    def generate(self, request: GenerationRequest) -> str:
        try:
            reply = self.chat_model.invoke(self.messages(request))
        except GenerationError:
            raise
        except Exception as exc:  # provider errors have no common base class
            raise GenerationError(describe_failure(self.name, exc)) from exc
        content = reply.content if hasattr(reply, "content") else reply
        if isinstance(content, list):  # content blocks
            content = "".join(b.get("text", "") if isinstance(b, dict) else str(b) for b in content)
        text = str(content).strip()
        if not text:
            raise GenerationError(f"de {self.name}-backend gaf een leeg antwoord")
        return text

    def stream(self, request: GenerationRequest) -> Iterator[str]:
        """The model's tokens as they arrive (langchain's stream: the same output budget and
        stop sequences as invoke). Errors, an empty answer and an answer that takes longer than
        the timeout become a GenerationError."""
        started = time.monotonic()
        got = False
        chunks = None
        try:
            chunks = self.chat_model.stream(self.messages(request))
            for chunk in chunks:
                piece = _text_of(chunk.content if hasattr(chunk, "content") else chunk)
                if piece:
                    got = got or bool(piece.strip())
                    yield piece
                if self.timeout and time.monotonic() - started > self.timeout:
                    raise GenerationError(f"de {self.name}-server antwoordde niet op tijd (zie MAATWERK_LLM_TIMEOUT)")
        except GenerationError:
            raise
        except Exception as exc:  # provider errors have no common base class
            raise GenerationError(describe_failure(self.name, exc)) from exc
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()  # a stream given up on ends its HTTP response
        if not got:
            raise GenerationError(f"de {self.name}-backend gaf een leeg antwoord")


def _text_of(content: Any) -> str:
    if isinstance(content, list):  # content blocks
        return "".join(b.get("text", "") if isinstance(b, dict) else str(b) for b in content)
    return str(content or "")


def describe_failure(backend: str, exc: Exception) -> str:
    text = f"{type(exc).__name__}: {exc}".lower()
    if "timeout" in text or "timed out" in text:
        return f"de {backend}-server antwoordde niet op tijd (zie MAATWERK_LLM_TIMEOUT)"
    if "connect" in text or "refused" in text or "name or service" in text:
        return (f"de {backend}-server is niet bereikbaar; controleer MAATWERK_LLM_BASE_URL en of de "
                "server draait")
    if "404" in text or "not found" in text:
        return f"de {backend}-server kent het model niet (zie MAATWERK_LLM_MODEL)"
    return f"de {backend}-backend gaf een fout: {type(exc).__name__}: {str(exc)[:200]}"


# ---- registry ---------------------------------------------------------------------------------


# Where an answer ends at the latest: a model that starts a new turn or repeats the prompt's
# sections is cut there instead of writing until its context is full.
STOP_SEQUENCES = [USER_SEPARATOR, "\nVraag:", "\nPassages:"]


@dataclass
class BackendConfig:
    model: str | None = None
    base_url: str | None = None
    api_key: str | None = None
    timeout: float = 60.0
    max_tokens: int = 700  # output budget of every call


def _grounded(cfg: BackendConfig) -> Generator:
    return GroundedGenerator()


def _missing(package: str, extra: str, backend: str) -> GenerationError:
    return GenerationError(
        f"de {backend}-backend heeft het pakket '{package}' nodig; installeer het met "
        f"`pip install 'maatwerkassistent[{extra}]'`"
    )


def _ollama(cfg: BackendConfig) -> Generator:
    try:
        from langchain_ollama import ChatOllama
    except ImportError:
        raise _missing("langchain-ollama", "ollama", "ollama") from None
    if not cfg.model:
        raise GenerationError("kies een model voor ollama met MAATWERK_LLM_MODEL (bijv. llama3.1:8b)")
    model = ChatOllama(model=cfg.model, base_url=cfg.base_url or "http://localhost:11434",
                       temperature=0, num_predict=cfg.max_tokens, stop=STOP_SEQUENCES,
                       client_kwargs={"timeout": cfg.timeout})
    return ChatModelGenerator(model, "ollama", cfg.model, cfg.timeout)


def _openai(cfg: BackendConfig) -> Generator:
    try:
        from langchain_openai import ChatOpenAI
    except ImportError:
        raise _missing("langchain-openai", "openai", "openai") from None
    if not cfg.model:
        raise GenerationError("kies een model voor de openai-backend met MAATWERK_LLM_MODEL")
    # A placeholder key: local OpenAI-compatible servers (vLLM, llama.cpp server) accept any.
    model = ChatOpenAI(model=cfg.model, base_url=cfg.base_url, api_key=cfg.api_key or "geen-sleutel",
                       timeout=cfg.timeout, max_retries=0, temperature=0, max_tokens=cfg.max_tokens,
                       stop=STOP_SEQUENCES)
    return ChatModelGenerator(model, "openai", cfg.model, cfg.timeout)


def _llamacpp(cfg: BackendConfig) -> Generator:
    try:
        from langchain_community.chat_models import ChatLlamaCpp
        import llama_cpp  # noqa: F401  (ChatLlamaCpp imports it only when constructed)
    except ImportError:
        raise _missing("langchain-community en llama-cpp-python", "llamacpp", "llamacpp") from None
    if not cfg.model or not Path(cfg.model).is_file():
        raise GenerationError("zet MAATWERK_LLM_MODEL op het pad van een GGUF-bestand voor llamacpp")
    model = ChatLlamaCpp(model_path=cfg.model, temperature=0, n_ctx=4096, max_tokens=cfg.max_tokens,
                         stop=STOP_SEQUENCES, verbose=False)
    return ChatModelGenerator(model, "llamacpp", Path(cfg.model).name, cfg.timeout)


# The answer backends: these built-ins, and any that an installed package registers under the
# entry-point group "maatwerk.llm" (see assistant/plugins.py).
LLM_BACKENDS: Plugins[Callable[[BackendConfig], Generator]] = Plugins(LLM_GROUP, {
    "grounded": _grounded,
    "ollama": _ollama,
    "openai": _openai,
    "llamacpp": _llamacpp,
})


def make_generator(name: str, model: str | None = None, base_url: str | None = None,
                   api_key: str | None = None, timeout: float = 60.0, max_tokens: int = 700) -> Generator:
    factory = LLM_BACKENDS.get(name or "grounded")
    if factory is None:
        raise GenerationError(f"onbekende antwoord-backend '{name}' (kies uit: {', '.join(LLM_BACKENDS.names())})")
    return factory(BackendConfig(model, base_url, api_key, timeout, max_tokens))
