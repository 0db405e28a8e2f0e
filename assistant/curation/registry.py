"""The corpus registry: every document in the corpus as a managed record (citation, type,
layer, validity, status, who added which version when), its versions, precedents promoted from
approved cases, and the impact of a change on precedents and open knelpunten.

Files, registry and index change together or not at all: a change is validated in full before
anything is written, the registry rows and their audit events are written in one case-log
transaction, and if writing the files or re-indexing fails the files are put back, the index is
re-synced with them and the transaction rolls back. Every change is an event in the case log's
hash-chained audit trail, so `maatwerk audit verify` covers the corpus too.

The stored copy of a document is never edited: what the registry learns later (a valid_to when
a newer version arrives or the document is withdrawn, `status: achterhaald` for an overturned
precedent) goes into its sidecar `<file>.meta.yaml`, which the loader reads over the front
matter, so the index and the files always agree.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, Sequence

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session


from assistant.cases import CaseLog, PermissionDenied, UnitOfWork, upgrade
from assistant.corpus.documents import SIDECAR_SUFFIX, LoadError, find_files, load_document, load_yaml
from assistant.corpus.splitting import split_document
from assistant.curation.model import AddResult, DocumentRow, EDITOR_ROLES, LAYER_OF, META_OPTIONS, RIJK_TYPES, RegisteredDocument, RegistryError, TYPE_DIRS, iso, period
from assistant.curation.impact import Impact
from assistant.curation.precedents import Precedents
from assistant.curation.staging import FileChanges, Staged, body_text, check_subfolder, parse_date, safe_name, sniff, yaml_dump


# --------------------------------------------------------------------------- the registry


class Registry(Precedents, Impact):
    """The corpus as managed records over the case log's database, audit trail and users.

    collaborators: a CaseLog (engine, users, audit chain), an Index (re-indexed after each
    change, always with the corpus folder as root, exactly as `maatwerk index` does), the corpus
    folder, and the folder for promoted precedents (inside the corpus folder)."""

    def __init__(self, caselog: CaseLog, index, corpus_dir: Path, precedents_dir: Path | None = None,
                 max_bytes: int | None = None, today: Callable[[], dt.date] | None = None,
                 max_chunk_chars: int = 1500):
        self.log = caselog
        self.index = index
        self.corpus_dir = Path(corpus_dir).resolve()
        self.precedents_dir = Path(precedents_dir).resolve() if precedents_dir else self.corpus_dir / "besluiten"
        try:
            self.precedents_rel = self.precedents_dir.relative_to(self.corpus_dir).as_posix()
        except ValueError:
            raise RegistryError(
                f"De map voor precedenten ({self.precedents_dir}) moet binnen de corpusmap ({self.corpus_dir}) "
                "liggen, anders worden ze niet geïndexeerd.") from None
        self.max_bytes = max_bytes
        self.max_chunk_chars = max_chunk_chars
        self._today = today or dt.date.today
        # The registry's tables come with migration 0002; an older database is upgraded here.
        upgrade(caselog.engine)

    # ------------------------------------------------------------------ plumbing

    def today(self) -> dt.date:
        return self._today()

    def _now(self) -> dt.datetime:
        return self.log.now()

    # Every change goes through the case log's unit of work: the registry's rows and their audit
    # events in one transaction (UnitOfWork.of(s) is the transaction a session belongs to).

    @contextmanager
    def _write(self) -> Iterator[Session]:
        with self.log.unit_of_work(write=True) as uow:
            yield uow.session

    @contextmanager
    def _read(self) -> Iterator[Session]:
        with self.log.unit_of_work(write=False) as uow:
            yield uow.session

    def _editor(self, s: Session, username: str):
        user = UnitOfWork.of(s).user(username)
        if user.role not in EDITOR_ROLES:
            raise PermissionDenied("Alleen een jurist of beheerder mag het corpus wijzigen.")
        return user

    def _audit(self, s: Session, actor: str, action: str, before: Mapping | None, after: Mapping | None,
               case_id: int | None = None) -> None:
        UnitOfWork.of(s).record(actor, action, before, after, case_id=case_id)

    def _model(self, row: DocumentRow, s: Session) -> RegisteredDocument:
        successor = s.execute(select(DocumentRow.id).where(DocumentRow.supersedes_id == row.id)).scalar()
        return RegisteredDocument(
            id=row.id, title=row.title, citation=row.citation, source_type=row.source_type, layer=row.layer,
            domain=row.domain, bevoegd_gezag=row.bevoegd_gezag, valid_from=row.valid_from, valid_to=row.valid_to,
            stored_status=row.status, source_url=row.source_url, file_hash=row.file_hash, path=row.path,
            added_by=row.added_by, added_at=row.added_at, changed_by=row.changed_by, changed_at=row.changed_at,
            supersedes_id=row.supersedes_id, superseded_by_id=successor, case_id=row.case_id,
            precedent_id=row.precedent_id, achterhaald_door=row.achterhaald_door, note=row.note,
            today=self.today(),
        )

    @staticmethod
    def _snapshot(row: DocumentRow) -> dict[str, Any]:
        return {"document_id": row.id, "citation": row.citation, "title": row.title, "type": row.source_type,
                "valid_from": iso(row.valid_from), "valid_to": iso(row.valid_to), "status": row.status,
                "path": row.path, "file_hash": row.file_hash, "achterhaald_door": row.achterhaald_door}

    def _row(self, s: Session, ref: int | str) -> DocumentRow:
        row = None
        text = str(ref).strip().lstrip("#")
        if text.isdigit():
            row = s.get(DocumentRow, int(text))
        if row is None:
            row = s.execute(select(DocumentRow).where(DocumentRow.precedent_id == text)).scalar_one_or_none()
        if row is None:
            raise RegistryError(f"Document {ref} staat niet in het register; zie `maatwerk corpus list`.")
        return row

    def _reindex(self, ours: Sequence[str], result: AddResult | None = None) -> list[str]:
        """Re-index the corpus folder (unchanged files are skipped by hash). A load error in one
        of *our* files fails the change; errors in other files are returned as warnings. The
        personal data replaced in our files (the index only holds the pseudonymised text) goes
        into result.replaced."""
        report = self.index.index_paths([self.corpus_dir], progress=False, max_bytes=self.max_bytes)
        mine = set(ours)
        if result is not None:
            result.replaced = {p: counts for p, counts in report.replaced.items() if p in mine}
        bad = [e for e in report.errors if e.path in mine]
        if bad:
            raise RegistryError("Indexeren mislukt, er is niets gewijzigd: "
                                + "; ".join(f"{e.path}: {e.reason}" for e in bad))
        return [f"{e.path}: {e.reason}" for e in report.errors]

    @contextmanager
    def _change(self) -> Iterator[tuple[Session, FileChanges]]:
        """One corpus change: a write transaction plus undoable file writes. On any failure
        (also a failed commit) the files are restored and the index re-synced with them."""
        files = FileChanges()
        try:
            with self._write() as s:
                yield s, files
        except BaseException:
            if files.touched:
                files.rollback()
                try:
                    self.index.index_paths([self.corpus_dir], progress=False, max_bytes=self.max_bytes)
                except Exception:  # the original error is the one to report
                    pass
            raise

    def _set_sidecar(self, files: FileChanges, rel_path: str, **values: Any) -> None:
        sidecar = self._inside(self.corpus_dir / (rel_path + SIDECAR_SUFFIX))
        data: dict[str, Any] = {}
        if sidecar.exists():
            data = load_yaml(sidecar.read_text(encoding="utf-8")) or {}
        for k, v in values.items():
            if v is None:
                data.pop(k, None)
            else:
                data[k] = v
        files.write(sidecar, yaml_dump(data))

    # ------------------------------------------------------------------ reads

    def list(self, status: str | None = None, source_type: str | None = None,
             citation: str | None = None) -> list[RegisteredDocument]:
        with self._read() as s:
            stmt = select(DocumentRow).order_by(DocumentRow.citation, DocumentRow.valid_from, DocumentRow.id)
            if source_type:
                stmt = stmt.where(DocumentRow.source_type == source_type)
            if citation:
                stmt = stmt.where(DocumentRow.citation == citation)
            docs = [self._model(r, s) for r in s.execute(stmt).scalars()]
        if status:
            docs = [d for d in docs if d.status == status]
        return docs

    def get(self, ref: int | str) -> RegisteredDocument:
        with self._read() as s:
            return self._model(self._row(s, ref), s)

    def versions(self, citation: str) -> list[RegisteredDocument]:
        """All registered versions with exactly this citation, oldest first."""
        return [d for d in self.list(citation=citation) if d.stored_status != "concept"]

    def version_on(self, citation: str, day: dt.date | str) -> RegisteredDocument | None:
        """The registered version of CITATION in force on DAY (a case's peildatum, or the
        regel_versie it recorded): how the UI shows the exact version an answer or case used."""
        day = parse_date(day, "datum")
        for v in self.versions(citation):
            if (v.valid_from or dt.date.min) <= day < (v.valid_to or dt.date.max):
                return v
        return None

    def path_of(self, doc: RegisteredDocument) -> Path:
        return self.corpus_dir / doc.path

    # ------------------------------------------------------------------ staging and planning

    def _stage(self, path: Path, overrides: Mapping[str, Any], dest_dir: str | None) -> Staged:
        path = Path(path)
        name = path.name
        if not path.is_file():
            raise RegistryError(f"{path}: bestand bestaat niet.")
        raw = path.read_bytes()
        sniff(raw, name)
        unknown = sorted(set(k for k, v in overrides.items() if v is not None) - set(META_OPTIONS))
        if unknown:
            raise RegistryError(f"Onbekend metadataveld: {', '.join(unknown)}.")
        sidecar: dict[str, Any] = {}
        src_sidecar = path.with_name(name + SIDECAR_SUFFIX)
        if src_sidecar.exists():
            try:
                loaded = load_yaml(src_sidecar.read_text(encoding="utf-8")) or {}
            except (yaml.YAMLError, ValueError, UnicodeDecodeError) as exc:
                raise RegistryError(f"{src_sidecar.name}: metadata is geen geldige YAML ({exc}).") from exc
            if not isinstance(loaded, dict):
                raise RegistryError(f"{src_sidecar.name}: metadata moet een lijst van velden zijn.")
            sidecar.update(loaded)
        for k, v in overrides.items():
            if v is not None:
                sidecar[k] = v.isoformat() if isinstance(v, dt.date) else v
        if "source_type" in sidecar:
            sidecar["source_type"] = str(sidecar["source_type"]).strip().lower()
        # Load exactly what will be stored, as the loader will read it.
        with tempfile.TemporaryDirectory(prefix="maatwerk-stage-") as tmp:
            staged = Path(tmp) / safe_name(name)
            staged.write_bytes(raw)
            if sidecar:
                staged.with_name(staged.name + SIDECAR_SUFFIX).write_bytes(yaml_dump(sidecar))
            try:
                doc = load_document(staged, Path(tmp), max_bytes=self.max_bytes)
                chunks = split_document(doc, self.max_chunk_chars)
            except LoadError as exc:
                raise RegistryError(f"{name}: {exc.reason}") from exc
        if not chunks:
            raise RegistryError(f"{name}: bevat geen tekst om te indexeren.")
        meta = doc.meta
        if not meta.get("valid_from"):
            raise RegistryError(
                f"{name}: de datum van inwerkingtreding (valid_from) ontbreekt. Zet hem in de front matter, "
                f"in {name}{SIDECAR_SUFFIX}, of geef hem op met {{valid_from}} (JJJJ-MM-DD).", fields=("valid_from",))
        has_citation = any(k in sidecar for k in ("citation", "title")) or doc.meta.get("citation") != Path(staged).stem
        if not has_citation:
            raise RegistryError(f"{name}: de citeertitel (citation) ontbreekt; zet hem in de front matter of geef hem op met {{citation}}.", fields=("citation",))
        stype = meta["source_type"]
        return Staged(
            src_name=name, raw=raw, sidecar=sidecar, meta=meta, body=body_text(doc),
            file_hash=hashlib.sha256(raw).hexdigest(),
            dest_dir=self._subfolder(dest_dir) if dest_dir is not None else TYPE_DIRS.get(stype, "overig"),
            valid_from=dt.date.fromisoformat(meta["valid_from"]),
            valid_to=dt.date.fromisoformat(meta["valid_to"]) if meta.get("valid_to") else None,
        )

    def _subfolder(self, folder: str) -> str:
        """A folder given by a user (--map, an import) as a path relative to the corpus folder;
        refused when it could lead outside it (.., an absolute path, a symlink out) or into a
        hidden folder that `maatwerk index` skips."""
        rel = check_subfolder(folder)
        self._inside(self.corpus_dir.joinpath(*rel.split("/")) if rel else self.corpus_dir, folder)
        return rel

    def _inside(self, path: Path, shown: Any = None) -> Path:
        """PATH, if it lies inside the corpus folder after resolving symlinks; else refused."""
        resolved = Path(path).resolve()
        if resolved != self.corpus_dir and not resolved.is_relative_to(self.corpus_dir):
            raise RegistryError(f"'{shown if shown is not None else path}' ligt buiten de corpusmap "
                                f"({self.corpus_dir}); daar schrijft de assistent niet. Er is niets opgeslagen.")
        return path

    def _dest_path(self, st: Staged, taken: set[str]) -> str:
        name = safe_name(st.src_name)
        base = f"{st.dest_dir}/{name}" if st.dest_dir else name
        candidates = [base]
        stem, dot, suffix = name.rpartition(".")
        if "@" not in stem:
            alt = f"{stem}@{st.valid_from.isoformat()}.{suffix}" if dot else f"{name}@{st.valid_from.isoformat()}"
            candidates.append(f"{st.dest_dir}/{alt}" if st.dest_dir else alt)
        for rel in candidates:
            if rel not in taken and not (self.corpus_dir / rel).exists():
                return rel
        raise RegistryError(f"{st.src_name}: in de corpusmap staat al een bestand {candidates[-1]}; "
                            "geef het bestand een andere naam.")

    def _stored_body(self, row: DocumentRow) -> str | None:
        try:
            return body_text(load_document(self.corpus_dir / row.path, self.corpus_dir))
        except (LoadError, OSError):
            return None

    # ------------------------------------------------------------------ writes: add / versions

    def add(self, path: Path | str, by: str, *, dest_dir: str | None = None, **meta: Any) -> AddResult:
        """Copy PATH into the corpus folder, register it and index it. Metadata from front
        matter < `<PATH>.meta.yaml` < keyword options (META_OPTIONS). A document with the citation
        of a registered one is a new version: the open version is closed at the new valid_from
        (registry and its sidecar), both stay searchable by peildatum."""
        return self.add_many([(Path(path), meta)], by, dest_dir=dest_dir)

    def add_many(self, items: Sequence[tuple[Path, Mapping[str, Any]]], by: str, *, dest_dir: str | None = None,
                 skip_unchanged: bool = False, audit_action: str = "corpus.document_added",
                 case_id: int | None = None, precedent_id: str | None = None) -> AddResult:
        """All or nothing: every item is validated before anything is written. With
        skip_unchanged (imports), an item whose text equals the open version of its citation is
        skipped instead of becoming a new version."""
        if not items:
            raise RegistryError("Er is niets om toe te voegen.")
        with self._read() as s:
            self._editor(s, by)  # refuse before reading anything
        staged = [self._stage(Path(p), dict(m), dest_dir) for p, m in items]
        result = AddResult()
        with self._change() as (s, files):
            user = self._editor(s, by)
            seen_hashes: dict[str, str] = {}
            taken: set[str] = set()
            pending: dict[str, list[tuple[dt.date, dt.date | None, str]]] = {}
            plan: list[tuple[Staged, DocumentRow | None]] = []
            for st in sorted(staged, key=lambda x: (x.meta["citation"], x.valid_from)):
                citation = st.meta["citation"]
                if st.file_hash in seen_hashes:
                    raise RegistryError(f"{st.src_name} en {seen_hashes[st.file_hash]} zijn hetzelfde bestand.")
                seen_hashes[st.file_hash] = st.src_name
                dup = s.execute(select(DocumentRow).where(DocumentRow.file_hash == st.file_hash)).scalar_one_or_none()
                rows = list(s.execute(select(DocumentRow).where(DocumentRow.citation == citation,
                                                                DocumentRow.status != "concept")).scalars())
                open_rows = [r for r in rows if r.valid_to is None]
                if skip_unchanged and open_rows and open_rows[0].valid_from and open_rows[0].valid_from <= st.valid_from \
                        and self._stored_body(open_rows[0]) == st.body:
                    result.unchanged.append(citation)
                    continue
                if dup is not None:
                    raise RegistryError(
                        f"{st.src_name} staat al in het corpus als document {dup.id} ({dup.citation}, "
                        f"{period(dup.valid_from, dup.valid_to)}, {dup.path}); er is niets gewijzigd.")
                to_close = self._check_overlap(st, citation, rows, pending.get(citation, []))
                # A version that starts where a closed one ended follows it (CVDR/BWB versions
                # arrive already closed): linked, nothing to close.
                st.predecessor = to_close or next((r for r in rows if r.valid_to == st.valid_from), None)
                pending.setdefault(citation, []).append((st.valid_from, st.valid_to, st.src_name))
                st.rel_path = self._dest_path(st, taken)
                taken.add(st.rel_path)
                plan.append((st, to_close))

            if not plan:
                return result  # everything unchanged: nothing to write, nothing to audit
            now = self._now()
            ours: list[str] = []
            added_rows: list[DocumentRow] = []
            closed_rows: list[DocumentRow] = []
            for st, to_close in plan:
                meta = st.meta
                stype = meta["source_type"]
                row = DocumentRow(
                    title=meta["title"], citation=meta["citation"], source_type=stype,
                    layer=str(meta.get("layer") or LAYER_OF.get(stype, "overig")), domain=meta["domain"],
                    bevoegd_gezag=str(meta.get("bevoegd_gezag") or self._gezag(meta)),
                    valid_from=st.valid_from, valid_to=st.valid_to, status="geldend",
                    source_url=meta.get("official_url") or None, file_hash=st.file_hash, path=st.rel_path,
                    supersedes_id=st.predecessor.id if st.predecessor is not None else None, case_id=case_id,
                    precedent_id=precedent_id or (str(meta["id"]) if stype == "besluit" and meta.get("id") else None),
                    added_by=user.username, added_at=now,
                )
                s.add(row)
                s.flush()
                self._audit(s, user.username, audit_action, {}, self._snapshot(row), case_id=case_id)
                target = self._inside(self.corpus_dir / st.rel_path)
                files.write(target, st.raw)
                if st.sidecar:
                    files.write(target.with_name(target.name + SIDECAR_SUFFIX), yaml_dump(st.sidecar))
                ours.append(st.rel_path)
                if to_close is not None:
                    before = self._snapshot(to_close)
                    to_close.valid_to = st.valid_from
                    if st.valid_from <= self.today():
                        to_close.status = "vervallen"
                    to_close.changed_by, to_close.changed_at = user.username, now
                    s.flush()
                    self._set_sidecar(files, to_close.path, valid_to=st.valid_from.isoformat())
                    self._audit(s, user.username, "corpus.version_closed",
                                {"document_id": to_close.id, "valid_to": before["valid_to"], "status": before["status"]},
                                {"document_id": to_close.id, "valid_to": iso(to_close.valid_to),
                                 "status": to_close.status, "opgevolgd_door": row.id})
                    ours.append(to_close.path)
                added_rows.append(row)
                if to_close is not None:
                    closed_rows.append(to_close)
            result.warnings = self._reindex(ours, result)
            result.added = [self._model(r, s) for r in added_rows]
            result.closed = [self._model(r, s) for r in closed_rows]
        return result

    @staticmethod
    def _gezag(meta: Mapping[str, Any]) -> str:
        if meta["source_type"] in RIJK_TYPES:
            return "Rijk"
        if meta["source_type"] == "uitspraak":
            return str(meta.get("instantie") or "rechter")
        org = meta.get("gemeente") or meta.get("organisatie")
        return f"gemeente {org}" if org else "gemeente"

    def _check_overlap(self, st: Staged, citation: str, rows: list[DocumentRow],
                       pending: list[tuple[dt.date, dt.date | None, str]]) -> DocumentRow | None:
        """The open version to close (None if none), or RegistryError when the new validity
        overlaps a registered version that cannot simply be closed at the new valid_from."""
        far = dt.date.max
        vf, vt = st.valid_from, st.valid_to or far
        for p_vf, p_vt, p_name in pending:
            if p_vf < vt and vf < (p_vt or far):
                raise RegistryError(
                    f"{st.src_name} en {p_name} hebben dezelfde citeertitel '{citation}' en overlappende "
                    f"geldigheid ({period(vf, st.valid_to)} en {period(p_vf, p_vt)}).")
        to_close = None
        for r in rows:
            r_vf = r.valid_from or dt.date.min
            if not (r_vf < vt and vf < (r.valid_to or far)):
                continue
            if r.valid_to is None and r_vf < vf and r.status != "achterhaald":
                to_close = r  # the open version: closed at the new valid_from
                continue
            raise RegistryError(
                f"De geldigheid van {st.src_name} ({period(vf, st.valid_to)}) overlapt met versie {r.id} van "
                f"'{citation}' ({period(r.valid_from, r.valid_to)}, {r.path}). Pas valid_from/valid_to aan, of "
                "trek die versie eerst in. Er is niets gewijzigd.")
        return to_close

    def retire(self, ref: int | str, by: str, per: dt.date | str | None = None, reden: str | None = None) -> RegisteredDocument:
        """Withdraw a document per a date (default today): valid_to = per in registry and sidecar;
        it stays in the index for peildata before that date."""
        day = parse_date(per, "per", field="per") or self.today()
        with self._change() as (s, files):
            user = self._editor(s, by)
            row = self._row(s, ref)
            if row.valid_from and day <= row.valid_from:
                raise RegistryError(f"De intrekkingsdatum {day} ligt niet na de ingangsdatum {row.valid_from} "
                                    f"van document {row.id}.")
            if row.valid_to and row.valid_to <= day:
                raise RegistryError(f"Document {row.id} geldt al niet meer sinds {row.valid_to}.")
            before = self._snapshot(row)
            row.valid_to, row.status = day, "vervallen"
            row.changed_by, row.changed_at = user.username, self._now()
            if reden:
                row.note = reden
            s.flush()
            self._set_sidecar(files, row.path, valid_to=day.isoformat())
            self._audit(s, user.username, "corpus.document_retired", before, {**self._snapshot(row), "reden": reden},
                        case_id=row.case_id)
            self._reindex([row.path])
            return self._model(row, s)

    def register_existing(self, by: str) -> tuple[list[RegisteredDocument], list[str]]:
        """Register the files already in the corpus folder that the registry does not know (the
        sample corpus, files copied in by hand). Files are not moved or changed; a file that does
        not load, or duplicates a registered one, is reported and skipped."""
        problems: list[str] = []
        with self._write() as s:
            user = self._editor(s, by)
            known_paths = set(s.execute(select(DocumentRow.path)).scalars())
            known_hashes = set(s.execute(select(DocumentRow.file_hash)).scalars())
            added = []
            now = self._now()
            for f in find_files(self.corpus_dir):
                rel = f.relative_to(self.corpus_dir).as_posix()
                if rel in known_paths:
                    continue
                raw = f.read_bytes()
                digest = hashlib.sha256(raw).hexdigest()
                if digest in known_hashes:
                    problems.append(f"{rel}: zelfde inhoud als een geregistreerd document; overgeslagen")
                    continue
                try:
                    meta = load_document(f, self.corpus_dir, max_bytes=self.max_bytes).meta
                except LoadError as exc:
                    problems.append(f"{rel}: {exc.reason}")
                    continue
                stype = meta["source_type"]
                row = DocumentRow(
                    title=meta["title"], citation=meta["citation"], source_type=stype,
                    layer=str(meta.get("layer") or LAYER_OF.get(stype, "overig")), domain=meta["domain"],
                    bevoegd_gezag=str(meta.get("bevoegd_gezag") or self._gezag(meta)),
                    valid_from=parse_date(meta.get("valid_from"), "valid_from"),
                    valid_to=parse_date(meta.get("valid_to"), "valid_to"),
                    status="achterhaald" if str(meta.get("status", "")).lower() == "achterhaald" else "geldend",
                    source_url=meta.get("official_url") or None, file_hash=digest, path=rel,
                    precedent_id=str(meta["id"]) if stype == "besluit" and meta.get("id") else None,
                    achterhaald_door=meta.get("achterhaald_door"), added_by=user.username, added_at=now)
                s.add(row)
                known_hashes.add(digest)
                added.append(row)
            s.flush()
            if added:
                self._audit(s, user.username, "corpus.registered_existing", {},
                            {"count": len(added), "documents": [[r.id, r.path, r.file_hash] for r in added]})
            return [self._model(r, s) for r in added], problems
