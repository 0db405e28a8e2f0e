"""A conversation about one casus: the questions asked so far, the answers, the peildatum. A
follow-up ("en als ze ook nog een zoon heeft?") is retrieved together with what was said
before, so it builds on the same situation instead of starting over."""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from assistant.answering.model import MAX_QUESTION_CHARS


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
    id: str = field(default_factory=lambda: uuid.uuid4().hex)

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

    @classmethod
    def from_case(cls, case) -> "Conversation":
        """A saved case reopened as a chat: its frozen AI answers become the turns (their text is
        the pseudonymised text the case log holds); further questions build on it and are
        attached to the same case while it is still editable."""
        turns = []
        for i, a in enumerate(case.ai_answers):
            asked = str((a.answer or {}).get("question") or case.question)
            question = case.question if i == 0 else asked.split("\n")[-1]
            turns.append(Turn(question=question, asked=asked, answer=a.answer))
        return cls(peildatum=case.peildatum, turns=turns, case_id=case.id, attached=len(turns))

    @property
    def opening_question(self) -> str:
        answered = self.answered
        return answered[0].question if answered else ""


# ---- conversations kept per user: reopen after a reload, or later --------------------------------

_ID = re.compile(r"^[0-9a-f]{32}$")


class ConversationStore:
    """Each user's conversations as JSON files under the data dir (0600, in 0700 folders).
    What is written is pseudonymised: the professional's own words pass the same pseudonymiser
    as everything else that is stored (the answers already hold pseudonymised text), so a
    reopened conversation shows [NAAM-1] where a name was typed."""

    def __init__(self, root: Path, pseudonymise: Callable[[str], str]):
        self.root = Path(root)
        self.pseudonymise = pseudonymise

    def _dir(self, username: str) -> Path:
        from assistant.integrity import private_dir

        safe = re.sub(r"[^a-z0-9._-]", "_", username.lower()) or "_"
        private_dir(self.root)
        return private_dir(self.root / safe)

    def save(self, username: str, conv: Conversation) -> None:
        if not conv.turns:
            return
        data = {
            "id": conv.id, "peildatum": conv.peildatum.isoformat(), "case_id": conv.case_id,
            "attached": conv.attached, "saved_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "turns": [{"question": self.pseudonymise(t.question), "asked": self.pseudonymise(t.asked),
                       "answer": t.answer, "error": t.error} for t in conv.turns],
        }
        from assistant.integrity import create_private_file

        path = self._dir(username) / f"{conv.id}.json"
        tmp = path.with_suffix(".tmp")
        create_private_file(tmp)
        tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        tmp.replace(path)

    def list(self, username: str) -> list[dict[str, Any]]:
        """Newest first: id, title (the opening question), saved_at, case_id, number of answers."""
        out = []
        for path in self._dir(username).glob("*.json"):
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                first = next((t["question"] for t in data["turns"] if t.get("answer")), data["turns"][0]["question"])
            except (OSError, ValueError, KeyError, IndexError, TypeError):
                continue  # a damaged file is skipped, not fatal
            out.append({"id": data.get("id", path.stem), "title": first[:90], "saved_at": data.get("saved_at", ""),
                        "case_id": data.get("case_id"),
                        "answers": sum(1 for t in data["turns"] if t.get("answer"))})
        return sorted(out, key=lambda d: d["saved_at"], reverse=True)

    def load(self, username: str, conv_id: str) -> Conversation | None:
        if not _ID.match(conv_id or ""):
            return None
        path = self._dir(username) / f"{conv_id}.json"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return Conversation(
                peildatum=dt.date.fromisoformat(data["peildatum"]),
                turns=[Turn(t["question"], t["asked"], t.get("answer"), t.get("error")) for t in data["turns"]],
                case_id=data.get("case_id"), attached=int(data.get("attached") or 0), id=conv_id)
        except (OSError, ValueError, KeyError, TypeError):
            return None
