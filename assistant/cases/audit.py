"""The audit trail: a hash chain of events with a MAC per event under the installation's audit key
(kept outside the database), a head row with its own MAC, verification by walking the chain and
replaying every case from its events, anchors, and purging after the retention period."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping

from sqlalchemy import (
    Engine,
    delete,
    select,
)
from sqlalchemy.orm import Session

from assistant.integrity import KEY_FILE, AuditKey, KeyProblem
from assistant.cases.model import AuditCheck, CaseError, EDITABLE_FIELDS, GENESIS_HASH, MIN_RETENTION_DAYS, PermissionDenied, REVIEW_ACTIONS, SYSTEM_ACTOR, canonical_json
from assistant.cases.schema import AuditEventRow, AuditHeadRow, CaseRow, _now, _snapshot


# --------------------------------------------------------------------------- helpers


def _event_payload(version: int, seq: int, occurred_at: dt.datetime, actor: str, action: str,
                   case_id: int | None, before_json: str, after_json: str, prev_hash: str) -> bytes:
    payload = {
        "v": version, "seq": seq, "occurred_at": occurred_at.isoformat(timespec="microseconds"),
        "actor": actor, "action": action, "case_id": case_id,
        "before": before_json, "after": after_json, "prev_hash": prev_hash,
    }
    return canonical_json(payload).encode("utf-8")


def event_hash(seq: int, occurred_at: dt.datetime, actor: str, action: str, case_id: int | None,
               before_json: str, after_json: str, prev_hash: str) -> str:
    """SHA-256 over the canonical serialisation of one audit event: the unkeyed v1 rule, still
    used to verify events older than the switch-over to the keyed chain (head.keyed_from)."""
    return hashlib.sha256(_event_payload(1, seq, occurred_at, actor, action, case_id, before_json, after_json,
                                         prev_hash)).hexdigest()


def event_mac(key: AuditKey, seq: int, occurred_at: dt.datetime, actor: str, action: str, case_id: int | None,
              before_json: str, after_json: str, prev_hash: str) -> str:
    """HMAC-SHA256 with the audit key over one audit event (v2): without the key nobody can
    recompute it after an edit."""
    return key.mac(_event_payload(2, seq, occurred_at, actor, action, case_id, before_json, after_json, prev_hash))


def head_payload(head: Any) -> bytes:
    """What the head MAC covers: moving the head back (deleting the tail and updating the head
    row), moving the anchor or the switch-over point all change it."""
    return canonical_json({
        "v": 2, "head": 1, "last_seq": head.last_seq, "last_hash": head.last_hash, "event_count": head.event_count,
        "anchor_seq": head.anchor_seq, "anchor_hash": head.anchor_hash, "key_id": head.key_id,
        "keyed_from": head.keyed_from,
    }).encode("utf-8")


KEYED_ACTION = "audit.keyed"


@dataclass
class _Walk:
    """The result of walking the stored events from the anchor (see walk_chain)."""

    ok: bool = True
    n: int = 0
    first_bad: int | None = None
    reason: str = ""
    last_seq: int = 0
    last_hash: str = GENESIS_HASH
    last_purge: dict | None = None


def walk_chain(events, anchor_seq: int, anchor_hash: str, keyed_from: int | None, key: AuditKey | None,
               on_event: Callable[[Any], None] | None = None) -> _Walk:
    """Check contiguous seqs from the anchor, each prev_hash = the previous event's hash, and each
    hash recomputed: events before keyed_from with the unkeyed v1 rule, the rest with the key.
    The event at keyed_from (after a legacy part) must be the recorded switch-over, naming the
    legacy part's last hash, so the old part cannot be rewritten either."""
    w = _Walk(last_seq=anchor_seq - 1, last_hash=anchor_hash)
    expected_seq, prev = anchor_seq, anchor_hash
    for e in events:
        if e.seq != expected_seq:
            w.ok, w.first_bad = False, min(e.seq, expected_seq)
            w.reason = (f"gebeurtenis {expected_seq} ontbreekt (verwijderd)" if e.seq > expected_seq
                        else f"gebeurtenis {e.seq} staat vóór het anker of dubbel")
            return w
        if e.prev_hash != prev:
            w.ok, w.first_bad, w.reason = False, e.seq, f"gebeurtenis {e.seq} verwijst niet naar de vorige gebeurtenis"
            return w
        keyed = keyed_from is not None and e.seq >= keyed_from
        if keyed:
            digest = event_mac(key, e.seq, e.occurred_at, e.actor, e.action, e.case_id, e.before_json,
                               e.after_json, e.prev_hash)
        else:
            digest = event_hash(e.seq, e.occurred_at, e.actor, e.action, e.case_id, e.before_json, e.after_json,
                                e.prev_hash)
        if digest != e.hash:
            w.ok, w.first_bad = False, e.seq
            w.reason = (f"gebeurtenis {e.seq} is na het vastleggen gewijzigd" + (" (de sleutel-MAC klopt niet)" if keyed else ""))
            return w
        if keyed and e.seq == keyed_from and keyed_from > 1:
            after = json.loads(e.after_json)
            if e.action != KEYED_ACTION or after.get("legacy_last_seq") != e.seq - 1 or after.get("legacy_last_hash") != e.prev_hash:
                w.ok, w.first_bad = False, e.seq
                w.reason = f"gebeurtenis {e.seq} had de vastgelegde overgang naar de sleutelketen moeten zijn"
                return w
        if e.action == "audit.purged":
            w.last_purge = json.loads(e.after_json)
        if on_event is not None:
            on_event(e)
        prev, expected_seq, w.n = e.hash, expected_seq + 1, w.n + 1
        w.last_seq, w.last_hash = e.seq, e.hash
    return w


