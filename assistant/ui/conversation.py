"""A conversation about one casus: the questions asked so far, the answers, the peildatum. A
follow-up ("en als ze ook nog een zoon heeft?") is retrieved together with what was said
before, so it builds on the same situation instead of starting over."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from assistant.answers import MAX_QUESTION_CHARS


@dataclass
class Turn:
    question: str  # as the professional typed it
    asked: str  # what was sent to the assistant (question + earlier context)
    answer: dict[str, Any] | None = None  # Answer.to_dict()
    error: str | None = None


@dataclass
class Conversation:
    peildatum: dt.date = field(default_factory=dt.date.today)
    turns: list[Turn] = field(default_factory=list)
    case_id: int | None = None  # the concept case this conversation was saved as
    attached: int = 0  # answers already frozen with that case

    @property
    def answered(self) -> list[Turn]:
        return [t for t in self.turns if t.answer is not None]

    @property
    def last_answer(self) -> dict[str, Any] | None:
        answered = self.answered
        return answered[-1].answer if answered else None

    def context_for(self, follow_up: str, limit: int = MAX_QUESTION_CHARS) -> str:
        """The text to retrieve with: the first question (it sets the casus), later additions,
        then the follow-up. When too long, the oldest additions go first; the opening question
        and the follow-up always stay."""
        follow_up = follow_up.strip()
        earlier = [t.question.strip() for t in self.answered]
        if not earlier:
            return follow_up
        first, middle = earlier[0], earlier[1:]
        while middle and len("\n".join([first, *middle, follow_up])) > limit:
            middle.pop(0)
        text = "\n".join([first, *middle, follow_up])
        if len(text) > limit:
            room = max(limit - len(follow_up) - 1, 0)
            text = (first[:room] + "\n" + follow_up) if room else follow_up[:limit]
        return text

    def casus(self) -> dict[str, Any]:
        """Casus context for Assistant.ask(): the additions after the opening question are the
        circumstances the professional brought in."""
        extra = [t.question for t in self.answered[1:]]
        return {"omstandigheden": extra} if extra else {}

    def situation_text(self) -> str:
        return "\n".join(f"- {t.question}" for t in self.answered)

    @property
    def opening_question(self) -> str:
        answered = self.answered
        return answered[0].question if answered else ""
