"""End to end: personal data typed by a professional never reaches the index, the case
database, the logs or an LLM request. Uses the labelled privacy set as the source of PII."""

from __future__ import annotations

import logging

import pytest

from assistant.answering.pipeline import Assistant
from assistant.cases import CaseLog
from assistant.answering.generation import make_generator
from evals.privacy_eval import load_gold

PII_ITEMS = [item for item in load_gold() if item["entities"]][:40]


def pii_values() -> set[str]:
    return {e["value"] for item in PII_ITEMS for e in item["entities"] if len(e["value"]) >= 4}


def leaked(text: str) -> list[str]:
    return sorted(v for v in pii_values() if v in text)


@pytest.fixture
def setup(small_corpus, make_index, tmp_path):
    index = make_index()
    index.index_paths([small_corpus], progress=False)
    generator = make_generator("fake")
    assistant = Assistant(index, generator)
    log = CaseLog.from_url(f"sqlite:///{tmp_path / 'cases.db'}")
    log.add_user("anna", "professional")
    return index, generator, assistant, log, tmp_path


def test_pii_reaches_neither_llm_nor_index_nor_database_nor_logs(setup, caplog):
    index, generator, assistant, log, tmp_path = setup
    caplog.set_level(logging.DEBUG)
    chat = generator.chat_model
    for item in PII_ITEMS[:12]:
        chat.enqueue("Volgens de regels kan dat [1].")
        first = item["entities"][0]["value"]
        question = f"Mag ik afzien van terugvordering bij dringende redenen voor {first}?"
        answer = assistant.ask(question, peildatum="2026-08-01",
                               casus={"situatie": item["text"], "omstandigheden": item["text"]})
        case = log.create_case("anna", question=question, situation=item["text"],
                               knelpunt_description=item["text"], motivering=item["text"])
        log.attach_ai_trace(case.id, answer.to_dict(), by="anna")

    sent = "\n".join(str(m.content) for call in chat.history for m in call)
    assert len(chat.history) == 12, "every question reached the (fake) LLM"
    assert leaked(sent) == []

    index_text = "\n".join(c.text + c.citation + c.title for c in index.all_chunks())
    index_files = "".join(p.read_bytes().decode("utf-8", "ignore") for p in index.lexical_dir.rglob("*") if p.is_file())
    assert leaked(index_text) == [] and leaked(index_files) == []

    db_bytes = b"".join(p.read_bytes() for p in tmp_path.glob("cases.db*"))
    assert leaked(db_bytes.decode("utf-8", "ignore")) == []

    assert leaked("\n".join(r.getMessage() for r in caplog.records)) == []


def test_the_checks_above_would_see_a_leak(setup):
    """The same inspection finds PII when pseudonymisation is switched off: the test can fail."""
    index, generator, _, _, _ = setup
    raw = Assistant(index, generator, pseudonymiser=False)
    generator.chat_model.enqueue("Volgens de regels kan dat [1].")
    item = next(i for i in PII_ITEMS if any(e["kind"] == "BSN" for e in i["entities"]))
    bsn = next(e["value"] for e in item["entities"] if e["kind"] == "BSN")
    raw.ask(f"Mag ik afzien van terugvordering bij dringende redenen voor {bsn}?", peildatum="2026-08-01",
            casus={"situatie": item["text"]})
    sent = "\n".join(str(m.content) for m in generator.chat_model.history[-1])
    assert leaked(sent)
