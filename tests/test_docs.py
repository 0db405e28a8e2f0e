"""Docs that cannot drift: every setting is in the README's configuration table, the README's
two commands exist in the Makefile, and the gold sets name files that exist."""

from __future__ import annotations

import re

import pytest

from assistant.config import Settings
from conftest import NATIONAL, OTHER_GEMEENTEN, REPO


def test_every_setting_is_documented_in_the_readme():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `(MAATWERK_[A-Z_]+)` \|", readme, flags=re.M))
    expected = {f"MAATWERK_{name.upper()}" for name in Settings.model_fields}
    assert expected == documented


def test_readme_and_docs_list_the_demo_accounts_of_the_login_page():
    from assistant.identity.auth import DEMO_ACCOUNTS

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    ui = (REPO / "docs" / "ui.md").read_text(encoding="utf-8")
    for username, _, _ in DEMO_ACCOUNTS:
        assert f"`{username}`" in readme and f"| {username} |" in ui, username


def test_readme_commands_exist_in_makefile_and_ci_runs_the_test_command():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    for target in ("run", "test"):
        assert f"make {target}" in readme and re.search(rf"^{target}:", makefile, flags=re.M)
    assert "make test" in (REPO / ".ci" / "run").read_text(encoding="utf-8")


def _gold_file(rel: str):
    """A retrieval gold set's path (relative to the national corpus, lokaal/ for other gemeenten)."""
    return (OTHER_GEMEENTEN if rel.startswith("lokaal/") else NATIONAL) / rel


def test_gold_sets_over_the_national_corpus_name_files_that_exist():
    import yaml

    from evals.retrieval import load_gold

    for name in ("retrieval.yaml", "retrieval-holdout.yaml", "retrieval-blind-b.yaml", "retrieval-blind-c.yaml",
                 "retrieval-blind-d.yaml", "retrieval-blind-e.yaml"):
        questions = load_gold(REPO / "evals" / "gold" / name)
        assert len({q.id for q in questions}) == len(questions) >= 40, name
        missing = [(q.id, p) for q in questions for p in q.relevant if not _gold_file(p).is_file()]
        assert not missing, (name, missing)
    judged = yaml.safe_load((REPO / "evals" / "gold" / "retrieval-pooled.yaml").read_text(encoding="utf-8"))
    assert all(_gold_file(j["file"]).is_file() and j["grade"] in (0, 1, 2) for j in judged)


def test_answer_gold_sets_name_files_that_exist():
    """Practice set and holdout: the governing files, written as the blind writers saw them
    (corpus-nl/ for the national layer, lindewaarde/ for the sample gemeente), all exist."""
    import yaml

    where = {"corpus-nl/": NATIONAL, "lindewaarde/": REPO / "corpus"}
    for name in ("answers-practice.yaml", "answers-holdout.yaml", "answers-holdout-2.yaml", "answers-review.yaml",
                 "answers-review-2.yaml", "answers-review-3.yaml", "answers-holdout-3.yaml",
                 "answers-review-4.yaml", "answers-holdout-4.yaml", "answers-review-5.yaml"):
        items = yaml.safe_load((REPO / "evals" / "gold" / name).read_text(encoding="utf-8"))
        assert len({i["id"] for i in items}) == len(items) >= 12, name
        missing = []
        for item in items:
            for g in item.get("governing") or []:
                prefix = next(p for p in where if g["file"].startswith(p))
                rel = g["file"][len(prefix):]
                if not ((where[prefix] / rel).is_file() or (prefix == "corpus-nl/" and _gold_file(rel).is_file())):
                    missing.append((item["id"], g["file"]))
        assert not missing, (name, missing)
