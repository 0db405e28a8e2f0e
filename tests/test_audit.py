"""The keyed audit chain: verify detects an edited row, a deleted middle row and a deleted last
row (raw SQL on the real SQLite file); purging after the retention period re-anchors the chain
honestly and is itself recorded. Tampering as someone with write access to the database but not
to the key: see test_audit_tamper.py."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest

from assistant.cases import CaseError, PermissionDenied
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
    assert check.reason == "" and len(check.head) == 64 and check.cases == 3 and check.head_seq == len(USERS) + 7


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
    assert not check.ok and "kop van de audittrail" in check.reason


def test_purge_rules(filled):
    log, _ = filled
    with pytest.raises(CaseError, match="minimaal 183"):
        log.purge_audit("beheer", 30)
    with pytest.raises(PermissionDenied, match="beheerder"):
        log.purge_audit("kim", 365)


def test_deleting_a_case_row_directly_keeps_the_chain_but_verify_reports_the_row(filled):
    # The audit trail does not depend on the cases table (no foreign key): the chain and the
    # case's events stay, and verify now reports the row that vanished without a case.deleted.
    log, path = filled
    raw(path, "DELETE FROM cases WHERE id = 2")
    check = log.verify_audit()
    assert not check.ok and check.problems == [
        "casus 2 ontbreekt in de tabel cases zonder verwijdergebeurtenis in de audittrail (buiten de applicatie verwijderd)"]
    assert [e["action"] for e in log.audit_events(2)] == ["case.created", "case.submitted"]


def test_deleting_a_case_in_the_app_keeps_verify_green(filled):
    log, _ = filled
    log.delete_case(2, "beheer")
    check = log.verify_audit()
    assert check.ok and check.cases == 2, check.reason
