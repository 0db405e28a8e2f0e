"""The fake answer backend: a chat model with queued responses and a history of what it was sent
(after simonw/llm's MockModel). Used by the tests and the red team, and registered like any
backend: the entry point ``fake`` in the group ``maatwerk.llm`` (pyproject.toml), so
MAATWERK_LLM=fake works in a subprocess or an installed wheel too. The product does not carry it."""

from __future__ import annotations

import re
from typing import Any

from assistant.answering.generation import BackendConfig, ChatModelGenerator, Generator



def _fake_chat_model_class():
    from langchain_core.language_models.chat_models import BaseChatModel
    from langchain_core.messages import AIMessage, AIMessageChunk
    from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult

    class FakeChatModel(BaseChatModel):
        """Queued responses and a history of what was sent (after simonw/llm's MockModel)."""

        responses: list[Any] = []
        history: list[list[Any]] = []
        default: str = "Dit is een testantwoord van de fake-backend zonder bronverwijzing."

        def enqueue(self, *texts: Any) -> "FakeChatModel":
            """Queue a response: a string, or an exception instance to raise instead."""
            self.responses.extend(texts)
            return self

        @property
        def _llm_type(self) -> str:
            return "maatwerk-fake"

        def _generate(self, messages, stop=None, run_manager=None, **kwargs) -> ChatResult:
            self.history.append(list(messages))
            item = self.responses.pop(0) if self.responses else self.default
            if isinstance(item, BaseException):
                raise item
            return ChatResult(generations=[ChatGeneration(message=AIMessage(content=item))])

        def _stream(self, messages, stop=None, run_manager=None, **kwargs):
            """Like a served model: the queued response word by word (whitespace kept)."""
            self.history.append(list(messages))
            item = self.responses.pop(0) if self.responses else self.default
            if isinstance(item, BaseException):
                raise item
            for piece in re.findall(r"\S+\s*|\s+", item):
                yield ChatGenerationChunk(message=AIMessageChunk(content=piece))

    return FakeChatModel


def FakeChatModel(**kwargs):
    cls = _fake_chat_model_class()
    return cls(responses=[], history=[], **kwargs)


def fake_backend(cfg: BackendConfig) -> Generator:
    """The factory behind MAATWERK_LLM=fake."""
    return ChatModelGenerator(FakeChatModel(), "fake", cfg.model or "fake")
