"""Tampering with the case log as someone who can write to the database (raw SQL on the real
SQLite file) but does not hold the audit key, and the migration of an existing unkeyed log.

Each way in issue 18 is replayed and must be detected by verify_audit / `maatwerk audit verify`:
deleting the tail and updating the head row, recomputing the (formerly unkeyed) chain after an
edit, editing events, editing case rows directly; plus a wrong or missing key, the key file's
mode, and rolling the whole database back, which only an exported head can reveal."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sqlite3
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from assistant.cases import CaseError, CaseLog, event_hash, event_mac, head_payload
from assistant.cli.main import main
from assistant.integrity import AuditKey
from test_cases import USERS, complete, make_log

LEGACY = Path(__file__).parent / "fixtures" / "legacy-audit.sqlite"  # made by the code before the keyed chain
LEGACY_EVENTS = 13


@pytest.fixture
def filled(tmp_path):
    log = make_log(tmp_path)
    for i in range(3):
        c = log.create_case("anna", **complete(question=f"Vraag {i}?"),
                            ai_answer={"answer": f"Antwoord {i} [1].", "trace": {"backend": "grounded"}},
                            ai_stance="overgenomen")
        log.submit(c.id, "anna")
    log.review(1, "kim", "approve", comment="Goed onderbouwd.")
    log.review(2, "kim", "return", comment="Graag de hoogte onderbouwen.")
    log.add_feedback(1, "koen", "up", reason="Helder.")
    assert log.verify_audit().ok
    yield log, tmp_path / "maatwerk.db"
    log.close()


def sql(path, *statements: tuple) -> None:
    con = sqlite3.connect(path)
    for statement in statements:
        con.execute(*statement) if isinstance(statement, tuple) else con.execute(statement)
    con.commit()
    con.close()


def rows(path, query: str, *args) -> list[tuple]:
    con = sqlite3.connect(path)
    try:
        return con.execute(query, args).fetchall()
    finally:
        con.close()


def verify_cli(tmp_path, *extra: str):
    env = {"MAATWERK_DATA_DIR": str(tmp_path), "MAATWERK_AUDIT_KEY": ""}
    return CliRunner().invoke(main, ["audit", "verify", *extra], env=env)


# --------------------------------------------------------------------------- the key


def test_the_key_file_is_created_0600_on_first_use_and_not_in_the_database(filled):
    log, path = filled
    key = path.parent / "audit.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    secret = key.read_text().strip()
    assert len(secret) == 64
    assert secret.encode() not in path.read_bytes() and bytes.fromhex(secret) not in path.read_bytes()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    for suffix in ("-wal", "-shm"):
        side = Path(str(path) + suffix)
        if side.exists():
            assert stat.S_IMODE(side.stat().st_mode) & 0o077 == 0


def test_a_new_data_dir_is_0700(tmp_path):
    log = CaseLog.from_url(f"sqlite:///{(tmp_path / 'nieuw' / 'maatwerk.db').as_posix()}")
    log.close()
    assert stat.S_IMODE((tmp_path / "nieuw").stat().st_mode) == 0o700


def test_the_environment_key_wins_over_the_key_file(tmp_path):
    secret = "k" * 40
    url = f"sqlite:///{(tmp_path / 'maatwerk.db').as_posix()}"
    log = CaseLog.from_url(url, audit_key=AuditKey(tmp_path / "audit.key", secret=secret))
    log.add_user("anna", "professional")
    assert log.verify_audit().ok
    log.close()
    assert not (tmp_path / "audit.key").exists()  # with MAATWERK_AUDIT_KEY no key file is made
    # The key file alone (a fresh random key) does not fit this trail.
    other = CaseLog.from_url(url, audit_key=AuditKey(tmp_path / "audit.key"), migrate=False)
    with pytest.raises(CaseError, match="auditsleutel ontbreekt"):
        other.add_user("kim", "kwaliteit")
    AuditKey(tmp_path / "audit.key").load(create=True)
    with pytest.raises(CaseError, match="hoort niet bij deze audittrail"):
        other.add_user("kim", "kwaliteit")
    check = other.verify_audit()
    assert not check.ok and "hoort niet bij deze audittrail" in check.reason
    other.close()
    # Through the CLI: MAATWERK_AUDIT_KEY set -> it is used (the file is ignored).
    env = {"MAATWERK_DATA_DIR": str(tmp_path), "MAATWERK_AUDIT_KEY": secret}
    result = CliRunner().invoke(main, ["audit", "verify"], env=env)
    assert result.exit_code == 0, result.output
    assert verify_cli(tmp_path).exit_code == 1


def test_a_missing_key_refuses_writes_and_verify_says_why(filled):
    log, path = filled
    (path.parent / "audit.key").rename(path.parent / "elders.key")
    fresh = CaseLog.from_url(f"sqlite:///{path.as_posix()}")
    before = fresh.count_cases()
    with pytest.raises(CaseError, match="auditsleutel ontbreekt"):
        fresh.create_case("anna", **complete())
    assert fresh.count_cases() == before and not (path.parent / "audit.key").exists()
    check = fresh.verify_audit()
    assert not check.ok and "auditsleutel ontbreekt" in check.reason
    fresh.close()


# --------------------------------------------------------------------------- the tamper ways


def test_deleting_the_tail_and_updating_the_head_row_is_detected(filled):
    log, path = filled
    total = len(USERS) + 12
    seq, mac = rows(path, "SELECT seq, hash FROM audit_events WHERE seq = ?", total - 3)[0]
    sql(path, ("DELETE FROM audit_events WHERE seq > ?", (seq,)),
        ("UPDATE audit_head SET last_seq = ?, last_hash = ?, event_count = ?", (seq, mac, seq)))
    check = log.verify_audit()
    assert not check.ok and "kop van de audittrail" in check.reason
    # The app refuses to extend (and so bless) a moved-back head; nothing is stored.
    with pytest.raises(CaseError, match="kop van de audittrail"):
        log.create_case("anna", **complete())
    assert log.count_cases() == 3
    assert verify_cli(path.parent).exit_code == 1


def test_replaying_an_earlier_head_row_is_detected(filled):
    # The head row of an earlier moment (its MAC included, e.g. from an old copy) put back:
    # alone it no longer matches the events after it; with those events deleted too, the case
    # they created is a row without events. (Rolling back every table at once is the rollback
    # test below: only an exported head reveals it.)
    log, path = filled
    old = rows(path, "SELECT last_seq, last_hash, event_count, mac FROM audit_head")[0]
    log.create_case("anna", **complete(question="Nog een vraag?"))
    sql(path, ("UPDATE audit_head SET last_seq = ?, last_hash = ?, event_count = ?, mac = ?", old))
    check = log.verify_audit()
    assert not check.ok and "de kop is teruggezet" in check.reason
    sql(path, ("DELETE FROM audit_events WHERE seq > ?", (old[0],)))
    check = log.verify_audit()
    assert not check.ok and check.problems == [
        "casus 4 staat in de tabel cases zonder aanmaakgebeurtenis in de audittrail (buiten de applicatie toegevoegd)"]


def test_recomputing_the_unkeyed_chain_after_an_edit_is_detected(filled):
    log, path = filled
    con = sqlite3.connect(path)
    events = con.execute("SELECT seq, occurred_at, actor, action, case_id, before_json, after_json, prev_hash "
                         "FROM audit_events ORDER BY seq").fetchall()
    target = next(e for e in events if e[3] == "case.goedgekeurd")
    prev = None
    for seq, occurred, actor, action, case_id, before, after, prev_hash in events:
        if seq < target[0]:
            continue
        if seq == target[0]:
            actor = "iemand"
        prev_hash = prev_hash if prev is None else prev
        prev = event_hash(seq, dt.datetime.fromisoformat(occurred), actor, action, case_id, before, after, prev_hash)
        con.execute("UPDATE audit_events SET actor = ?, prev_hash = ?, hash = ? WHERE seq = ?", (actor, prev_hash, prev, seq))
    con.commit()
    con.close()
    check = log.verify_audit()
    assert not check.ok and check.first_bad == target[0] and "sleutel-MAC klopt niet" in check.reason
    sql(path, ("UPDATE audit_head SET last_hash = ?", (prev,)))  # and the head row along with it
    check = log.verify_audit()
    assert not check.ok and "kop van de audittrail" in check.reason


def test_recomputing_the_keyed_chain_and_head_with_a_guessed_key_is_detected(filled):
    # Someone without the key edits an event, recomputes every MAC after it and the head row
    # (key id and MAC included) with a key of their own: the trail no longer fits the real key.
    log, path = filled
    forged = AuditKey(secret="f" * 64)
    con = sqlite3.connect(path)
    events = con.execute("SELECT seq, occurred_at, actor, action, case_id, before_json, after_json, prev_hash "
                         "FROM audit_events ORDER BY seq").fetchall()
    target = next(e for e in events if e[3] == "case.goedgekeurd")[0]
    prev = None
    for seq, occurred, actor, action, case_id, before, after, prev_hash in events:
        if seq < target:
            continue
        actor = "iemand" if seq == target else actor
        prev_hash = prev_hash if prev is None else prev
        prev = event_mac(forged, seq, dt.datetime.fromisoformat(occurred), actor, action, case_id, before, after, prev_hash)
        con.execute("UPDATE audit_events SET actor = ?, prev_hash = ?, hash = ? WHERE seq = ?", (actor, prev_hash, prev, seq))
    head = dict(zip(("last_seq", "event_count", "anchor_seq", "anchor_hash", "keyed_from"), con.execute(
        "SELECT last_seq, event_count, anchor_seq, anchor_hash, keyed_from FROM audit_head").fetchone()))
    head.update(last_hash=prev, key_id=forged.key_id)
    con.execute("UPDATE audit_head SET last_hash = ?, key_id = ?, mac = ?",
                (prev, forged.key_id, forged.mac(head_payload(type("H", (), head)))))
    con.commit()
    con.close()
    check = log.verify_audit()
    assert not check.ok and "hoort niet bij deze audittrail" in check.reason
    # Keeping the real key id in the head instead: then the head MAC gives it away.
    sql(path, ("UPDATE audit_head SET key_id = ?", (log.audit_key.key_id,)))
    check = log.verify_audit()
    assert not check.ok and "kop van de audittrail" in check.reason
    # And a process holding the guessed key cannot append to the real trail either.
    forger = CaseLog.from_url(f"sqlite:///{path.as_posix()}", audit_key=forged, migrate=False)
    with pytest.raises(CaseError):
        forger.add_user("mallory", "beheerder")
    forger.close()


@pytest.mark.parametrize("statement, where", [
    ("UPDATE audit_events SET actor = 'iemand' WHERE action = 'case.goedgekeurd'", "gewijzigd"),
    ("UPDATE audit_events SET after_json = replace(after_json, 'goedgekeurd', 'afgewezen') "
     "WHERE action = 'case.goedgekeurd'", "gewijzigd"),
    ("UPDATE audit_events SET occurred_at = '2020-01-01 00:00:00.000000' WHERE seq = 3", "gewijzigd"),
    ("DELETE FROM audit_events WHERE action = 'case.feedback'", "ontbreekt"),
])
def test_editing_or_deleting_events_is_detected(filled, statement, where):
    log, path = filled
    sql(path, statement)
    check = log.verify_audit()
    assert not check.ok and where in check.reason


@pytest.mark.parametrize("statement, expected", [
    ("UPDATE cases SET status = 'goedgekeurd' WHERE id = 3", "casus 3: status is 'goedgekeurd', volgens de audittrail 'ingediend'"),
    ("UPDATE cases SET motivering = 'Andere motivering.' WHERE id = 1", "casus 1: motivering is"),
    ("UPDATE cases SET uitkomst = 'afgeweken' WHERE id = 1", "casus 1: uitkomst is 'afgeweken'"),
    ("UPDATE cases SET reviewer_id = (SELECT id FROM users WHERE username = 'koen') WHERE id = 1",
     "casus 1: beoordelaar is 'koen', volgens de audittrail 'kim'"),
    ("UPDATE cases SET author_id = (SELECT id FROM users WHERE username = 'bram') WHERE id = 2",
     "casus 2: auteur is 'bram', volgens de audittrail 'anna'"),
    ("UPDATE cases SET knelpunt = 1, knelpunt_description = 'Verzonnen knelpunt.' WHERE id = 1", "casus 1: knelpunt"),
    ("UPDATE cases SET rules = '[\"artikel 999 Participatiewet\"]' WHERE id = 1", "casus 1: rules is"),
    ("UPDATE ai_answers SET answer_json = replace(answer_json, 'Antwoord 0', 'Iets anders') WHERE case_id = 1",
     "casus 1: AI-antwoord 1 wijkt af"),
    ("UPDATE case_comments SET text = 'Slecht.' WHERE case_id = 1", "casus 1: de opmerkingen"),
    # Moving an approval into another period moves it into another knelpuntenrapportage.
    ("UPDATE cases SET reviewed_at = '2025-01-15 10:00:00.000000' WHERE id = 1",
     "casus 1: beoordelingsdatum is 2025-01-15 10:00:00"),
    ("UPDATE cases SET created_at = '2025-01-15 10:00:00.000000' WHERE id = 2", "casus 2: aanmaakdatum is"),
    ("DELETE FROM feedback WHERE case_id = 1", "casus 1: de feedback"),
    ("INSERT INTO cases (version, status, author_id, peildatum, question, rules, precedents, knelpunt, created_at, "
     "updated_at) SELECT 1, 'goedgekeurd', id, '2026-03-01', 'Ingevoegd?', '[]', '[]', 0, '2026-03-01 00:00:00', "
     "'2026-03-01 00:00:00' FROM users WHERE username = 'anna'", "casus 4 staat in de tabel cases zonder aanmaakgebeurtenis"),
])
def test_editing_case_rows_directly_is_detected(filled, statement, expected):
    log, path = filled
    sql(path, statement)
    check = log.verify_audit()
    assert not check.ok and check.problems and check.problems[0].startswith(expected), check.problems
    result = verify_cli(path.parent)
    assert result.exit_code == 1 and expected in result.output


def test_case_rows_are_checked_after_a_purge_on_what_the_kept_events_say(filled):
    log, path = filled
    later = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None) + dt.timedelta(days=400)
    log.purge_audit("beheer", 365, now=later)
    check = log.verify_audit()
    assert check.ok and check.cases == 3, check.reason  # nothing known any more: nothing to contradict
    log.review(3, "kim", "reject", comment="Buiten de regeling.")
    sql(path, "UPDATE cases SET status = 'goedgekeurd' WHERE id = 3")
    check = log.verify_audit()
    assert not check.ok and check.problems[0].startswith("casus 3: status is 'goedgekeurd'")


# --------------------------------------------------------------------------- exported head


def test_audit_head_is_exported_and_a_rolled_back_database_fails_against_it(filled, tmp_path):
    log, path = filled
    env = {"MAATWERK_DATA_DIR": str(path.parent), "MAATWERK_AUDIT_KEY": ""}
    old = tmp_path / "oud.db"
    log.close()
    shutil.copy(path, old)  # a copy of the database as it was (e.g. an old backup)
    log = CaseLog.from_url(f"sqlite:///{path.as_posix()}")
    log.create_case("anna", **complete(question="Na het anker?"))
    log.close()
    anchor = tmp_path / "anker.json"
    result = CliRunner().invoke(main, ["audit", "head", "--out", str(anchor)], env=env)
    assert result.exit_code == 0, result.output
    head = json.loads(anchor.read_text())
    assert head["seq"] == len(USERS) + 13 and len(head["mac"]) == 64 and head["key_id"]
    assert f"gebeurtenis {head['seq']}" in result.output and head["mac"] in result.output
    assert CliRunner().invoke(main, ["audit", "verify", "--anker", str(anchor)], env=env).exit_code == 0
    # Roll the whole database back to the old copy: its own chain is intact ...
    shutil.copy(old, path)
    for suffix in ("-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    assert CliRunner().invoke(main, ["audit", "verify"], env=env).exit_code == 0
    # ... but it no longer holds the anchored head.
    result = CliRunner().invoke(main, ["audit", "verify", "--anker", str(anchor)], env=env)
    assert result.exit_code == 1 and "oudere database" in result.output


def test_the_knelpuntenrapportage_prints_the_head_and_verify_accepts_that_line(filled, tmp_path):
    log, path = filled
    # The report is made by someone who may make it: a kwaliteitsmedewerker's service token.
    token = log.issue_token("kim", by="beheer")
    env = {"MAATWERK_DATA_DIR": str(path.parent), "MAATWERK_AUDIT_KEY": "", "MAATWERK_TOKEN": token}
    head = log.audit_head()
    out = tmp_path / "rapport.md"
    result = CliRunner().invoke(main, ["report", "knelpunten", "--van", "2020-01-01", "--tot", "2030-12-31",
                                       "--format", "md", "--out", str(out)], env=env)
    assert result.exit_code == 0, result.output
    line = next(x for x in result.output.splitlines() if x.startswith("Audittrail-kop"))
    assert f"gebeurtenis {head['seq']}, MAC {head['mac']}" in line
    saved = tmp_path / "kop.txt"
    saved.write_text(line + "\n", encoding="utf-8")
    assert CliRunner().invoke(main, ["audit", "verify", "--anker", str(saved)], env=env).exit_code == 0
    sql(path, ("UPDATE audit_events SET hash = ? WHERE seq = ?", ("1" * 64, head["seq"])))
    result = CliRunner().invoke(main, ["audit", "verify", "--anker", str(saved)], env=env)
    assert result.exit_code == 1 and "klopt niet" in result.output


def test_an_anchor_whose_event_was_replaced_fails(filled, tmp_path):
    log, path = filled
    head = log.audit_head()
    ok, _ = log.check_anchor(head)
    assert ok
    sql(path, ("UPDATE audit_events SET hash = ? WHERE seq = ?", ("0" * 64, head["seq"])))
    ok, why = log.check_anchor(head)
    assert not ok and "andere MAC" in why


# --------------------------------------------------------------------------- migration of an existing log


def legacy_copy(tmp_path) -> Path:
    path = tmp_path / "maatwerk.db"
    shutil.copy(LEGACY, path)
    return path


def test_an_existing_unkeyed_log_migrates_with_a_recorded_switch_over(tmp_path):
    path = legacy_copy(tmp_path)
    legacy_head = rows(path, "SELECT last_seq, last_hash FROM audit_head")[0]
    log = CaseLog.from_url(f"sqlite:///{path.as_posix()}")
    check = log.verify_audit()
    assert check.ok and check.n == LEGACY_EVENTS + 1 and check.cases == 3, check.reason
    switch = log.audit_events()[-1]
    assert switch["action"] == "audit.keyed" and switch["actor"] == "systeem"
    assert (switch["after"]["legacy_last_seq"], switch["after"]["legacy_last_hash"]) == legacy_head
    assert switch["after"]["legacy_verified"] is True and switch["after"]["key_id"] == check.key_id
    assert stat.S_IMODE((tmp_path / "audit.key").stat().st_mode) == 0o600
    # The old events keep their unkeyed hashes; new ones carry MACs and the chain goes on.
    assert rows(path, "SELECT hash FROM audit_events WHERE seq = ?", LEGACY_EVENTS)[0][0] == legacy_head[1]
    log.submit(3, "anna")
    log.review(3, "kim", "approve")
    assert log.verify_audit().ok
    log.close()
    # Opening it again does not switch over a second time.
    again = CaseLog.from_url(f"sqlite:///{path.as_posix()}")
    assert [e["action"] for e in again.audit_events()].count("audit.keyed") == 1
    again.close()


def test_after_migration_rewriting_the_old_part_with_the_old_rule_is_detected(tmp_path):
    path = legacy_copy(tmp_path)
    CaseLog.from_url(f"sqlite:///{path.as_posix()}").close()
    con = sqlite3.connect(path)
    events = con.execute("SELECT seq, occurred_at, actor, action, case_id, before_json, after_json, prev_hash "
                         "FROM audit_events WHERE seq <= ? ORDER BY seq", (LEGACY_EVENTS,)).fetchall()
    prev = None
    for seq, occurred, actor, action, case_id, before, after, prev_hash in events:
        if action == "case.goedgekeurd":
            actor = "iemand"
        prev_hash = prev_hash if prev is None else prev
        prev = event_hash(seq, dt.datetime.fromisoformat(occurred), actor, action, case_id, before, after, prev_hash)
        con.execute("UPDATE audit_events SET actor = ?, prev_hash = ?, hash = ? WHERE seq = ?", (actor, prev_hash, prev, seq))
    con.commit()
    con.close()
    log = CaseLog.from_url(f"sqlite:///{path.as_posix()}")
    check = log.verify_audit()
    assert not check.ok and check.first_bad == LEGACY_EVENTS + 1 and "verwijst niet" in check.reason
    log.close()


def test_a_legacy_log_that_was_already_broken_says_so_in_the_switch_over(tmp_path):
    path = legacy_copy(tmp_path)
    sql(path, "UPDATE audit_events SET actor = 'iemand' WHERE seq = 7")
    log = CaseLog.from_url(f"sqlite:///{path.as_posix()}")
    switch = log.audit_events()[-1]
    assert switch["after"]["legacy_verified"] is False and "7" in switch["after"]["legacy_reason"]
    check = log.verify_audit()
    assert not check.ok and check.first_bad == 7
    log.close()


def test_stripping_the_keying_from_a_migrated_log_is_refused(tmp_path):
    path = legacy_copy(tmp_path)
    CaseLog.from_url(f"sqlite:///{path.as_posix()}").close()
    sql(path, "UPDATE audit_head SET key_id = NULL, keyed_from = NULL, mac = NULL")
    check = CaseLog.from_url(f"sqlite:///{path.as_posix()}", migrate=False).verify_audit()
    assert not check.ok and "niet met een sleutel beveiligd" in check.reason
    with pytest.raises(CaseError, match="al met een sleutel beveiligd"):
        CaseLog.from_url(f"sqlite:///{path.as_posix()}")


def test_the_head_mac_covers_every_head_field(filled):
    log, path = filled
    head = rows(path, "SELECT last_seq, last_hash, event_count, anchor_seq, anchor_hash, key_id, keyed_from, mac "
                      "FROM audit_head")[0]
    names = ("last_seq", "last_hash", "event_count", "anchor_seq", "anchor_hash", "key_id", "keyed_from")
    base = dict(zip(names, head[:-1]))
    payloads = set()
    for name in names:
        changed = dict(base)
        changed[name] = changed[name] + 1 if isinstance(changed[name], int) else "x" + changed[name]
        payloads.add(head_payload(type("H", (), changed)))
    assert len(payloads) == len(names) and head_payload(type("H", (), base)) not in payloads
    assert log.audit_key.mac(head_payload(type("H", (), base))) == head[-1]


def test_a_fresh_install_through_the_cli_is_private(tmp_path):
    data = tmp_path / "data"
    result = CliRunner().invoke(main, ["audit", "head", "--json"], env={"MAATWERK_DATA_DIR": str(data),
                                                                         "MAATWERK_AUDIT_KEY": ""})
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["seq"] == 0
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    assert stat.S_IMODE((data / "maatwerk.db").stat().st_mode) == 0o600
    assert stat.S_IMODE((data / "audit.key").stat().st_mode) == 0o600


def test_a_too_short_environment_key_is_a_dutch_error(tmp_path):
    result = CliRunner().invoke(main, ["audit", "verify"], env={"MAATWERK_DATA_DIR": str(tmp_path),
                                                                 "MAATWERK_AUDIT_KEY": "kort"})
    assert result.exit_code == 2 and "MAATWERK_AUDIT_KEY is te kort" in result.output
    assert not (tmp_path / "maatwerk.db").exists() and not (tmp_path / "audit.key").exists()
