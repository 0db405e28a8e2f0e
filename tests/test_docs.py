"""Docs that cannot drift: every setting is in the README's configuration table, and the
README's two commands exist in the Makefile."""

from __future__ import annotations

import re

from assistant.config import Settings
from conftest import REPO


def test_every_setting_is_documented_in_the_readme():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `(MAATWERK_[A-Z_]+)` \|", readme, flags=re.M))
    expected = {f"MAATWERK_{name.upper()}" for name in Settings.model_fields}
    assert expected == documented


def test_readme_commands_exist_in_makefile_and_ci_runs_the_test_command():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    for target in ("run", "test"):
        assert f"make {target}" in readme and re.search(rf"^{target}:", makefile, flags=re.M)
    assert "make test" in (REPO / ".ci" / "run").read_text(encoding="utf-8")
