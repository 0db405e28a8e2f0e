"""Named factories that a gemeente can extend without forking: answer backends (LLMs), embedders
and CLI commands.

Each kind is one ``Plugins`` registry. It holds the built-ins of this package, finds others
through an entry-point group of installed packages (as simonw/llm finds its plugins), and accepts
registrations at run time. A package adds an answer backend with, in its pyproject.toml::

    [project.entry-points."maatwerk.llm"]
    mijnserver = "mijn_pakket.backend:make"      # make(BackendConfig) -> Generator

and MAATWERK_LLM=mijnserver selects it. This project's own test backend ("fake") is registered
that way, from evals/fakes.py: the product does not carry it."""

from __future__ import annotations

from importlib.metadata import entry_points
from typing import Callable, Generic, TypeVar

F = TypeVar("F", bound=Callable)

LLM_GROUP = "maatwerk.llm"
EMBEDDER_GROUP = "maatwerk.embedders"
COMMAND_GROUP = "maatwerk.commands"


class Plugins(Generic[F]):
    """Factories by name: registered ones first, then the built-ins, then entry points."""

    def __init__(self, group: str, builtins: dict[str, F] | None = None):
        self.group = group
        self._builtins: dict[str, F] = dict(builtins or {})
        self._registered: dict[str, F] = {}

    def register(self, name: str, factory: F) -> None:
        self._registered[name.strip().lower()] = factory

    def unregister(self, name: str) -> None:
        self._registered.pop(name.strip().lower(), None)

    def _entry_points(self) -> dict:
        return {ep.name.lower(): ep for ep in entry_points(group=self.group)}

    def names(self) -> list[str]:
        seen = [*self._builtins, *self._registered]
        return seen + sorted(n for n in self._entry_points() if n not in seen)

    def get(self, name: str) -> F | None:
        key = (name or "").strip().lower()
        if key in self._registered:
            return self._registered[key]
        if key in self._builtins:
            return self._builtins[key]
        ep = self._entry_points().get(key)
        return ep.load() if ep is not None else None
