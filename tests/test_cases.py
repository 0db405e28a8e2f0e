"""The case log on real SQLite files: pseudonymisation of every field, the four-eyes workflow,
visibility per role, optimistic locking, busy/read-only/full databases, atomicity of a case and
its audit event (also when the process dies), and concurrent writers (threads and processes)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import multiprocessing
import os
import sqlite3
import threading
from pathlib import Path

import pytest
from sqlalchemy import event

from assistant.cases import (
    CaseError,
    CaseLog,
    ConcurrentChange,
    DatabaseUnavailable,
    InvalidTransition,
    PermissionDenied,
    canonical_json,
)

# --------------------------------------------------------------------------- fixtures

USERS = [
    ("anna", "professional", "Werk en Inkomen"),
    ("bram", "professional", "Wmo"),
    ("kim", "kwaliteit", None),
    ("koen", "kwaliteit", None),
    ("jules", "jurist", None),
    ("beheer", "beheerder", None),
]


def make_log(tmp_path: Path, name: str = "maatwerk.db", users: bool = True, **kwargs) -> CaseLog:
    log = CaseLog.from_url(f"sqlite:///{(tmp_path / name).as_posix()}", **kwargs)
    if users:
        for username, role, team in USERS:
            log.add_user(username, role, team=team)
    return log


@pytest.fixture
def log(tmp_path: Path):
    log = make_log(tmp_path)
    yield log
    log.close()


def complete(**extra) -> dict:
    fields = dict(
        question="Mag ik afzien van terugvordering?",
        situation="Inwoner heeft te laat een bijbaan gemeld.",
        uitkomst="gedeeltelijk",
        motivering="Dringende redenen: de schuld zou tot huisuitzetting leiden.",
        domain="participatiewet",
        peildatum=dt.date(2026, 3, 1),
    )
    fields.update(extra)
    return fields


def ai_answer(text: str = "Er is ruimte via artikel 58, achtste lid.") -> dict:
    return {
        "question": "Mag ik afzien van terugvordering?",
        "peildatum": "2026-03-01",
        "answer": text,
        "citations": [{"n": 1, "citation": "artikel 58, achtste lid, Participatiewet", "quote": "dringende redenen"}],
        "afwijkingsruimte": {"layer": "wet", "basis": "artikel 58, achtste lid, Participatiewet"},
        "precedents": [],
        "motivering": [{"kop": "Feiten", "tekst": text}],
        "warnings": [],
        "trace": {
            "backend": "grounded", "model": None,
            "prompt": {"name": "answer", "hash": "9f2c1e4b7a6d5c3b"},
            "index_fingerprint": "a1b2c3d4e5f60718", "peildatum": "2026-03-01",
        },
    }


def raw_database_text(path: Path) -> tuple[bytes, str]:
    """Every byte of the database files (main, WAL, shm) and every value of every row."""
    blob = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
    con = sqlite3.connect(path)
    values = []
    for (table,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
        for row in con.execute(f'SELECT * FROM "{table}"'):
            values.extend(str(v) for v in row)
    con.close()
    return blob, "\n".join(values)


# --------------------------------------------------------------------------- privacy

PERSONAL_VALUES = [
    "111222333", "NL91ABNA0417164300", "NL91 ABNA 0417 1643 00", "Fatima", "Amrani",
    "fatima.elamrani@example.nl", "06-12345678", "0612345678", "Kerkstraat 12", "1234 AB",
    "Pietersen", "Jansen", "Bakker", "Daan", "Wilhelminalaan 7", "p.bakker@gmail.com", "020-7654321",
]


def personal_text(i: int) -> str:
    texts = [
        "Mevrouw Fatima El Amrani (BSN 111222333) woont aan de Kerkstraat 12, 1234 AB Lindewaarde.",
        "Haar IBAN is NL91ABNA0417164300 en haar e-mail fatima.elamrani@example.nl, tel. 06-12345678.",
        "Meneer Pietersen, Wilhelminalaan 7, belt op 020-7654321 over zoon Daan.",
        "Mevrouw Jansen (p.bakker@gmail.com) en de heer Bakker, IBAN NL91 ABNA 0417 1643 00.",
        "BSN 111222333, 0612345678, mevrouw Jansen.",
    ]
    return texts[i % len(texts)]


def test_personal_data_in_every_field_never_reaches_the_database_file(tmp_path):
    log = make_log(tmp_path)
    db = tmp_path / "maatwerk.db"
    fields = {
        "question": personal_text(0) + " Mag ik afwijken?",
        "situation": personal_text(1) + " " + personal_text(2),
        "motivering": personal_text(3),
        "ai_stance": "aangepast",
        "ai_stance_reason": personal_text(4),
        "knelpunt": True,
        "knelpunt_description": personal_text(0),
        "knelpunt_consequences": personal_text(1),
        "knelpunt_solution": personal_text(2),
        "knelpunt_solution_type": "beleidsregel",
        "knelpunt_owner": "gemeente",
        "knelpunt_status": "open",
        "rules": [{"citation": "artikel 58 Participatiewet", "version": "2026-07-01", "note": personal_text(3)}],
        "precedents": [personal_text(4)],
        "afwijkingsruimte": {"basis": "artikel 4:84 Awb", "toelichting": personal_text(2)},
        "team": "Werk en Inkomen",
        "uitkomst": "afgeweken",
        "domain": "participatiewet",
    }
    case = log.create_case("anna", **fields)
    log.attach_ai_trace(case.id, ai_answer(personal_text(1) + " " + personal_text(3)))
    log.update_case(case.id, "anna", motivering=personal_text(2) + " " + personal_text(0))
    log.add_feedback(case.id, "anna", "down", reason=personal_text(3), answer_no=1)
    log.submit(case.id, "anna")
    log.review(case.id, "kim", "return", comment=personal_text(2) + " " + personal_text(4))
    log.update_case(case.id, "anna", situation=personal_text(0))
    log.submit(case.id, "anna")
    log.review(case.id, "koen", "approve", comment="Akkoord; zie " + personal_text(1))
    log.export("kim", "csv")
    log.close()

    blob, rows = raw_database_text(db)
    for value in PERSONAL_VALUES:
        assert value.encode("utf-8") not in blob, value
        assert value not in rows, value
    # ...while the structure and the machine values survive.
    assert "[NAAM-1]" in rows and "[BSN-1]" in rows and "[IBAN-1]" in rows and "[ADRES-1]" in rows
    assert "9f2c1e4b7a6d5c3b" in rows and "a1b2c3d4e5f60718" in rows
    assert "artikel 58 Participatiewet" in rows


def test_one_placeholder_map_per_case_and_later_text_never_reuses_a_number(log):
    case = log.create_case("anna", question="Kan mevrouw Jansen uitstel krijgen?",
                           situation="Mevrouw Jansen heeft schulden; haar buurman Pietersen helpt.")
    assert case.question == "Kan mevrouw [NAAM-1] uitstel krijgen?"
    assert "[NAAM-1]" in case.situation and "[NAAM-2]" in case.situation
    # Another case starts its own numbering.
    other = log.create_case("anna", question="Kan meneer Bakker uitstel krijgen?")
    assert other.question == "Kan meneer [NAAM-1] uitstel krijgen?"
    # A later edit cannot know who [NAAM-1] was, so a newly found name gets a fresh number.
    edited = log.update_case(case.id, "anna", motivering="Overleg met mevrouw De Groot.")
    assert edited.motivering == "Overleg met mevrouw [NAAM-3]."
    # Placeholders typed back by the UI stay as they are.
    again = log.update_case(case.id, "anna", motivering="Overleg met [NAAM-1] en [NAAM-3].")
    assert again.motivering == "Overleg met [NAAM-1] en [NAAM-3]."


def test_the_ui_can_pass_its_own_mapping_to_keep_numbers_identical(log):
    from assistant.privacy import PlaceholderMap

    mapping = PlaceholderMap()
    case = log.create_case("anna", question="Kan mevrouw Jansen uitstel krijgen?", mapping=mapping)
    edited = log.update_case(case.id, "anna", motivering="Mevrouw Jansen kan niet betalen.", mapping=mapping)
    assert edited.motivering == "Mevrouw [NAAM-1] kan niet betalen."
    assert mapping.reidentify(edited.motivering) == "Mevrouw Jansen kan niet betalen."


# --------------------------------------------------------------------------- workflow


def test_full_workflow_with_return_and_resubmission(log):
    case = log.create_case("anna", **complete())
    assert (case.status, case.version, case.author, case.team) == ("concept", 1, "anna", "Werk en Inkomen")
    case = log.submit(case.id, "anna")
    assert case.status == "ingediend" and case.submitted_at is not None
    case = log.review(case.id, "kim", "return", comment="Onderbouw de dringende reden.")
    assert case.status == "teruggestuurd" and case.comments[-1].text == "Onderbouw de dringende reden."
    case = log.update_case(case.id, "anna", motivering="Huisuitzetting dreigt; zie brief verhuurder.")
    case = log.submit(case.id, "anna")
    case = log.review(case.id, "koen", "approve")
    assert (case.status, case.reviewer) == ("goedgekeurd", "koen")
    actions = [e["action"] for e in log.audit_events(case.id)]
    assert actions == ["case.created", "case.submitted", "case.teruggestuurd", "case.updated",
                       "case.submitted", "case.goedgekeurd"]
    updated = log.audit_events(case.id)[3]
    assert updated["before"]["motivering"].startswith("Dringende redenen")
    assert updated["after"]["motivering"].startswith("Huisuitzetting")
    assert log.verify_audit().ok


def test_reject_ends_the_case(log):
    case = log.create_case("anna", **complete())
    log.submit(case.id, "anna")
    case = log.review(case.id, "kim", "reject")
    assert case.status == "afgewezen"
    with pytest.raises(InvalidTransition, match="afgewezen"):
        log.update_case(case.id, "anna", motivering="Toch nog iets")
    with pytest.raises(InvalidTransition):
        log.submit(case.id, "anna")


def test_a_reviewer_can_never_review_their_own_case(log):
    case = log.create_case("kim", **complete())  # a kwaliteitsmedewerker writes a case too
    log.submit(case.id, "kim")
    for action in ("approve", "return", "reject"):
        with pytest.raises(PermissionDenied, match="eigen casus"):
            log.review(case.id, "kim", action, comment="ok")
    assert log.get_case(case.id, "kim").status == "ingediend"
    assert log.review(case.id, "koen", "approve").status == "goedgekeurd"


@pytest.mark.parametrize("who, message", [("anna", "kwaliteitsmedewerker"), ("bram", "kwaliteitsmedewerker"),
                                         ("jules", "kwaliteitsmedewerker"), ("niemand", "Onbekende gebruiker")])
def test_only_kwaliteit_and_beheerder_review(log, who, message):
    case = log.create_case("anna", **complete())
    log.submit(case.id, "anna")
    with pytest.raises(PermissionDenied, match=message):
        log.review(case.id, who, "approve")
    assert log.review(case.id, "beheer", "approve").status == "goedgekeurd"


def test_transitions_that_are_not_allowed(log):
    case = log.create_case("anna", **complete())
    with pytest.raises(InvalidTransition, match="alleen een ingediende casus"):
        log.review(case.id, "kim", "approve")
    log.submit(case.id, "anna")
    with pytest.raises(InvalidTransition, match="ingediend"):
        log.submit(case.id, "anna")
    with pytest.raises(InvalidTransition, match="kan niet meer worden bewerkt"):
        log.update_case(case.id, "anna", motivering="anders")
    with pytest.raises(CaseError, match="toelichting"):
        log.review(case.id, "kim", "return")
    with pytest.raises(CaseError, match="Kies een beoordeling"):
        log.review(case.id, "kim", "doorsturen")
    log.review(case.id, "kim", "approve")
    with pytest.raises(InvalidTransition, match="is al goedgekeurd door kim"):
        log.review(case.id, "koen", "reject")
    other = log.create_case("bram", **complete()).id
    with pytest.raises(PermissionDenied, match="niet van u"):
        log.submit(other, "anna")
    with pytest.raises(PermissionDenied, match="Alleen de auteur"):
        log.submit(other, "kim")


def test_submit_requires_a_complete_case(log):
    case = log.create_case("anna", question="Mag het?")
    with pytest.raises(CaseError, match="uitkomst.*motivering"):
        log.submit(case.id, "anna")
    log.attach_ai_trace(case.id, ai_answer())
    log.update_case(case.id, "anna", uitkomst="afgeweken", motivering="Omdat.", ai_stance="niet gevolgd", knelpunt=True)
    with pytest.raises(CaseError, match="reden.*omschrijving van het knelpunt"):
        log.submit(case.id, "anna")
    log.update_case(case.id, "anna", ai_stance_reason="Het antwoord miste de hardheidsclausule.",
                    knelpunt_description="De regel houdt geen rekening met mantelzorg.")
    assert log.submit(case.id, "anna").status == "ingediend"


def test_bad_field_values_are_refused_in_dutch(log):
    with pytest.raises(CaseError, match="De vraag is leeg"):
        log.create_case("anna", question="  ")
    with pytest.raises(CaseError, match="Ongeldige waarde voor uitkomst"):
        log.create_case("anna", question="x?", uitkomst="misschien")
    with pytest.raises(CaseError, match="Onbekend domein"):
        log.create_case("anna", question="x?", domain="belastingen")
    with pytest.raises(CaseError, match="Onbekend veld"):
        log.create_case("anna", question="x?", bsn="111222333")
    with pytest.raises(CaseError, match="peildatum"):
        log.create_case("anna", question="x?", peildatum="1 maart")
    with pytest.raises(CaseError, match="knelpunt_owner"):
        log.create_case("anna", question="x?", knelpunt_owner="provincie")
    assert log.count_cases() == 0


def test_a_professional_sees_only_own_cases(log):
    a = log.create_case("anna", question="Vraag van Anna?")
    b = log.create_case("bram", question="Vraag van Bram?")
    assert [c.id for c in log.list_cases("anna")] == [a.id]
    assert [c.id for c in log.list_cases("bram")] == [b.id]
    with pytest.raises(PermissionDenied, match="niet van u"):
        log.get_case(b.id, "anna")
    with pytest.raises(PermissionDenied):
        log.update_case(b.id, "anna", motivering="x")
    for role_user in ("kim", "jules", "beheer"):
        assert {c.id for c in log.list_cases(role_user)} == {a.id, b.id}
        assert log.get_case(a.id, role_user).id == a.id
    with pytest.raises(PermissionDenied, match="Onbekende gebruiker"):
        log.list_cases("onbekend")
    assert [c.id for c in log.list_cases("kim", status="concept")] == [a.id, b.id]
    with pytest.raises(CaseError, match="Onbekende status"):
        log.list_cases("kim", status="klaar")


def test_export_is_for_kwaliteit_jurist_and_beheerder(log):
    log.create_case("anna", **complete())
    with pytest.raises(PermissionDenied, match="exporteren"):
        log.export("anna", "json")
    data = json.loads(log.export("jules", "json"))
    assert data[0]["question"] == "Mag ik afzien van terugvordering?"
    csv_text = log.export("kim", "csv")
    assert csv_text.splitlines()[0].startswith("id,version,status,author")
    assert log.audit_events()[-1]["action"] == "cases.exported"


# --------------------------------------------------------------------------- AI trace + feedback


def test_ai_answer_is_frozen_with_its_hash_and_cannot_change_after_submission(log):
    case = log.create_case("anna", **complete())
    case = log.attach_ai_trace(case.id, ai_answer())
    frozen = case.ai_answers[0]
    assert frozen.sha256 == hashlib.sha256(canonical_json(frozen.answer).encode()).hexdigest()
    assert case.ai_trace["trace"]["prompt"]["hash"] == "9f2c1e4b7a6d5c3b"
    assert case.ai_trace["trace"]["index_fingerprint"] == "a1b2c3d4e5f60718"
    event_ = log.audit_events(case.id)[-1]
    assert event_["action"] == "case.ai_attached" and event_["after"]["sha256"] == frozen.sha256
    assert event_["after"]["backend"] == "grounded"
    log.update_case(case.id, "anna", ai_stance="overgenomen")
    log.submit(case.id, "anna")
    with pytest.raises(InvalidTransition):
        log.attach_ai_trace(case.id, ai_answer("iets anders"))
    with pytest.raises(PermissionDenied):
        log.attach_ai_trace(case.id, ai_answer(), by="kim")


def test_feedback_per_answer(log):
    case = log.create_case("anna", **complete())
    log.attach_ai_trace(case.id, ai_answer())
    log.attach_ai_trace(case.id, ai_answer("Tweede antwoord."))
    log.add_feedback(case.id, "anna", "up", answer_no=2)
    case = log.add_feedback(case.id, "kim", -1, reason="Mist de beleidsregel.", answer_no=1)
    assert [(f.username, f.rating, f.answer_no) for f in case.feedback] == [("anna", "up", 2), ("kim", "down", 1)]
    with pytest.raises(CaseError, match="geen AI-antwoord nummer 3"):
        log.add_feedback(case.id, "anna", "up", answer_no=3)
    with pytest.raises(CaseError, match="duim"):
        log.add_feedback(case.id, "anna", "meh")
    with pytest.raises(PermissionDenied):
        log.add_feedback(case.id, "bram", "up")


# --------------------------------------------------------------------------- reports + deletion


def test_approved_cases_for_the_knelpuntenrapportage(log):
    ids = []
    for i in range(3):
        c = log.create_case("anna", **complete(
            knelpunt=i != 1, knelpunt_description=f"Knelpunt {i}", knelpunt_consequences="Schuld groeit",
            knelpunt_solution="Beleidsregel aanpassen", knelpunt_solution_type="beleidsregel",
            knelpunt_owner="gemeente", knelpunt_status="open",
            rules=[{"citation": "artikel 58 Participatiewet", "version": "2026-07-01"}]))
        log.submit(c.id, "anna")
        ids.append(c.id)
    log.review(ids[0], "kim", "approve")
    log.review(ids[1], "kim", "approve")
    log.review(ids[2], "kim", "reject")
    today = dt.datetime.now(dt.timezone.utc).date()
    approved = log.approved_cases(today, today)
    assert [c.id for c in approved] == ids[:2]
    assert [c.id for c in log.approved_cases(today, today, knelpunt_only=True)] == [ids[0]]
    assert log.approved_cases(today + dt.timedelta(days=1), None) == []
    first = approved[0]
    assert first.rules == [{"citation": "artikel 58 Participatiewet", "version": "2026-07-01"}]
    assert (first.knelpunt_owner, first.knelpunt_status, first.knelpunt_solution_type) == ("gemeente", "open", "beleidsregel")


def test_deleting_a_case_keeps_its_audit_trail(log):
    case = log.create_case("anna", **complete())
    log.attach_ai_trace(case.id, ai_answer())
    log.update_case(case.id, "anna", ai_stance="overgenomen")
    log.submit(case.id, "anna")
    with pytest.raises(PermissionDenied):
        log.delete_case(case.id, "anna")  # no longer a concept
    log.delete_case(case.id, "beheer")
    assert log.count_cases() == 0
    actions = [e["action"] for e in log.audit_events(case.id)]
    assert actions == ["case.created", "case.ai_attached", "case.updated", "case.submitted", "case.deleted"]
    assert log.audit_events(case.id)[-1]["before"]["question"] == "Mag ik afzien van terugvordering?"
    assert log.verify_audit().ok


# --------------------------------------------------------------------------- users


def test_users_roles_and_passwords(log):
    assert [u.username for u in log.list_users()] == sorted(u for u, _, _ in USERS)
    with pytest.raises(CaseError, match="bestaat al"):
        log.add_user("Anna", "professional")
    with pytest.raises(CaseError, match="Onbekende rol"):
        log.add_user("piet", "directeur")
    with pytest.raises(PermissionDenied, match="beheerder"):
        log.add_user("piet", "professional", by="anna")
    assert log.add_user("piet", "jurist", by="beheer").role == "jurist"
    assert not log.verify_password("anna", "geheim-wachtwoord-1")
    with pytest.raises(CaseError, match="minimaal 12"):
        log.set_password("anna", "kort")
    log.set_password("anna", "geheim-wachtwoord-1")
    assert log.verify_password("anna", "geheim-wachtwoord-1")
    assert not log.verify_password("anna", "verkeerd-wachtwoord")
    assert log.get_user("anna").has_password
    with pytest.raises(PermissionDenied):
        log.set_password("bram", "nog-een-wachtwoord", by="anna")


def test_migrations_are_named_and_idempotent(tmp_path):
    make_log(tmp_path).close()
    again = make_log(tmp_path, users=False)  # second start: upgrade head is a no-op
    assert len(again.list_users()) == len(USERS)
    again.close()
    con = sqlite3.connect(tmp_path / "maatwerk.db")
    from importlib import resources

    versions = resources.files("assistant.cases") / "migrations" / "versions"
    newest = sorted(p.name.removesuffix(".py") for p in versions.iterdir() if p.name.startswith("0"))[-1]
    assert con.execute("SELECT version_num FROM alembic_version").fetchall() == [(newest,)]
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    con.close()


# --------------------------------------------------------------------------- concurrency


def test_two_reviewers_at_once_exactly_one_wins(log):
    for round_ in range(5):
        case = log.create_case("anna", **complete())
        log.submit(case.id, "anna")
        barrier = threading.Barrier(2)
        results: dict[str, object] = {}

        def act(user: str, action: str) -> None:
            barrier.wait()
            try:
                results[user] = log.review(case.id, user, action, comment="Na overleg.")
            except CaseError as exc:
                results[user] = exc

        threads = [threading.Thread(target=act, args=("kim", "approve")),
                   threading.Thread(target=act, args=("koen", "return"))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        winners = [u for u, r in results.items() if not isinstance(r, Exception)]
        losers = [r for r in results.values() if isinstance(r, Exception)]
        assert len(winners) == 1 and len(losers) == 1, results
        assert isinstance(losers[0], (InvalidTransition, ConcurrentChange))
        assert "alleen een ingediende casus" in str(losers[0]) or "intussen" in str(losers[0])
        reviews = [e for e in log.audit_events(case.id) if e["action"] in ("case.goedgekeurd", "case.teruggestuurd")]
        assert len(reviews) == 1 and reviews[0]["actor"] == winners[0]
    assert log.verify_audit().ok


def test_a_stale_version_is_refused(log):
    case = log.create_case("anna", **complete())
    log.submit(case.id, "anna")
    seen = log.get_case(case.id, "kim").version
    log.review(case.id, "koen", "return", comment="Nog even aanvullen.")
    with pytest.raises(ConcurrentChange, match="intussen gewijzigd"):
        log.review(case.id, "kim", "approve", expected_version=seen)
    fresh = log.get_case(case.id, "anna")
    with pytest.raises(ConcurrentChange):
        log.update_case(case.id, "anna", motivering="x", expected_version=fresh.version - 1)
    assert log.update_case(case.id, "anna", motivering="x", expected_version=fresh.version).version == fresh.version + 1


def test_fifty_concurrent_submissions_are_each_stored_once(log):
    errors: list[BaseException] = []
    barrier = threading.Barrier(50)

    def work(i: int) -> None:
        try:
            barrier.wait()
            c = log.create_case("anna" if i % 2 else "bram", **complete(question=f"Vraag nummer {i}?"))
            log.submit(c.id, "anna" if i % 2 else "bram")
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    cases = log.list_cases("kim")
    assert sorted(c.question for c in cases) == sorted(f"Vraag nummer {i}?" for i in range(50))
    assert all(c.status == "ingediend" for c in cases)
    ok, n, first_bad = log.verify_audit()
    assert (ok, n, first_bad) == (True, len(USERS) + 100, None)


def _process_worker(url: str, worker: int, count: int) -> None:
    log = CaseLog.from_url(url, busy_timeout_ms=30000)
    for i in range(count):
        c = log.create_case("anna", **complete(question=f"Proces {worker} vraag {i}?"))
        log.submit(c.id, "anna")
    log.close()


def test_concurrent_processes_store_every_case_once(tmp_path):
    log = make_log(tmp_path)
    url = f"sqlite:///{(tmp_path / 'maatwerk.db').as_posix()}"
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_process_worker, args=(url, w, 10)) for w in range(5)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0] * 5
    questions = sorted(c.question for c in log.list_cases("kim"))
    assert questions == sorted(f"Proces {w} vraag {i}?" for w in range(5) for i in range(10))
    assert tuple(log.verify_audit()) == (True, len(USERS) + 100, None)


# --------------------------------------------------------------------------- faults


class CrashAfterCaseInsert(CaseLog):
    """Fails between the case INSERT (already flushed) and its audit event."""

    crash = "raise"

    def _append_event(self, s, actor, action, case_id, before, after):
        if action == "case.created":
            s.flush()
            assert case_id is not None  # the case row really is in the transaction
            if self.crash == "exit":
                os._exit(3)  # the process dies mid-transaction
            raise RuntimeError("gesimuleerde crash")
        return super()._append_event(s, actor, action, case_id, before, after)


def test_a_crash_between_case_and_audit_event_leaves_neither(tmp_path):
    make_log(tmp_path).close()
    crashing = CrashAfterCaseInsert.from_url(f"sqlite:///{(tmp_path / 'maatwerk.db').as_posix()}")
    with pytest.raises(RuntimeError, match="gesimuleerde crash"):
        crashing.create_case("anna", **complete())
    crashing.close()
    con = sqlite3.connect(tmp_path / "maatwerk.db")
    assert con.execute("SELECT count(*) FROM cases").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM audit_events WHERE action LIKE 'case.%'").fetchone()[0] == 0
    con.close()
    log = make_log(tmp_path, users=False)
    assert log.verify_audit().ok
    assert log.create_case("anna", **complete()).id == 1


def _crash_worker(url: str) -> None:
    log = CrashAfterCaseInsert.from_url(url)
    log.crash = "exit"
    log.create_case("anna", **complete())


def test_a_process_that_dies_mid_transaction_leaves_neither(tmp_path):
    make_log(tmp_path).close()
    url = f"sqlite:///{(tmp_path / 'maatwerk.db').as_posix()}"
    p = multiprocessing.get_context("spawn").Process(target=_crash_worker, args=(url,))
    p.start()
    p.join(60)
    assert p.exitcode == 3
    log = make_log(tmp_path, users=False)
    assert log.count_cases() == 0
    assert log.verify_audit() == (True, len(USERS), None)
    assert log.create_case("anna", **complete()).id == 1


def test_a_locked_database_gives_a_clear_message_and_stores_nothing(tmp_path):
    make_log(tmp_path).close()
    log = make_log(tmp_path, users=False, busy_timeout_ms=200)
    blocker = sqlite3.connect(tmp_path / "maatwerk.db", isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(DatabaseUnavailable, match="bezet"):
            log.create_case("anna", **complete())
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert log.count_cases() == 0
    assert log.create_case("anna", **complete()).id == 1  # works again once the lock is gone
    assert log.verify_audit().ok


def test_a_read_only_database_gives_a_clear_message(tmp_path):
    make_log(tmp_path).close()
    path = (tmp_path / "maatwerk.db").as_posix()
    ro = CaseLog.from_url(f"sqlite:///file:{path}?mode=ro&uri=true", migrate=False)
    assert len(ro.list_users()) == len(USERS)  # reading still works
    with pytest.raises(DatabaseUnavailable, match="alleen-lezen"):
        ro.create_case("anna", **complete())
    ro.close()


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root ignores file permissions")
def test_a_read_only_directory_gives_a_clear_message(tmp_path):
    make_log(tmp_path).close()
    for p in tmp_path.iterdir():
        p.chmod(0o444)
    tmp_path.chmod(0o555)
    try:
        with pytest.raises(DatabaseUnavailable):
            log = make_log(tmp_path, users=False)
            log.create_case("anna", **complete())
    finally:
        tmp_path.chmod(0o755)
        for p in tmp_path.iterdir():
            p.chmod(0o644)


def test_a_full_database_gives_a_clear_message_and_stays_consistent(tmp_path):
    log = make_log(tmp_path)
    log.create_case("anna", **complete())

    @event.listens_for(log.engine, "connect")
    def _cap(dbapi_conn, _record):
        pages = dbapi_conn.execute("PRAGMA page_count").fetchone()[0]
        dbapi_conn.execute(f"PRAGMA max_page_count = {pages + 1}")

    log.engine.dispose()  # new connections get the cap
    with pytest.raises(DatabaseUnavailable, match="vol"):
        log.create_case("anna", **complete(situation="situatieschets " * 3000))
    event.remove(log.engine, "connect", _cap)
    log.engine.dispose()
    assert log.count_cases() == 1
    assert log.verify_audit() == (True, len(USERS) + 1, None)


def test_the_orm_models_match_the_migrations(tmp_path):
    # Tables and columns must not drift between assistant/cases/migrations and the ORM classes
    # (indexes and the unique constraint live only in the migration).
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    import assistant.curation.registry  # noqa: F401  (the corpus registry's tables live on the same Base)
    from assistant.cases import Base

    log = make_log(tmp_path, users=False)
    with log.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    log.close()
    structural = [d for d in diffs if isinstance(d, list) or d[0] in ("add_table", "remove_table", "add_column", "remove_column")]
    assert structural == []


# --------------------------------------------------------------------------- no placeholders past submit

CONCEPT = """Regel en versie:
artikel 58, achtste lid, Participatiewet (geldig vanaf 2026-07-01): „Indien daarvoor dringende redenen ...“ [1]