def key_the_chain(conn, key: AuditKey | None, now: dt.datetime | None = None) -> None:
    """Migration 0003: switch the audit trail to the keyed chain, once. A new log just gets a keyed
    head (and its key file is created: first use). An existing log keeps its unkeyed events,
    which stay verifiable with the v1 rule; one keyed event "audit.keyed" records the legacy
    part's last seq, hash and count (and whether it verified), so from here on nothing before
    it can be rewritten either. Refuses to key a log a second time (a switch-over event in it
    means someone removed the keying)."""
    heads, events = AuditHeadRow.__table__, AuditEventRow.__table__
    head = conn.execute(select(heads).where(heads.c.id == 1)).one()
    if head.key_id is not None:
        return
    if key is None:
        raise CaseError("Voor het bijwerken van de audittrail is de auditsleutel nodig (MAATWERK_AUDIT_KEY of "
                        "audit.key in de datamap).")
    try:
        key.load(create=True)
        key_id = key.key_id
    except KeyProblem as exc:
        raise CaseError(str(exc)) from exc
    values = {"last_seq": head.last_seq, "last_hash": head.last_hash, "event_count": head.event_count,
              "anchor_seq": head.anchor_seq, "anchor_hash": head.anchor_hash, "key_id": key_id}
    if head.last_seq == 0:
        values["keyed_from"] = 1
    else:
        if conn.execute(select(events.c.seq).where(events.c.action == KEYED_ACTION).limit(1)).first():
            raise CaseError("De audittrail was al met een sleutel beveiligd, maar die beveiliging is uit de database "
                            "gehaald; de audittrail is gemanipuleerd. Herstel een back-up en draai `maatwerk audit verify`.")
        legacy = walk_chain(conn.execute(select(events).order_by(events.c.seq)), head.anchor_seq, head.anchor_hash,
                            None, None)
        seq = head.last_seq + 1
        occurred_at = now or _now()
        after = {"rule": "hmac-sha256", "key_id": key_id, "legacy_last_seq": head.last_seq,
                 "legacy_last_hash": head.last_hash, "legacy_events": head.event_count,
                 "legacy_verified": legacy.ok and legacy.last_seq == head.last_seq and legacy.last_hash == head.last_hash,
                 "legacy_reason": legacy.reason}
        before_json, after_json = canonical_json({}), canonical_json(after)
        mac = event_mac(key, seq, occurred_at, SYSTEM_ACTOR, KEYED_ACTION, None, before_json, after_json, head.last_hash)
        conn.execute(events.insert().values(seq=seq, occurred_at=occurred_at, actor=SYSTEM_ACTOR, action=KEYED_ACTION,
                                            case_id=None, before_json=before_json, after_json=after_json,
                                            prev_hash=head.last_hash, hash=mac))
        values.update(last_seq=seq, last_hash=mac, event_count=head.event_count + 1, keyed_from=seq)
    values["mac"] = key.mac(head_payload(_Head(**values)))
    conn.execute(heads.update().where(heads.c.id == 1).values(**values))


@dataclass
class _Head:
    last_seq: int
    last_hash: str
    event_count: int
    anchor_seq: int
    anchor_hash: str
    key_id: str | None
    keyed_from: int | None = None


