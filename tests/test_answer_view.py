"""One answer as the chat shows and exports it: the parts said once (answer_parts), the language
model's streamed text escaped piece by piece exactly as the finished text would be
(TokenMarkdown), and the Markdown and DOCX export of one answer. A real answer from a real
index (Chroma, hashing embedder) over the sample corpus."""

from __future__ import annotations

import io
import random
import re
from pathlib import Path

import pytest

from conftest import indexed_sample
from assistant.answering import parts as answer_parts
from assistant.answering.pipeline import Assistant
from assistant.answering.generation import make_generator
from assistant.privacy import Pseudonymiser

ROOT = Path(__file__).resolve().parent.parent
QUESTION = "Klant wil een wasmachine van 600 euro via de bijzondere bijstand, mag dat?"


@pytest.fixture(scope="module")
def answer(tmp_path_factory) -> dict:
    idx = indexed_sample(tmp_path_factory.mktemp("view"), [
        "beleidsregels/beleidsregels-bijzondere-bijstand-lindewaarde.md", "besluiten",
        "richtsnoeren/richtsnoer-maatwerk-en-afwijken.md", "landelijk/awb", "landelijk/participatiewet"])
    a = Assistant(idx, make_generator("grounded"), Pseudonymiser(use_deduce=False))
    return a.ask(QUESTION, peildatum="2026-03-01").to_dict()


def test_each_part_is_said_once(answer):
    body = answer_parts.body(answer)
    chain = answer_parts.chain_line(answer)
    assert answer["kort_antwoord"] and answer["afwijkingsruimte"] and answer["precedents"]
    assert answer["answer"].startswith("Kort antwoord:")  # the composed text still holds everything
    for shown_apart in ("Kort antwoord:", "Nog nodig", "Afwijkingsruimte (", "Keten van de regel", "Eerdere besluiten:",
                        "Eerdere maatwerk-besluiten:", "De professional beslist"):
        assert shown_apart not in body, shown_apart
    room = set(answer["afwijkingsruimte"]["markers"])
    assert room and not any(set(answer_parts.markers(line)) <= room for line in body.splitlines()
                            if line.startswith("- ")), "the passage that grants the room is quoted in its own block"
    if chain:
        assert "→" in chain and answer_parts.markers(chain)
    # every quote of the body is still there, in the order it came
    kept = [line for line in answer["answer"].splitlines() if line in body.splitlines() and line.startswith("- ")]
    assert kept == [line for line in body.splitlines() if line.startswith("- ")] and kept


TEXTS = [
    "Ja [1]. Zie https://evil.example/x en www.evil.example, of mail naar iemand@evil.example.\n\n"
    "- een punt met **vet** en [link](https://evil.example) [2]\n- tweede punt\n# kop\n  ingesprongen <b>html</b>",
    "- \n-x\n\n\n:red[rood] $x$ `code` ~~weg~~ | a | b |\n1. genummerd",
    "Kort. [3]",
]


@pytest.mark.parametrize("text", TEXTS)
def test_streamed_tokens_read_as_the_finished_text(text):
    """Whatever pieces the model's text arrives in, the pieces joined are md_escape_lines of the
    whole text: nothing in a half-streamed text becomes a link, heading, list or code."""
    pytest.importorskip("streamlit")
    from assistant.ui.answer_view import TokenMarkdown
    from assistant.ui.views import md_escape_lines

    expected = "\n".join(line.rstrip() for line in md_escape_lines(text).split("\n"))
    rng = random.Random(7)
    for _ in range(40):
        cuts = sorted(rng.sample(range(1, len(text)), rng.randint(1, min(30, len(text) - 1))))
        pieces = [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)])]
        md = TokenMarkdown()
        out = "".join(md.feed(p) for p in pieces) + md.end_line()
        assert "\n".join(line.rstrip() for line in out.split("\n")).rstrip("\n") == expected.rstrip("\n"), pieces
    # it does stream: most words come out as they arrive, not at the end
    word_by_word = TokenMarkdown()
    words = re.findall(r"\S+\s*|\s+", text)
    streamed = [word_by_word.feed(p) for p in words]
    assert sum(1 for s in streamed if s) >= len(words) // 2


def test_answer_markdown_and_docx_hold_the_parts_in_order(answer):
    from docx import Document

    from assistant.reporting import answer_docx, answer_markdown

    md = answer_markdown(answer)
    heads = re.findall(r"(?m)^## (.+)$", md)
    assert heads[0].startswith("Kort antwoord (") and "Afwijkingsruimte" in heads and "Eerdere besluiten" in heads
    assert heads.index("Afwijkingsruimte") < heads.index("Eerdere besluiten") < heads.index("Concept-motivering")
    assert heads[-1] == "Bronnen" and len(heads) == len(set(heads))
    assert md.count(answer["afwijkingsruimte"]["toelichting"]) == 1
    for p in answer["precedents"]:
        assert md.count(p["regel_kort"]) == 1
    assert "Eerdere maatwerk-besluiten:" not in md and md.count("De professional beslist; dit antwoord") == 1

    doc = Document(io.BytesIO(answer_docx(answer)))
    paragraphs = [p.text for p in doc.paragraphs]
    doc_heads = [p.text for p in doc.paragraphs if p.style.name == "Heading 2"]
    assert [h for h in heads] == doc_heads
    assert answer["kort_antwoord"] in paragraphs
    assert any(answer["precedents"][0]["regel_kort"] == p for p in paragraphs)
    kops = [p.text for p in doc.paragraphs if p.style.name == "Heading 3"]
    assert kops == [m["kop"] for m in answer["motivering"]]
