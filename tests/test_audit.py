"""The hash-chained audit trail: verify detects an edited row, a deleted middle row and a deleted
last row (raw SQL on the real SQLite file); purging after the retention period re-anchors the
chain honestly and is itself recorded."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest

from assistant.cases import CaseError, PermissionDenied, event_hash
from test_cases import USERS, complete, make_log


@pytest.fixture
def filled(tmp_path):
    log = make_log(tmp_path)
    for i in range(3):
        c = log.create_case("anna", **complete(question=f"Vraag {i}?"))
        log.submit(c.id, "anna")
    log.review(1, "kim", "approve")
    yield log, tmp_path / "maatwerk.db"
    log.close()


def raw(path, sql: str, *args) -> None:
    con = sqlite3.connect(path)
    con.execute(sql, args)
    con.commit()
    con.close()


def test_an_untouched_chain_verifies(filled):
    log, _ = filled
    check = log.verify_audit()
    assert tuple(check) == (True, len(USERS) + 7, None)
    assert check.reason == "" and len(check.head) == 64


def test_each_event_links_to_the_previous_one(filled):
    log, path = filled
    con = sqlite3.connect(path)
    rows = con.execute("SELECT seq, prev_hash, hash FROM audit_events ORDER BY seq").fetchall()
    head = con.execute("SELECT last_seq, last_hash, event_count FROM audit_head").fetchone()
    con.close()
    assert rows[0][1] == "0" * 64
    assert all(rows[i][1] == rows[i - 1][2] for i in range(1, len(rows)))
    assert head == (rows[-1][0], rows[-1][2], len(rows))


def test_an_edited_row_is_detected(filled):
    log, path = filled
    raw(path, "UPDATE audit_events SET actor = 'iemand' WHERE seq = 8")
    assert tuple(log.verify_audit()) == (False, 7, 8)
    assert "gewijzigd" in log.verify_audit().reason


def test_an_edited_row_with_a_recomputed_hash_breaks_the_next_link(filled):
    log, path = filled
    con = sqlite3.connect(path)
    seq, occurred, actor, action, case_id, before, after, prev = con.execute(
        "SELECT seq, occurred_at, actor, action, case_id, before_json, after_json, prev_hash FROM audit_events WHERE seq = 8"
    ).fetchone()
    assert "ingediend" in after
    after = after.replace("ingediend", "goedgekeurd")
    new_hash = event_hash(seq, dt.datetime.fromisoformat(occurred), actor, action, case_id, before, after, prev)
    con.execute("UPDATE audit_events SET after_json = ?, hash = ? WHERE seq = 8", (after, new_hash))
    con.commit()
    con.close()
    ok, n, first_bad = log.verify_audit()
    assert (ok, first_bad) == (False, 9)
    assert "verwijst niet" in log.verify_audit().reason


def test_a_deleted_middle_row_is_detected(filled):
    log, path = filled
    raw(path, "DELETE FROM audit_events WHERE seq = 9")
    ok, n, first_bad = log.verify_audit()
    assert (ok, n, first_bad) == (False, 8, 9)
    assert "ontbreekt" in log.verify_audit().reason


def test_a_deleted_last_row_is_detected(filled):
    log, path = filled
    last = len(USERS) + 7
    raw(path, "DELETE FROM audit_events WHERE seq = ?", last)
    ok, n, first_bad = log.verify_audit()
    assert (ok, first_bad) == (False, last)
    assert "einde van de keten" in log.verify_audit().reason


def test_a_deleted_first_row_is_detected(filled):
    log, path = filled
    raw(path, "DELETE FROM audit_events WHERE seq = 1")
    assert tuple(log.verify_audit()) == (False, 0, 1)


def test_purge_after_retention_reanchors_the_chain_and_records_itself(filled):
    log, path = filled
    total = len(USERS) + 7
    later = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None) + dt.timedelta(days=400)
    assert log.purge_audit("beheer", 365, now=later) == total
    check = log.verify_audit()
    assert tuple(check) == (True, 1, None), check.reason
    purge = log.audit_events()[-1]
    assert purge["action"] == "audit.purged" and purge["actor"] == "beheer"
    assert purge["after"]["purged"] == total and purge["after"]["anchor_seq"] == total + 1
    # The chain goes on after the purge.
    log.create_case("anna", **complete())
    assert tuple(log.verify_audit()) == (True, 2, None)
    # Nothing younger than the retention period is purged.
    assert log.purge_audit("beheer", 365) == 0


def test_moving_the_anchor_without_a_purge_event_is_detected(filled):
    log, path = filled
    con = sqlite3.connect(path)
    h = con.execute("SELECT hash FROM audit_events WHERE seq = 3").fetchone()[0]
    con.execute("DELETE FROM audit_events WHERE seq <= 3")
    con.execute("UPDATE audit_head SET anchor_seq = 4, anchor_hash = ?, event_count = event_count - 3", (h,))
    con.commit()
    con.close()
    check = log.verify_audit()
    assert not check.ok and "opschoning" in check.reason


def test_purge_rules(filled):
    log, _ = filled
    with pytest.raises(CaseError, match="minimaal 183"):
        log.purge_audit("beheer", 30)
    with pytest.raises(PermissionDenied, match="beheerder"):
        log.purge_audit("kim", 365)


def test_deleting_a_case_row_directly_leaves_the_trail_verifiable(filled):
    # The audit trail does not depend on the cases table (no foreign key).
    log, path = filled
    raw(path, "DELETE FROM cases WHERE id = 2")
    assert log.verify_audit().ok
    assert [e["action"] for e in log.audit_events(2)] == ["case.created", "case.submitted"]