# A database server (PostgreSQL) that is stopped, restarting or out of reach. The pool pings
# connections before use (pool_pre_ping), so the first call after a restart works again.


def default_audit_key(engine: Engine) -> AuditKey:
    """The audit key when the caller gives none: for a SQLite file the key file next to it (the
    data directory by default, as AuditKey.from_settings); a throw-away key for an in-memory
    database. A database server needs the key from the settings (entry points pass it)."""
    url = engine.url
    if url.get_backend_name() == "sqlite":
        database = url.database or ""
        if database.startswith("file:"):
            database = database[len("file:"):].split("?", 1)[0]
        if database and database != ":memory:" and "mode=memory" not in str(url):
            return AuditKey(Path(database).resolve().parent / KEY_FILE)
        return AuditKey.ephemeral()
    raise CaseError("Voor een databaseserver is een auditsleutel nodig: stel MAATWERK_AUDIT_KEY in of laat de "
                    "app het bestand audit.key in de datamap gebruiken.")


_REVIEW_EVENTS = {f"case.{status}" for status in REVIEW_ACTIONS.values()}
# Case-row fields the events record; version is left out (attaching an AI answer raises it
# without recording it, and a version number alone changes nothing a report shows).
_REPLAYED_FIELDS = frozenset(EDITABLE_FIELDS) | {"status"}
# A case's own timestamps are taken a moment before its event's (same transaction); more than
# this apart means the row was changed afterwards (e.g. reviewed_at moved into another report period).
_TIME_SLACK = dt.timedelta(minutes=5)
_TIME_NAMES = {"created_at": "aanmaakdatum", "submitted_at": "indiendatum", "reviewed_at": "beoordelingsdatum"}


def _short(value: Any, limit: int = 60) -> str:
    text = canonical_json(value) if not isinstance(value, str) else value
    return text if len(text) <= limit else text[:limit - 1] + "…"


