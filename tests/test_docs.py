"""Docs that cannot drift: every setting is in the README's configuration table, the README's
two commands exist in the Makefile, and the gold sets name files that exist."""

from __future__ import annotations

import re

import pytest

from assistant.config import Settings
from conftest import REPO, SHARED_CORPUS


def test_every_setting_is_documented_in_the_readme():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `(MAATWERK_[A-Z_]+)` \|", readme, flags=re.M))
    expected = {f"MAATWERK_{name.upper()}" for name in Settings.model_fields}
    assert expected == documented


def test_readme_and_docs_list_the_demo_accounts_of_the_login_page():
    from assistant.auth import DEMO_ACCOUNTS

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


@pytest.mark.skipif(not SHARED_CORPUS.exists(), reason="shared corpus not present")
def test_gold_sets_over_the_shared_corpus_name_files_that_exist():
    import yaml

    from evals.retrieval import load_gold

    for name in ("retrieval.yaml", "retrieval-holdout.yaml"):
        questions = load_gold(REPO / "evals" / "gold" / name)
        assert len({q.id for q in questions}) == len(questions) >= 40, name
        missing = [(q.id, p) for q in questions for p in q.relevant if not (SHARED_CORPUS / p).is_file()]
        assert not missing, (name, missing)
    judged = yaml.safe_load((REPO / "evals" / "gold" / "retrieval-pooled.yaml").read_text(encoding="utf-8"))
    assert all((SHARED_CORPUS / j["file"]).is_file() and j["grade"] in (0, 1, 2) for j in judged)
