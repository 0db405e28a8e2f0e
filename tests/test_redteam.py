"""evals/redteam.py replays every attack against the real code: each must come out refused or
harmless. (The full `maatwerk index` run with all bombs is also covered in test_hostile_files.py.)"""

from __future__ import annotations

import pytest

from evals import redteam


@pytest.mark.parametrize("name", [a.name for a in redteam.ATTACKS])
def test_attack_is_refused_or_harmless(name, tmp_path):
    attack = next(a for a in redteam.ATTACKS if a.name == name)
    ok, detail = attack.run(tmp_path)
    assert ok, detail


def test_attacks_are_registered_by_group():
    groups = {a.group for a in redteam.ATTACKS}
    assert {"bestanden", "paden", "weergave", "taalmodel"} <= groups
    assert len({a.name for a in redteam.ATTACKS}) == len(redteam.ATTACKS)