class _CaseReplay:
    """What the audit events say each row of `cases` must hold: replayed while the chain is
    walked, then compared with the table (verify_audit). A row edited, inserted or deleted with
    SQL, past the application, no longer matches its events."""

    def __init__(self, complete: bool):
        # complete: the chain starts at genesis (nothing purged), so every case must have its
        # case.created event; after a purge, old cases are checked on what their kept events say.
        self.complete = complete
        self.cases: dict[int, dict[str, Any]] = {}

    @staticmethod
    def _fresh() -> dict[str, Any]:
        return {"fields": {}, "created": False, "deleted": False, "author": None, "reviewer": None,
                "reviewed": False, "answers": {}, "comments": [], "feedback": [], "times": {}}

    def apply(self, e: Any) -> None:
        if e.case_id is None or not e.action.startswith("case."):
            return
        after = json.loads(e.after_json)
        if e.action == "case.created":
            st = self.cases[e.case_id] = self._fresh()
            st.update(created=True, author=e.actor)
            st["fields"].update(after)
            st["times"]["created_at"] = e.occurred_at
            return
        st = self.cases.setdefault(e.case_id, self._fresh())
        if e.action in ("case.updated", "case.submitted"):
            st["fields"].update(after)
            if e.action == "case.submitted":
                st["times"]["submitted_at"] = e.occurred_at
        elif e.action in _REVIEW_EVENTS:
            st["fields"].update({k: after[k] for k in ("status",) if k in after})
            st.update(reviewer=e.actor, reviewed=True)
            st["times"]["reviewed_at"] = e.occurred_at
            if after.get("comment") is not None:
                st["comments"].append((e.actor, after.get("status"), after["comment"]))
        elif e.action == "case.ai_attached":
            st["answers"][after.get("answer_no")] = after.get("sha256")
        elif e.action == "case.feedback":
            st["feedback"].append((e.actor, after.get("rating"), after.get("reason"), after.get("answer_no")))
        elif e.action == "case.deleted":
            st["deleted"] = True

    def compare(self, rows) -> tuple[int, list[str]]:
        problems: list[str] = []
        seen: set[int] = set()
        checked = 0
        edited = "; direct in de database gewijzigd"
        for row in rows:
            checked += 1
            seen.add(row.id)
            st = self.cases.get(row.id)
            if st is None:
                if self.complete:
                    problems.append(f"casus {row.id} staat in de tabel cases zonder aanmaakgebeurtenis in de "
                                    "audittrail (buiten de applicatie toegevoegd)")
                continue
            if st["deleted"]:
                problems.append(f"casus {row.id} is volgens de audittrail verwijderd maar staat nog in de tabel cases")
                continue
            snap = _snapshot(row)
            for name in sorted(st["fields"]):
                if name in _REPLAYED_FIELDS and snap.get(name) != st["fields"][name]:
                    problems.append(f"casus {row.id}: {name} is '{_short(snap.get(name))}', volgens de audittrail "
                                    f"'{_short(st['fields'][name])}'{edited}")
            for name, when in st["times"].items():
                stored = getattr(row, name)
                if stored is None or abs(stored - when) > _TIME_SLACK:
                    problems.append(f"casus {row.id}: {_TIME_NAMES[name]} is {stored.isoformat(sep=' ', timespec='seconds') if stored else '-'}, "
                                    f"volgens de audittrail {when.isoformat(sep=' ', timespec='seconds')}{edited}")
            reviewer = row.reviewer.username if row.reviewer else None
            if st["reviewed"] and reviewer != st["reviewer"]:
                problems.append(f"casus {row.id}: beoordelaar is '{reviewer}', volgens de audittrail "
                                f"'{st['reviewer']}'{edited}")
            if not st["created"]:
                continue  # its first events were purged: only what the kept events say is known
            if row.author.username != st["author"]:
                problems.append(f"casus {row.id}: auteur is '{row.author.username}', volgens de audittrail "
                                f"'{st['author']}'{edited}")
            if not st["reviewed"] and reviewer is not None:
                problems.append(f"casus {row.id}: heeft beoordelaar '{reviewer}' zonder beoordeling in de audittrail{edited}")
            stored = {a.answer_no: a for a in row.ai_answers}
            if set(stored) != set(st["answers"]):
                problems.append(f"casus {row.id}: AI-antwoorden {sorted(stored)} in de tabel, volgens de audittrail "
                                f"{sorted(st['answers'])}{edited}")
            for no, a in stored.items():
                digest = hashlib.sha256(a.answer_json.encode("utf-8")).hexdigest()
                if no in st["answers"] and not (digest == a.sha256 == st["answers"][no]):
                    problems.append(f"casus {row.id}: AI-antwoord {no} wijkt af van de vastgelegde SHA-256{edited}")
            comments = [(c.author, c.kind, c.text) for c in row.comments]
            if comments != st["comments"]:
                problems.append(f"casus {row.id}: de opmerkingen bij de beoordeling wijken af van de audittrail{edited}")
            feedback = [(f.username, f.rating, f.reason, f.answer_no) for f in row.feedback]
            if feedback != st["feedback"]:
                problems.append(f"casus {row.id}: de feedback wijkt af van de audittrail{edited}")
        for case_id, st in sorted(self.cases.items()):
            if case_id not in seen and not st["deleted"]:
                problems.append(f"casus {case_id} ontbreekt in de tabel cases zonder verwijdergebeurtenis in de "
                                "audittrail (buiten de applicatie verwijderd)")
        return checked, problems