Doel van de regel:
[in te vullen door de professional]

Bijzondere omstandigheden:
Uit de vraag: schuld van € 4.000; huisuitzetting dreigt

Gevolgen voor de inwoner:
Terugvordering zou tot huisuitzetting leiden.

Belangenafweging:
1. Geschiktheid: dient toepassing van de regel haar doel? Oordeel van de professional: ...

Vergelijkbare besluiten:
Geen vergelijkbare besluiten gevonden.

Conclusie:
Kies een van beide conclusies (de professional beslist, de assistent niet):
A. Afwijken: ...
B. Niet afwijken: ..."""


def test_motivering_gaps_name_the_section():
    from assistant.cases import motivering_gaps

    gaps = motivering_gaps(CONCEPT)
    assert gaps == [
        "sectie 'Doel van de regel' bevat nog '[in te vullen door de professional]'",
        "sectie 'Belangenafweging' bevat nog 'Oordeel van de professional: ...'; vul uw oordeel in",
        "sectie 'Conclusie' bevat nog beide conclusies; houd er één over (A of B)",
    ]
    emptied = CONCEPT.replace("Uit de vraag: schuld van € 4.000; huisuitzetting dreigt", "")
    assert "sectie 'Bijzondere omstandigheden' is leeg" in motivering_gaps(emptied)
    assert "sectie 'Conclusie' ontbreekt" in motivering_gaps(CONCEPT.split("Conclusie:")[0])
    # A motivering written freely (without the concept's headings) only has to be free of placeholders.
    assert motivering_gaps("Dringende redenen: de schuld zou tot huisuitzetting leiden.") == []
    assert motivering_gaps("Nog doen: [in te vullen]") == ["de motivering bevat nog '[in te vullen door de professional]'"]


def finished(text: str) -> str:
    return (text.replace("[in te vullen door de professional]", "Terugvordering herstelt wat ten onrechte is betaald.")
            .replace("Oordeel van de professional: ...", "Ja.")
            .split("Kies een van beide conclusies")[0] + "Afwijken: dringende redenen (art. 58, achtste lid, Pw).")


def test_a_case_with_placeholders_cannot_be_submitted_approved_or_promoted(tmp_path):
    log = make_log(tmp_path)
    case = log.create_case("anna", **complete(motivering=CONCEPT))
    with pytest.raises(CaseError) as err:
        log.submit(case.id, "anna")
    assert "De motivering is nog niet af" in str(err.value) and "'Doel van de regel'" in str(err.value)
    assert "'Conclusie'" in str(err.value)
    assert log.get_case(case.id, "anna").status == "concept"
    # An emptied required section is named too.
    log.update_case(case.id, "anna", motivering=finished(CONCEPT).replace(
        "Uit de vraag: schuld van € 4.000; huisuitzetting dreigt", ""))
    with pytest.raises(CaseError, match="sectie 'Bijzondere omstandigheden' is leeg"):
        log.submit(case.id, "anna")
    log.update_case(case.id, "anna", motivering=finished(CONCEPT))
    assert log.submit(case.id, "anna").status == "ingediend"

    # A case that reached review with a placeholder (submitted before this check) is not approved,
    # and an approved one is not promoted to a precedent.
    with log.engine.begin() as con:
        con.exec_driver_sql("UPDATE cases SET motivering = ? WHERE id = ?", (CONCEPT, case.id))
    with pytest.raises(CaseError, match="kan niet worden goedgekeurd.*Doel van de regel"):
        log.review(case.id, "kim", "approve")
    assert log.review(case.id, "kim", "return", comment="Vul de motivering aan.").status == "teruggestuurd"
    log.update_case(case.id, "anna", motivering=finished(CONCEPT))
    log.submit(case.id, "anna")
    assert log.review(case.id, "kim", "approve").status == "goedgekeurd"
    with log.engine.begin() as con:
        con.exec_driver_sql("UPDATE cases SET motivering = ? WHERE id = ?", (CONCEPT, case.id))

    from assistant.retrieval.embeddings import HashingEmbeddings
    from assistant.retrieval.index import Index
    from assistant.curation import Registry, RegistryError

    reg = Registry(log, Index.open(tmp_path / "data", HashingEmbeddings()), tmp_path / "corpus")
    with pytest.raises(RegistryError, match="kan geen precedent worden.*Doel van de regel"):
        reg.promote_case(case.id, "jules")
    assert not (tmp_path / "corpus" / "besluiten").exists()
    log.close()
