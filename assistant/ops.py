"""Operations: back up and restore everything an installation is (the database with cases,
users, registry and audit trail; the Chroma index; the corpus files), to move it to another
machine or recover it. One backup is a directory:

    manifest.json        what is in it, counts, a SHA-256 of every file, the audit head, and a
                         signature: HMAC-SHA256 with the audit key over the rest of the manifest
    database.sqlite      SQLite source: a consistent copy via the sqlite3 backup API
    database.json.gz     other databases (PostgreSQL): a logical dump of every table (SQLAlchemy)
    chroma/              embedded index: a copy of the Chroma directory (taken while nobody wrote)
    index.jsonl.gz       always: ids, embeddings, documents and metadatas of the collection
    corpus/              the corpus folder as it was (the registry's stored documents included)

The logical dump and the index export are dialect- and mode-neutral, so a backup of a laptop
(SQLite, embedded Chroma) restores into a server setup (PostgreSQL, Chroma server) and back.
The lexical index is not in the backup: it is derived from Chroma and rebuilt on first search.

Restore checks the signature (so the manifest is the one this installation's key signed) and
then every checksum before it touches anything: a database, index or corpus file changed inside
the backup is refused with a Dutch message and nothing is overwritten. The key itself is never in
a backup; restoring on another machine needs its audit.key (or MAATWERK_AUDIT_KEY). Backups are
written 0700/0600. Format 1 backups (unsigned, older versions) restore only when asked explicitly.

Why a logical dump rather than pg_dump: it needs no client binaries matching the server's
version, it restores into SQLite too, and the audit chain is verified against the head
recorded at backup time, so a restore that lost or changed a row cannot pass unnoticed.
This module uses sqlalchemy directly (reflection), an exception to "assistant.cases owns it": it
copies tables it does not need to understand.

Kept as one module (about 650 lines): backup and restore are mirror images over one manifest
format; split apart, a change to one would silently stop matching the other.
"""

from __future__ import annotations

import base64
import datetime as dt
import gzip
import hashlib
import json
import shutil
import sqlite3
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterator

from assistant.errors import MaatwerkError

BACKUP_FORMAT = 2
UNSIGNED_FORMAT = 1  # before signed backups: restored only with accept_unsigned
EXPORT_BATCH = 1000


class OpsError(MaatwerkError):
    """A backup or restore cannot go ahead; the message (Dutch) says why and what to do."""


@dataclass
class OpsReport:
    path: str
    database: str = ""
    tables: dict[str, int] = field(default_factory=dict)
    index: str = ""
    chunks: int = 0
    fingerprint: str = ""
    corpus_files: int = 0
    audit_events: int = 0
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _ids_digest(ids: list[str]) -> str:
    return hashlib.sha256("\n".join(sorted(ids)).encode()).hexdigest()


# --------------------------------------------------------------------------- value encoding


def _encode(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$d": value.isoformat()}
    if isinstance(value, (bytes, memoryview)):
        return {"$b": base64.b64encode(bytes(value)).decode()}
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict) and len(value) == 1:
        if "$dt" in value:
            return dt.datetime.fromisoformat(value["$dt"])
        if "$d" in value:
            return dt.date.fromisoformat(value["$d"])
        if "$b" in value:
            return base64.b64decode(value["$b"])
    return value


# --------------------------------------------------------------------------- the installation