class AuditTrail:
    """The audit methods of CaseLog (a mixin: it uses the log's sessions, clock and key)."""

    # ------------------------------------------------------------------ audit

    def _key_id(self) -> str:
        try:
            return self.audit_key.key_id
        except KeyProblem as exc:
            raise CaseError(str(exc)) from exc

    def _locked_head(self, s: Session) -> AuditHeadRow:
        """The head row, locked, after checking its MAC: a head moved back from outside the app
        (tail deleted, head updated) is never extended and so never blessed by a new MAC."""
        head = s.execute(self._lock(select(AuditHeadRow).where(AuditHeadRow.id == 1))).scalar_one()
        problem = self._head_problem(head)
        if problem:
            raise CaseError(problem + " Er is niets opgeslagen; laat een beheerder `maatwerk audit verify` draaien.")
        return head

    def _head_problem(self, head: AuditHeadRow) -> str:
        if head.key_id is None:
            return "De audittrail is niet met een sleutel beveiligd (kop zonder sleutel)."
        key_id = self._key_id()
        if head.key_id != key_id:
            return (f"De auditsleutel ({self.audit_key.source}, id {key_id}) hoort niet bij deze audittrail "
                    f"(id {head.key_id}); zet de juiste sleutel terug (audit.key of MAATWERK_AUDIT_KEY).")
        if not self.audit_key.matches(head_payload(head), head.mac):
            return ("De kop van de audittrail (tabel audit_head) is buiten de applicatie gewijzigd, bijvoorbeeld "
                    "nadat het einde van de keten is verwijderd.")
        return ""

    def _append_event(self, s: Session, actor: str, action: str, case_id: int | None,
                      before: Mapping[str, Any] | None, after: Mapping[str, Any] | None,
                      head: AuditHeadRow | None = None) -> AuditEventRow:
        """Append one event to the chain inside the caller's transaction (so a change and its
        event are stored together or not at all). The event carries a MAC with the audit key;
        the head row gets a new MAC."""
        s.flush()  # the change itself first: its id/version go into the event
        head = head if head is not None else self._locked_head(s)
        seq = head.last_seq + 1
        occurred_at = self._now()
        before_json, after_json = canonical_json(before or {}), canonical_json(after or {})
        digest = event_mac(self.audit_key, seq, occurred_at, actor, action, case_id, before_json, after_json,
                           head.last_hash)
        row = AuditEventRow(seq=seq, occurred_at=occurred_at, actor=actor, action=action, case_id=case_id,
                            before_json=before_json, after_json=after_json, prev_hash=head.last_hash, hash=digest)
        s.add(row)
        head.last_seq, head.last_hash, head.event_count = seq, digest, head.event_count + 1
        head.mac = self.audit_key.mac(head_payload(head))
        s.flush()
        return row

    def verify_audit(self, check_cases: bool = True) -> AuditCheck:
        """Check the head MAC (key id, a moved-back head), walk the chain (see walk_chain: contiguous
        seqs, links, MACs / legacy hashes), the last event equal to the stored head, the anchor
        moved only by a recorded purge; then (check_cases) replay the case events and compare
        every row of `cases` (and its AI answers, review comments, feedback) with them."""
        with self._read() as s:
            head = s.get(AuditHeadRow, 1)
            key_id = ""
            try:
                problem = self._head_problem(head)
                key_id = self.audit_key.key_id
            except CaseError as exc:
                problem = str(exc)
            if problem:
                return AuditCheck(False, 0, None, problem, head.last_hash, head.last_seq, key_id=key_id)
            replay = _CaseReplay(complete=head.anchor_seq == 1)
            events = s.execute(select(AuditEventRow).order_by(AuditEventRow.seq)).scalars().yield_per(500)
            w = walk_chain(events, head.anchor_seq, head.anchor_hash, head.keyed_from, self.audit_key,
                           replay.apply if check_cases else None)
            n = w.n
            fail = lambda first_bad, reason: AuditCheck(False, n, first_bad, reason, head.last_hash, head.last_seq,  # noqa: E731
                                                         key_id=key_id)
            if not w.ok:
                return fail(w.first_bad, w.reason)
            if w.last_seq > head.last_seq:
                return fail(head.last_seq + 1, f"na de kop (gebeurtenis {head.last_seq}) staan nog gebeurtenissen tot "
                                               f"{w.last_seq}: de kop is teruggezet")
            if w.last_seq != head.last_seq or w.last_hash != head.last_hash:
                missing = w.last_seq + 1 if w.last_seq < head.last_seq else head.last_seq
                return fail(missing, f"gebeurtenis {missing} t/m {head.last_seq} ontbreekt (einde van de keten verwijderd)")
            if n != head.event_count:
                return fail(None, f"de teller zegt {head.event_count} gebeurtenissen, er zijn er {n}")
            anchored = head.anchor_seq != 1 or head.anchor_hash != GENESIS_HASH
            last_purge = w.last_purge
            if anchored and (last_purge is None or last_purge.get("anchor_seq") != head.anchor_seq
                             or last_purge.get("anchor_hash") != head.anchor_hash):
                return fail(head.anchor_seq, "het begin van de keten is verplaatst zonder vastgelegde opschoning")
            checked = 0
            problems: list[str] = []
            if check_cases:
                checked, problems = replay.compare(self._all_cases(s))
            if problems:
                more = f" (en {len(problems) - 1} andere afwijkingen)" if len(problems) > 1 else ""
                return AuditCheck(False, n, None, problems[0] + more, head.last_hash, head.last_seq, problems,
                                  checked, key_id)
            return AuditCheck(True, n, None, "", head.last_hash, head.last_seq, [], checked, key_id)

    @staticmethod
    def _all_cases(s: Session, batch: int = 500) -> Iterator[CaseRow]:
        # Pages by id: the eager joins need unique(), which rules out yield_per.
        last = 0
        while True:
            rows = s.execute(select(CaseRow).where(CaseRow.id > last).order_by(CaseRow.id).limit(batch)).unique().scalars().all()
            if not rows:
                return
            yield from rows
            last = rows[-1].id
            s.expunge_all()

    def audit_head(self) -> dict[str, Any]:
        """The head to anchor elsewhere (a file, a log, the knelpuntenrapportage): the last event's
        seq and MAC. Whoever holds an exported head can later prove that the trail still contains
        that event unchanged (`maatwerk audit verify --anker`)."""
        with self._read() as s:
            head = s.get(AuditHeadRow, 1)
            last = s.get(AuditEventRow, head.last_seq)
            return {"seq": head.last_seq, "mac": head.last_hash, "events": head.event_count,
                    "occurred_at": last.occurred_at.isoformat(timespec="seconds") + "Z" if last else None,
                    "key_id": head.key_id, "rule": "hmac-sha256"}

    def check_anchor(self, anchor: Mapping[str, Any]) -> tuple[bool, str]:
        """Is an exported head (audit_head()) still in the trail, unchanged? (ok, Dutch explanation)."""
        try:
            seq, mac = int(anchor["seq"]), str(anchor["mac"])
        except (KeyError, TypeError, ValueError):
            return False, "het anker is geen uitvoer van `maatwerk audit head` (seq en mac ontbreken)."
        with self._read() as s:
            head = s.get(AuditHeadRow, 1)
            if seq > head.last_seq:
                return False, (f"het anker noemt gebeurtenis {seq}, maar de keten eindigt bij {head.last_seq}: "
                               "gebeurtenissen zijn verwijderd of er is een oudere database teruggezet.")
            if seq < head.anchor_seq:
                if seq == head.anchor_seq - 1 and mac == head.anchor_hash:
                    return True, f"gebeurtenis {seq} is opgeschoond; het begin van de keten verwijst er nog naar."
                return True, f"gebeurtenis {seq} is na de bewaartermijn opgeschoond; het anker is niet meer te controleren."
            row = s.get(AuditEventRow, seq)
            if row is None:
                return False, f"gebeurtenis {seq} uit het anker ontbreekt in de keten."
            if row.hash != mac:
                return False, (f"gebeurtenis {seq} heeft een andere MAC dan in het anker: de keten is vanaf daar "
                               "vervangen of herberekend.")
            return True, f"gebeurtenis {seq} staat ongewijzigd in de keten."

    def purge_audit(self, by: str, retention_days: int, now: dt.datetime | None = None) -> int:
        """Delete audit events older than retention_days (>= 183) and record that in a purge
        event; the chain is re-anchored on the hash of the last deleted event. Returns the count."""
        if retention_days < MIN_RETENTION_DAYS:
            raise CaseError(f"De bewaartermijn van de audittrail is minimaal {MIN_RETENTION_DAYS} dagen.")
        with self._write() as s:
            actor = self._user(s, by)
            if actor.role != "beheerder":
                raise PermissionDenied("Alleen een beheerder mag de audittrail opschonen.")
            cutoff = (now or self._now()) - dt.timedelta(days=retention_days)
            last = s.execute(
                select(AuditEventRow).where(AuditEventRow.occurred_at < cutoff).order_by(AuditEventRow.seq.desc()).limit(1)
            ).scalar_one_or_none()
            if last is None:
                return 0
            head = self._locked_head(s)
            first_seq = head.anchor_seq
            count = s.execute(delete(AuditEventRow).where(AuditEventRow.seq <= last.seq)).rowcount
            head.anchor_seq, head.anchor_hash = last.seq + 1, last.hash
            head.event_count -= count
            self._append_event(s, actor.username, "audit.purged", None, {}, {
                "purged": count, "from_seq": first_seq, "to_seq": last.seq, "cutoff": cutoff.isoformat(),
                "retention_days": retention_days, "anchor_seq": last.seq + 1, "anchor_hash": last.hash,
            }, head=head)
            return count

    def audit_events(self, case_id: int | None = None) -> list[dict[str, Any]]:
        """The audit trail (optionally of one case) as dicts, oldest first."""
        with self._read() as s:
            stmt = select(AuditEventRow).order_by(AuditEventRow.seq)
            if case_id is not None:
                stmt = stmt.where(AuditEventRow.case_id == case_id)
            return [
                {"seq": e.seq, "occurred_at": e.occurred_at, "actor": e.actor, "action": e.action,
                 "case_id": e.case_id, "before": json.loads(e.before_json), "after": json.loads(e.after_json),
                 "hash": e.hash}
                for e in s.execute(stmt).scalars()
            ]
