"""The answers a reviewer grades: the current code's answer to each question of a review set, as
the app exports it ("Antwoord (.md)"), and the questions alone (for a reviewer who must not see
the labels).

  MAATWERK_DATA_DIR=/tmp/mw-default maatwerk index corpus
  MAATWERK_DATA_DIR=/tmp/mw-default python -m evals.review_answers evals/gold/answers-review-2.yaml answers.md questions.md
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

from assistant.app import App
from assistant.config import Settings
from assistant.reporting import answer_markdown


def main(argv: list[str]) -> None:
    gold_path, answers_path, questions_path = argv
    gold = yaml.safe_load(Path(gold_path).read_text(encoding="utf-8"))
    app = App.from_settings(Settings())
    answers, questions = [], []
    for q in gold:
        answer = app.assistant.ask(q["question"], peildatum=q.get("peildatum"))
        answers.append(f"\n\n======== {q['id']} ========\n\n" + answer_markdown(answer.to_dict()))
        questions.append(f"## {q['id']}\n\n{q['question']}\n"
                         + (f"\nPeildatum: {q['peildatum']}\n" if q.get("peildatum") else ""))
    Path(answers_path).write_text("".join(answers), encoding="utf-8")
    Path(questions_path).write_text("# Vragen\n\n" + "\n".join(questions), encoding="utf-8")
    print(f"{len(answers)} antwoorden geschreven naar {answers_path}")


if __name__ == "__main__":
    main(sys.argv[1:])