class Installation:
    """One installation: where its database, index and corpus live. Build with from_settings."""

    def __init__(self, data_dir: Path, corpus_dir: Path, database_url: str, chroma_url: str | None = None,
                 collection: str = "maatwerk", audit_key=None):
        from assistant.integrity import KEY_FILE, AuditKey

        self.data_dir, self.corpus_dir = Path(data_dir), Path(corpus_dir)
        self.database_url, self.chroma_url, self.collection = database_url, chroma_url, collection
        self.audit_key = audit_key if audit_key is not None else AuditKey(self.data_dir / KEY_FILE)

    @classmethod
    def from_settings(cls, settings) -> "Installation":
        from assistant.integrity import AuditKey

        return cls(settings.data_dir, settings.corpus_dir, settings.sqlalchemy_url, settings.chroma_url,
                   settings.collection, audit_key=AuditKey.from_settings(settings))

    # ---- database ------------------------------------------------------------------------

    @property
    def _sqlite_path(self) -> Path | None:
        from sqlalchemy.engine import make_url

        url = make_url(self.database_url)
        if url.get_backend_name() != "sqlite":
            return None
        return Path(url.database or "")

    def _caselog(self, migrate: bool = True):
        from assistant.cases import CaseLog

        return CaseLog.from_url(self.database_url, migrate=migrate, audit_key=self.audit_key)

    def _dump_tables(self, engine) -> tuple[dict[str, Any], dict[str, int]]:
        from sqlalchemy import MetaData, select

        meta = MetaData()
        meta.reflect(engine)
        tables, counts = {}, {}
        # One snapshot for all tables (PostgreSQL: repeatable read), so rows agree with each other.
        opts = {"isolation_level": "REPEATABLE READ"} if engine.dialect.name == "postgresql" else {}
        with engine.connect().execution_options(**opts) as conn, conn.begin():
            for table in meta.sorted_tables:
                cols = [c.name for c in table.columns]
                pk = list(table.primary_key.columns) or list(table.columns)
                rows = [[_encode(v) for v in row] for row in conn.execute(select(table).order_by(*pk))]
                tables[table.name] = {"columns": cols, "rows": rows}
                counts[table.name] = len(rows)
        return tables, counts

    def _backup_database(self, target: Path, report: OpsReport) -> dict[str, Any]:
        from assistant.cases import CaseError

        try:
            # Migrated first: a log from an older version gets its keyed chain before it is copied.
            log = self._caselog(migrate=True)
        except CaseError as exc:
            raise OpsError(f"De database is niet bereikbaar: {exc}") from exc
        try:
            try:
                check = log.verify_audit()
            except CaseError as exc:
                raise OpsError(f"De audittrail kan niet worden gecontroleerd: {exc}") from exc
            if not check.ok:
                raise OpsError(f"De audittrail klopt niet ({check.reason}); maak eerst `maatwerk audit verify` "
                               "schoon voordat u een back-up maakt.")
            sqlite_path = self._sqlite_path
            if sqlite_path is not None:
                # The backup API copies a consistent snapshot, also while others write (WAL).
                src = sqlite3.connect(str(sqlite_path))
                dst = sqlite3.connect(str(target / "database.sqlite"))
                with dst:
                    src.backup(dst)
                src.close()
                dst.close()
                from sqlalchemy import create_engine

                probe = create_engine(f"sqlite:///{(target / 'database.sqlite').as_posix()}")
                _, counts = self._dump_tables(probe)
                probe.dispose()
                kind, file = "sqlite", "database.sqlite"
            else:
                tables, counts = self._dump_tables(log.engine)
                with gzip.open(target / "database.json.gz", "wt", encoding="utf-8") as f:
                    json.dump({"dialect": log.engine.dialect.name, "tables": tables}, f, ensure_ascii=False)
                kind, file = log.engine.dialect.name, "database.json.gz"
        finally:
            log.close()
        report.database, report.tables, report.audit_events = kind, counts, check.n
        revision = None
        if "alembic_version" in counts:
            revision = self._revision(target / file, kind)
        return {"kind": kind, "file": file, "sha256": _sha256(target / file), "tables": counts,
                "audit_events": check.n, "audit_head": check.head, "revision": revision}

    @staticmethod
    def _revision(file: Path, kind: str) -> str | None:
        if kind == "sqlite":
            con = sqlite3.connect(str(file))
            try:
                row = con.execute("SELECT version_num FROM alembic_version").fetchone()
            finally:
                con.close()
            return row[0] if row else None
        with gzip.open(file, "rt", encoding="utf-8") as f:
            rows = json.load(f)["tables"].get("alembic_version", {}).get("rows") or []
        return rows[0][0] if rows else None

    def _source_rows(self, backup: Path, db: dict[str, Any]) -> Iterator[tuple[str, list[str], list[list[Any]]]]:
        if db["kind"] == "sqlite":
            from sqlalchemy import create_engine

            engine = create_engine(f"sqlite:///{(backup / db['file']).as_posix()}")
            tables, _ = self._dump_tables(engine)
            engine.dispose()
        else:
            with gzip.open(backup / db["file"], "rt", encoding="utf-8") as f:
                tables = json.load(f)["tables"]
        for name, t in tables.items():
            yield name, t["columns"], t["rows"]

    def _database_is_empty(self) -> bool:
        from sqlalchemy import MetaData, func, select

        log = self._caselog(migrate=True)
        try:
            meta = MetaData()
            meta.reflect(log.engine)
            with log.engine.connect() as conn:
                for name in ("users", "cases", "audit_events"):
                    if name in meta.tables and conn.execute(select(func.count()).select_from(meta.tables[name])).scalar():
                        return False
            return True
        finally:
            log.close()

    def _restore_database(self, backup: Path, db: dict[str, Any], force: bool, report: OpsReport) -> None:
        from sqlalchemy import MetaData, delete, insert, select, text

        from assistant.cases import CaseError

        try:
            empty = self._database_is_empty()
        except CaseError as exc:
            raise OpsError(f"De doeldatabase is niet bereikbaar: {exc}") from exc
        if not empty and not force:
            raise OpsError("De doeldatabase bevat al gebruikers of casussen; herstel in een lege database, "
                           "of gebruik --force om haar inhoud te vervangen.")
        sqlite_path = self._sqlite_path
        if db["kind"] == "sqlite" and sqlite_path is not None:
            # Same dialect: copy the file back with the backup API (older schema: migrated below).
            sqlite_path.parent.mkdir(parents=True, exist_ok=True)
            src = sqlite3.connect(str(backup / db["file"]))
            dst = sqlite3.connect(str(sqlite_path))
            with dst:
                src.backup(dst)
            src.close()
            dst.close()
            log = self._caselog(migrate=True)
        else:
            log = self._caselog(migrate=True)
            engine = log.engine
            meta = MetaData()
            meta.reflect(engine)
            with engine.connect() as conn:
                head = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
            if db.get("revision") and db["revision"] != head:
                log.close()
                raise OpsError(f"De back-up heeft databaseschema {db['revision']}, deze versie {head}. Herstel "
                               "hem eerst in SQLite (dat wordt bijgewerkt) en maak daar een nieuwe back-up van.")
            rows_by_table = {name: (cols, rows) for name, cols, rows in self._source_rows(backup, db)}
            with engine.begin() as conn:
                for table in reversed(meta.sorted_tables):
                    if table.name != "alembic_version":
                        conn.execute(delete(table))
                for table in meta.sorted_tables:
                    if table.name == "alembic_version" or table.name not in rows_by_table:
                        continue
                    cols, rows = rows_by_table[table.name]
                    known = [c for c in cols if c in table.columns]
                    for start in range(0, len(rows), 500):
                        chunk = [{c: _decode(v) for c, v in zip(cols, row) if c in known}
                                 for row in rows[start:start + 500]]
                        if chunk:
                            conn.execute(insert(table), chunk)
                if engine.dialect.name == "postgresql":
                    # Identity sequences continue after the restored ids.
                    for table in meta.sorted_tables:
                        pk = list(table.primary_key.columns)
                        if len(pk) == 1 and pk[0].autoincrement in (True, "auto") and \
                                pk[0].type.python_type is int and table.name in rows_by_table:
                            seq = conn.execute(text("SELECT pg_get_serial_sequence(:t, :c)"),
                                               {"t": table.name, "c": pk[0].name}).scalar()
                            top = conn.execute(select(pk[0]).order_by(pk[0].desc()).limit(1)).scalar()
                            if seq and top:
                                conn.execute(text("SELECT setval(:s, :v)"), {"s": seq, "v": top})
        try:
            check = log.verify_audit()
            events = log.audit_events()[-1:] if check.ok and check.n == db["audit_events"] + 1 else []
        finally:
            log.close()
        # A backup from before the keyed chain is switched over on restore: one audit.keyed event
        # more, naming the backup's head as the end of the legacy part.
        switched = (check.ok and check.n == db["audit_events"] + 1 and events and events[0]["action"] == "audit.keyed"
                    and events[0]["after"].get("legacy_last_hash") == db["audit_head"])
        if not switched and (not check.ok or check.head != db["audit_head"] or check.n != db["audit_events"]):
            raise OpsError(f"Na het herstel klopt de audittrail niet met de back-up ({check.reason or 'andere kop'}); "
                           "de back-up is beschadigd of onvolledig.")
        report.database, report.tables, report.audit_events = db["kind"], dict(db["tables"]), check.n

    # ---- index ---------------------------------------------------------------------------

    def _client(self, chroma_dir: Path | None = None):
        from assistant.retrieval.store import make_chroma_client

        if chroma_dir is not None:
            return make_chroma_client(chroma_dir)
        return make_chroma_client(self.data_dir / "chroma", self.chroma_url)

    @staticmethod
    def _collection_state(client, name: str) -> tuple[dict[str, Any], int] | None:
        try:
            col = client.get_collection(name)
        except Exception as exc:  # noqa: BLE001 - chromadb raises NotFoundError / ValueError by version
            if "does not exist" in str(exc).lower() or "not found" in str(exc).lower():
                return None
            raise
        return dict(col.metadata or {}), col.count()

    @staticmethod
    def _export(client, name: str, file: Path) -> tuple[int, str]:
        col = client.get_collection(name)
        ids: list[str] = []
        with gzip.open(file, "wt", encoding="utf-8") as f:
            f.write(json.dumps({"collection": name, "metadata": col.metadata or {}}) + "\n")
            offset = 0
            while True:
                got = col.get(include=["embeddings", "documents", "metadatas"], limit=EXPORT_BATCH, offset=offset)
                if not got["ids"]:
                    break
                for i, e, d, m in zip(got["ids"], got["embeddings"], got["documents"], got["metadatas"]):
                    f.write(json.dumps({"id": i, "embedding": [float(x) for x in e], "document": d, "metadata": m},
                                       ensure_ascii=False) + "\n")
                    ids.append(i)
                offset += len(got["ids"])
        return len(ids), _ids_digest(ids)

    @staticmethod
    def _import(client, name: str, file: Path) -> tuple[int, str]:
        ids: list[str] = []
        with gzip.open(file, "rt", encoding="utf-8") as f:
            header = json.loads(f.readline())
            meta = dict(header["metadata"])
            space = meta.get("hnsw:space", "cosine")
            col = client.get_or_create_collection(name, metadata={"hnsw:space": space}, embedding_function=None)
            batch: list[dict] = []

            def flush() -> None:
                if batch:
                    col.upsert(ids=[r["id"] for r in batch], embeddings=[r["embedding"] for r in batch],
                               documents=[r["document"] for r in batch], metadatas=[r["metadata"] for r in batch])
                    batch.clear()

            for line in f:
                record = json.loads(line)
                batch.append(record)
                ids.append(record["id"])
                if len(batch) >= EXPORT_BATCH:
                    flush()
            flush()
            # The stamp last: the fingerprint says "complete" only once every record is in.
            col.modify(metadata={k: v for k, v in meta.items() if not k.startswith("hnsw:")})
        return len(ids), _ids_digest(ids)

    def _backup_index(self, target: Path, report: OpsReport) -> dict[str, Any]:
        from assistant.retrieval.store import IndexError_

        try:
            client = self._client()
            for _attempt in range(3):
                before = self._collection_state(client, self.collection)
                if before is None:
                    report.index = "geen"
                    return {"kind": "none"}
                if self.chroma_url is None:
                    shutil.rmtree(target / "chroma", ignore_errors=True)
                    self._copy_chroma_dir(self.data_dir / "chroma", target / "chroma")
                n, digest = self._export(client, self.collection, target / "index.jsonl.gz")
                after = self._collection_state(client, self.collection)
                if after == before and n == before[1]:
                    break
                time.sleep(1.0)  # someone was indexing meanwhile: take it again
            else:
                raise OpsError("Tijdens de back-up werd er steeds geïndexeerd; probeer het opnieuw als het "
                               "indexeren klaar is (of stop `maatwerk serve` even).")
        except IndexError_ as exc:
            raise OpsError(str(exc)) from exc
        meta = before[0]
        report.index = "ingebed" if self.chroma_url is None else "server"
        report.chunks, report.fingerprint = n, meta.get("fingerprint", "")
        files = {"index.jsonl.gz": _sha256(target / "index.jsonl.gz")}
        if self.chroma_url is None:
            files.update({p.relative_to(target).as_posix(): _sha256(p)
                          for p in sorted((target / "chroma").rglob("*")) if p.is_file()})
        return {"kind": "embedded" if self.chroma_url is None else "server", "collection": self.collection,
                "chunks": n, "ids_sha256": digest, "fingerprint": meta.get("fingerprint", ""),
                "embedder": meta.get("embedder", ""), "dir": "chroma" if self.chroma_url is None else None,
                "export": "index.jsonl.gz", "files": files}

    @staticmethod
    def _copy_chroma_dir(src: Path, dst: Path) -> None:
        """Its SQLite file through the backup API (consistent even mid-write), the rest as files."""
        def ignore(directory: str, names: list[str]) -> list[str]:
            return [n for n in names if Path(directory) == src and n.startswith("chroma.sqlite3")]

        shutil.copytree(src, dst, ignore=ignore)
        db = src / "chroma.sqlite3"
        if db.exists():
            s, d = sqlite3.connect(str(db)), sqlite3.connect(str(dst / "chroma.sqlite3"))
            with d:
                s.backup(d)
            s.close()
            d.close()

    def _verify_index(self, client, idx: dict[str, Any]) -> bool:
        state = self._collection_state(client, self.collection)
        if state is None or state[1] != idx["chunks"] or state[0].get("fingerprint", "") != idx["fingerprint"]:
            return False
        col = client.get_collection(self.collection)
        return _ids_digest(col.get(include=[])["ids"]) == idx["ids_sha256"]

    def _restore_index(self, backup: Path, idx: dict[str, Any], force: bool, report: OpsReport) -> None:
        from assistant.retrieval.store import IndexError_

        shutil.rmtree(self.data_dir / "lexical", ignore_errors=True)  # derived; rebuilt on first search
        if idx["kind"] == "none":
            report.index = "geen"
            return
        try:
            if self.chroma_url is None and idx.get("dir") and not (self.data_dir / "chroma").exists():
                from assistant.integrity import private_dir

                private_dir(self.data_dir)
                shutil.copytree(backup / idx["dir"], self.data_dir / "chroma")
                client = self._client()
                if self._verify_index(client, idx):
                    report.index, report.chunks, report.fingerprint = "ingebed (kopie)", idx["chunks"], idx["fingerprint"]
                    return
                client.delete_collection(self.collection)  # the copy was not complete: load the export
            client = self._client()
            state = self._collection_state(client, self.collection)
            if state is not None and state[1] and not force:
                raise OpsError(f"De index (collectie '{self.collection}') bevat al {state[1]} passages; herstel in "
                               "een lege index, of gebruik --force om hem te vervangen.")
            if state is not None:
                client.delete_collection(self.collection)
            self._import(client, self.collection, backup / idx["export"])
            if not self._verify_index(client, idx):
                raise OpsError("De herstelde index wijkt af van de back-up (aantal of vingerafdruk); "
                               "de back-up is beschadigd of onvolledig.")
        except IndexError_ as exc:
            raise OpsError(str(exc)) from exc
        report.index = "ingebed" if self.chroma_url is None else "server"
        report.chunks, report.fingerprint = idx["chunks"], idx["fingerprint"]

    # ---- corpus --------------------------------------------------------------------------

    def _backup_corpus(self, target: Path, report: OpsReport) -> dict[str, Any]:
        if not self.corpus_dir.exists():
            return {"root": str(self.corpus_dir.resolve()), "files": {}}
        shutil.copytree(self.corpus_dir, target / "corpus", symlinks=False)
        files = {p.relative_to(target / "corpus").as_posix(): _sha256(p)
                 for p in sorted((target / "corpus").rglob("*")) if p.is_file()}
        report.corpus_files = len(files)
        return {"root": str(self.corpus_dir.resolve()), "files": files}

    def _restore_corpus(self, backup: Path, corpus: dict[str, Any], force: bool, report: OpsReport) -> None:
        src = backup / "corpus"
        for rel, digest in corpus["files"].items():
            if _sha256(src / rel) != digest:
                raise OpsError(f"Corpusbestand {rel} in de back-up is beschadigd (controlesom klopt niet).")
        if self.corpus_dir.exists() and any(self.corpus_dir.iterdir()):
            if not force:
                raise OpsError(f"De corpusmap {self.corpus_dir} is niet leeg; herstel in een lege map, of gebruik "
                               "--force om haar te vervangen.")
            shutil.rmtree(self.corpus_dir)
        if src.exists():
            shutil.copytree(src, self.corpus_dir, dirs_exist_ok=True)
        report.corpus_files = len(corpus["files"])

    def _follow_corpus(self, corpus: dict[str, Any], report: OpsReport) -> None:
        """A backup restored elsewhere: the index learns where its corpus now lies, so the next
        `maatwerk index` finds every file unchanged instead of indexing it a second time."""
        from assistant.retrieval.store import relocate_root

        here = str(self.corpus_dir.resolve())
        if not corpus["files"] or corpus["root"] == here or report.index == "geen":
            return
        client = self._client()
        moved = relocate_root(client.get_collection(self.collection), corpus["root"], here)
        if moved:
            report.warnings.append(f"De corpusmap stond bij de back-up op {corpus['root']} en nu op {here}; "
                                   f"de index is bijgewerkt ({moved} passages), er hoeft niets opnieuw geïndexeerd.")

    # ---- signature and checksums ---------------------------------------------------------

    def _key_id(self, purpose: str) -> str:
        from assistant.integrity import KeyProblem

        try:
            return self.audit_key.key_id
        except KeyProblem as exc:
            raise OpsError(f"{purpose}: {exc}") from exc

    @staticmethod
    def _signed_part(manifest: dict[str, Any]) -> bytes:
        from assistant.cases import canonical_json

        return canonical_json({k: v for k, v in manifest.items() if k != "signature"}).encode("utf-8")

    def _sign(self, manifest: dict[str, Any]) -> None:
        key_id = self._key_id("De back-up kan niet worden ondertekend")
        manifest["signature"] = {"alg": "hmac-sha256", "key_id": key_id,
                                 "mac": self.audit_key.mac(self._signed_part(manifest))}

    def _check_backup(self, path: Path, manifest: dict[str, Any], accept_unsigned: bool, report: OpsReport) -> None:
        """Signature first, then every checksum, before anything is restored or overwritten."""
        fmt = manifest.get("format")
        if fmt == UNSIGNED_FORMAT:
            if not accept_unsigned:
                raise OpsError("Deze back-up is niet ondertekend (gemaakt met een oudere versie); er is niets hersteld. "
                               "Herstel hem alleen als u zeker weet dat niemand hem heeft kunnen wijzigen, met "
                               "--ongetekend.")
            report.warnings.append("De back-up was niet ondertekend (oudere versie); alleen de controlesommen en de "
                                   "audittrail in de back-up zijn gecontroleerd.")
        elif fmt == BACKUP_FORMAT:
            signature = manifest.get("signature") or {}
            expected = signature.get("key_id")
            key_id = self._key_id(f"De handtekening van de back-up (sleutel-id {expected}) kan niet worden gecontroleerd")
            if expected != key_id:
                raise OpsError(f"De back-up is ondertekend met een andere auditsleutel (sleutel-id {expected}, deze "
                               f"installatie {key_id}). Zet de audit.key van de installatie die hem maakte in de datamap "
                               "of stel MAATWERK_AUDIT_KEY in; er is niets hersteld.")
            if signature.get("alg") != "hmac-sha256" or not self.audit_key.matches(self._signed_part(manifest),
                                                                                      signature.get("mac")):
                raise OpsError("De handtekening van de back-up klopt niet: manifest.json is na het maken gewijzigd. "
                               "De back-up is gemanipuleerd of beschadigd; er is niets hersteld of overschreven.")
        else:
            raise OpsError(f"Onbekend back-upformaat {fmt}; gebruik de versie die hem maakte.")
        files: dict[str, str] = {}
        db = manifest["database"]
        if db.get("sha256"):
            files[db["file"]] = db["sha256"]
        elif fmt == BACKUP_FORMAT:
            raise OpsError("De back-up noemt geen controlesom voor de database; er is niets hersteld.")
        files.update(manifest["index"].get("files") or {})
        files.update({f"corpus/{rel}": digest for rel, digest in manifest["corpus"]["files"].items()})
        if fmt == BACKUP_FORMAT:
            extra = sorted(p.relative_to(path).as_posix() for p in path.rglob("*")
                           if p.is_file() and p.name != "manifest.json" and p.relative_to(path).as_posix() not in files)
            if extra:
                raise OpsError(f"De back-up bevat bestanden die niet in het ondertekende manifest staan ({extra[0]}"
                               f"{' en meer' if len(extra) > 1 else ''}); er is niets hersteld of overschreven.")
        for rel, digest in files.items():
            file = path / rel
            if not file.is_file() or _sha256(file) != digest:
                what = ("De database" if rel == db["file"] else "Corpusbestand " + rel[len("corpus/"):]
                        if rel.startswith("corpus/") else "Indexbestand " + rel)
                raise OpsError(f"{what} in de back-up is beschadigd of gewijzigd (controlesom klopt niet); "
                               "er is niets hersteld of overschreven.")

    # ---- the two commands ----------------------------------------------------------------

    def backup(self, path: Path) -> OpsReport:
        started = time.perf_counter()
        path = Path(path)
        if path.exists() and any(path.iterdir()):
            raise OpsError(f"{path} bestaat al en is niet leeg; kies een nieuwe map voor de back-up.")
        from assistant.integrity import make_tree_private, private_dir

        tmp = path.with_name(path.name + ".onvolledig")
        shutil.rmtree(tmp, ignore_errors=True)
        private_dir(tmp.parent)
        tmp.mkdir(mode=0o700)
        report = OpsReport(path=str(path))
        self._key_id("De back-up kan niet worden ondertekend")  # before the work, not after
        try:
            manifest = {
                "format": BACKUP_FORMAT,
                "created_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                "database": self._backup_database(tmp, report),
                "index": self._backup_index(tmp, report),
                "corpus": self._backup_corpus(tmp, report),
            }
            self._sign(manifest)
            (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8")
            make_tree_private(tmp)  # database, index and corpus copies: 0600 files in 0700 directories
            if path.exists():
                path.rmdir()
            tmp.rename(path)  # a backup directory is complete or absent
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        report.seconds = round(time.perf_counter() - started, 2)
        return report

    def restore(self, path: Path, force: bool = False, accept_unsigned: bool = False) -> OpsReport:
        started = time.perf_counter()
        path = Path(path)
        manifest_path = path / "manifest.json"
        if not manifest_path.exists():
            raise OpsError(f"{path} is geen back-up van de Maatwerkassistent (manifest.json ontbreekt).")
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
            if not isinstance(manifest, dict):
                raise ValueError("geen object")
        except (ValueError, UnicodeDecodeError) as exc:
            raise OpsError(f"manifest.json in {path} is geen geldige back-upbeschrijving; er is niets hersteld.") from exc
        report = OpsReport(path=str(path))
        try:
            self._check_backup(path, manifest, accept_unsigned, report)
        except (KeyError, TypeError, AttributeError) as exc:
            raise OpsError(f"manifest.json in {path} is onvolledig ({exc}); er is niets hersteld.") from exc
        # Corpus first (cheap checks on checksums), then the index, then the database last: a
        # failed restore leaves no database that points at an index or files that are not there.
        self._restore_corpus(path, manifest["corpus"], force, report)
        self._restore_index(path, manifest["index"], force, report)
        self._follow_corpus(manifest["corpus"], report)
        self._restore_database(path, manifest["database"], force, report)
        report.seconds = round(time.perf_counter() - started, 2)
        return report
