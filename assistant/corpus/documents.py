"""Documents: loading corpus files (Markdown, PDF, DOCX, HTML, text) into a Document of blocks,
with their front matter checked; splitting.py then cuts them into citable Chunk records.

This module is the only one that reads pypdf, python-docx and BeautifulSoup.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import struct
import zipfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterator

import yaml

from assistant.errors import MaatwerkError


SOURCE_TYPES = (
    "wet",
    "amvb",
    "ministeriele_regeling",
    "verordening",
    "beleidsregel",
    "richtsnoer",
    "werkinstructie",
    "besluit",
    "uitspraak",
    "overig",
)
DOMAINS = ("participatiewet", "wmo", "jeugd", "schuldhulp", "algemeen")
SUPPORTED_SUFFIXES = (".md", ".markdown", ".txt", ".pdf", ".docx", ".html", ".htm")
SIDECAR_SUFFIX = ".meta.yaml"
# Bump when the splitter's output changes, so an index built by an older splitter is rebuilt.
SPLITTER_VERSION = "3"
# Limits for ZIP containers (DOCX) checked before python-docx inflates anything: a hostile file
# small on disk can inflate to gigabytes of XML. A real besluit or verordening as DOCX holds a few
# dozen parts and a few MB of XML; images barely compress.
ZIP_MAX_ENTRIES = 1000
ZIP_MAX_UNCOMPRESSED = 100_000_000  # bytes, all parts together
ZIP_MAX_RATIO = 100  # uncompressed / compressed, for a part larger than ZIP_RATIO_FROM
ZIP_RATIO_FROM = 1_000_000

ARTICLE_HEADING = re.compile(
    r"^(?:Artikel|Art\.)\s+(?P<num>\d+(?:[.:]\d+)*[a-z]{0,2}(?:\.\d+)*)\.?(?:\s*[.:\-–]?\s*(?P<rest>.*))?$",
    re.I,
)


class LoadError(MaatwerkError):
    """A file that cannot be loaded; the message is Dutch and names the file and the reason."""

    def __init__(self, path: Path | str, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{path}: {reason}")


@dataclass(frozen=True)
class Chunk:
    """One citable passage: an article, a lid of a long article, or a section of guidance."""

    chunk_id: str
    doc_id: str
    source: str
    title: str
    citation: str
    source_type: str
    domain: str
    text: str
    heading: str = ""
    valid_from: str | None = None
    valid_to: str | None = None
    page: int | None = None
    official_url: str | None = None
    article: str | None = None
    lid: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def index_text(self) -> str:
        """What the embedder and the lexical index see: title, the divisions of the law above
        the article (front matter `structuur`) and heading give the passage its context (a lid
        on its own rarely names its subject, nor do most Participatiewet articles)."""
        parts = [self.title]
        if self.extra.get("structuur"):
            parts.append(str(self.extra["structuur"]))
        if self.heading and self.heading not in self.title:
            parts.append(self.heading)
        parts.append(self.text)
        return "\n".join(parts)

    def valid_on(self, day: dt.date) -> bool:
        if self.valid_from and dt.date.fromisoformat(self.valid_from) > day:
            return False
        if self.valid_to and dt.date.fromisoformat(self.valid_to) <= day:
            return False
        return True

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Document:
    """A loaded file: its metadata and its body as blocks (paragraphs and headings)."""

    path: Path
    source: str
    meta: dict[str, Any]
    blocks: list["Block"]
    file_hash: str


@dataclass
class Block:
    text: str
    level: int = 0  # 0 = paragraph, 1..6 = heading level
    page: int | None = None


# --------------------------------------------------------------------------------------------
# Loading


def find_files(root: Path) -> list[Path]:
    """Corpus files below root (or root itself), skipping sidecars, READMEs and hidden files."""
    if root.is_file():
        return [root]
    files = []
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root)
        if any(part.startswith(".") for part in rel.parts):
            continue
        if not p.is_file() or p.name.endswith(SIDECAR_SUFFIX):
            continue
        if p.name.lower() in ("readme.md", "readme.txt"):
            continue
        if p.suffix.lower() in SUPPORTED_SUFFIXES:
            files.append(p)
    return files


def file_fingerprint(path: Path) -> str:
    h = hashlib.sha256(path.read_bytes())
    sidecar = path.with_name(path.name + SIDECAR_SUFFIX)
    if sidecar.exists():
        h.update(sidecar.read_bytes())
    return h.hexdigest()


def load_document(path: Path, root: Path | None = None, max_bytes: int | None = None) -> Document:
    path = Path(path)
    root = root or path.parent
    source = path.name if root == path else path.relative_to(root).as_posix()
    try:
        size = path.stat().st_size
        raw = path.read_bytes()
    except OSError as exc:
        raise LoadError(source, f"bestand niet leesbaar ({exc.strerror or exc})") from exc
    if size == 0:
        raise LoadError(source, "bestand is leeg")
    if max_bytes is not None and size > max_bytes:
        raise LoadError(
            source,
            f"bestand is te groot ({size / 1e6:.1f} MB; maximaal {max_bytes / 1e6:.0f} MB, "
            "instelbaar met MAATWERK_MAX_UPLOAD_MB)",
        )
    suffix = path.suffix.lower()
    if suffix in (".md", ".markdown", ".txt"):
        text = _decode(raw, source)
        meta, body = split_front_matter(text, source) if suffix != ".txt" else ({}, text)
        blocks = markdown_blocks(body)
    elif suffix == ".pdf":
        meta, blocks = _load_pdf(raw, source)
    elif suffix == ".docx":
        meta, blocks = _load_docx(raw, source, max_bytes)
    elif suffix in (".html", ".htm"):
        meta, blocks = _load_html(_decode(raw, source), source)
    else:
        raise LoadError(source, f"bestandstype {suffix or '(geen)'} wordt niet ondersteund")
    sidecar = path.with_name(path.name + SIDECAR_SUFFIX)
    if sidecar.exists():
        meta = {**meta, **_read_yaml(sidecar, source)}
    if not any(b.text.strip() for b in blocks if b.level == 0):
        raise LoadError(source, "bevat geen tekst (leeg, of een scan zonder tekstlaag)")
    meta = normalise_meta(meta, source, path)
    return Document(path=path, source=source, meta=meta, blocks=blocks, file_hash=file_fingerprint(path))


def _decode(raw: bytes, source: str) -> str:
    for enc in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    raise LoadError(source, "tekst is niet in UTF-8 of Windows-1252 gecodeerd")


class _NoAliasLoader(yaml.SafeLoader):
    """SafeLoader that refuses anchors and aliases: front matter and sidecars never need them,
    and a few lines of nested aliases ("billion laughs") expand to gigabytes."""

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise YamlAliasRefused(f"YAML-ankers en -verwijzingen (& en *) zijn niet toegestaan "
                                   f"(regel {event.start_mark.line + 1})")
        return super().compose_node(parent, index)


class YamlAliasRefused(yaml.YAMLError):
    """An anchor or alias in corpus YAML: refused before anything is expanded."""


def load_yaml(text: str) -> Any:
    """YAML from a corpus file or sidecar: safe types only, no anchors or aliases. Raises
    yaml.YAMLError (also for a refused alias) and ValueError (an impossible date)."""
    return yaml.load(text, Loader=_NoAliasLoader)  # noqa: S506 - a SafeLoader subclass


def _read_yaml(path: Path, source: str) -> dict[str, Any]:
    try:
        data = load_yaml(path.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise LoadError(source, f"metadata in {path.name} is geen geldige YAML ({exc})") from exc
    except ValueError as exc:
        raise LoadError(source, f"metadata in {path.name} bevat een ongeldige datum ({exc}); gebruik JJJJ-MM-DD") from exc
    if not isinstance(data, dict):
        raise LoadError(source, f"metadata in {path.name} moet een lijst van velden zijn")
    return data


_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*(?:\n|\Z)", re.S)


def split_front_matter(text: str, source: str = "") -> tuple[dict[str, Any], str]:
    m = _FRONT_MATTER.match(text)
    if not m:
        return {}, text
    try:
        meta = load_yaml(m.group(1)) or {}
    except yaml.YAMLError as exc:
        raise LoadError(source, f"front matter is geen geldige YAML ({exc})") from exc
    except ValueError as exc:  # PyYAML parses 2025-13-45 as a date and fails
        raise LoadError(source, f"front matter bevat een ongeldige datum ({exc}); gebruik JJJJ-MM-DD") from exc
    if not isinstance(meta, dict):
        raise LoadError(source, "front matter moet een lijst van velden zijn")
    return meta, text[m.end():]


def front_matters(root: Path) -> Iterator[tuple[Path, dict[str, Any]]]:
    """(path, front matter) of every Markdown file below ROOT that has one; a file that cannot be
    read or whose front matter is not valid YAML is passed over (the index reports those)."""
    for path in find_files(Path(root)):
        if path.suffix.lower() not in (".md", ".markdown"):
            continue
        try:
            meta, _ = split_front_matter(path.read_text(encoding="utf-8"), str(path))
        except (OSError, UnicodeDecodeError, LoadError):
            continue
        if meta:
            yield path, meta


def _parse_date(value: Any, key: str, source: str) -> str | None:
    if value in (None, "") or str(value).strip().lower() in ("onbekend", "unknown"):
        return None  # an honestly unknown date is not an error: the passage is then undated
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    try:
        return dt.date.fromisoformat(str(value).strip()).isoformat()
    except ValueError as exc:
        raise LoadError(source, f"{key} '{value}' is geen datum in de vorm JJJJ-MM-DD") from exc


_DOMAIN_HINTS = [
    ("participatiewet", ("participatiewet", "bijstand", "ioaw", "ioaz", "bbz")),
    ("wmo", ("wmo", "maatschappelijke ondersteuning", "huishoudelijke")),
    ("jeugd", ("jeugd",)),
    ("schuldhulp", ("schuld", "wgs")),
]


def normalise_meta(meta: dict[str, Any], source: str, path: Path) -> dict[str, Any]:
    meta = dict(meta)
    stype = str(meta.get("source_type") or "overig").strip().lower()
    if stype not in SOURCE_TYPES:
        raise LoadError(
            source, f"onbekend source_type '{stype}' (toegestaan: {', '.join(SOURCE_TYPES)})"
        )
    meta["source_type"] = stype
    meta["valid_from"] = _parse_date(meta.get("valid_from") or meta.get("datum"), "valid_from", source)
    meta["valid_to"] = _parse_date(meta.get("valid_to"), "valid_to", source)
    if meta["valid_from"] and meta["valid_to"] and meta["valid_to"] <= meta["valid_from"]:
        raise LoadError(source, f"valid_to ({meta['valid_to']}) ligt niet na valid_from ({meta['valid_from']})")
    meta["title"] = str(meta.get("title") or path.stem).strip()
    meta["citation"] = str(meta.get("citation") or meta["title"]).strip()
    domain = str(meta.get("domain") or meta.get("domein") or "").strip().lower()
    if not domain:
        hay = f"{source} {meta['citation']} {meta['title']}".lower()
        domain = next((d for d, hints in _DOMAIN_HINTS if any(h in hay for h in hints)), "algemeen")
    meta["domain"] = domain
    return meta


def markdown_blocks(body: str, page: int | None = None) -> list[Block]:
    blocks: list[Block] = []
    for para in re.split(r"\n\s*\n", body):
        para = para.strip()
        if not para:
            continue
        lines = para.splitlines()
        # A heading line directly followed by text (no blank line) still opens a section.
        while lines and re.match(r"#{1,6}\s", lines[0]):
            hashes, _, text = lines[0].partition(" ")
            blocks.append(Block(text.strip(), level=len(hashes), page=page))
            lines = lines[1:]
        if lines:
            blocks.append(Block(" ".join(line.strip() for line in lines), page=page))
    return blocks


_PAGE_FOOTER = re.compile(r"^\s*(pagina\s*)?\d{1,4}(\s*(van|/)\s*\d{1,4})?\s*$", re.I)
_STRUCT_LINE = re.compile(
    r"^(?:(?:Artikel|Art\.)\s+\d|Hoofdstuk\s+\d|Paragraaf\s+\d|§\s*\d|\d{1,2}[a-z]?\.\s|[a-z]{1,2}\.\s|\d+°|\*\*\d)",
)


def _text_blocks(text: str, page: int | None, headings: frozenset[str] = frozenset()) -> list[Block]:
    """Blocks from extracted plain text (PDF): lines are re-joined into paragraphs, and a new
    paragraph starts at article headings, lid numbers and onderdelen. `headings` are the
    titles from the PDF's outline (bookmarks): lines equal to one of them are headings too."""
    blocks: list[Block] = []
    current: list[str] = []

    def flush() -> None:
        if current:
            blocks.append(Block(" ".join(current), page=page))
            current.clear()

    for line in text.splitlines():
        line = line.strip()
        if not line or _PAGE_FOOTER.match(line):
            flush()
            continue
        if (ARTICLE_HEADING.match(line) or re.match(r"^(Hoofdstuk|Paragraaf|§)\s*\d", line)
                or " ".join(line.split()).lower() in headings):
            flush()
            blocks.append(Block(line, level=2, page=page))
            continue
        if _STRUCT_LINE.match(line):
            flush()
        current.append(line)
    flush()
    return blocks


def _load_pdf(raw: bytes, source: str) -> tuple[dict[str, Any], list[Block]]:
    from pypdf import PdfReader
    from pypdf.errors import LimitReachedError, PdfReadError

    if not raw.lstrip().startswith(b"%PDF"):
        raise LoadError(source, "is geen PDF (de inhoud past niet bij de extensie .pdf)")
    try:
        reader = PdfReader(io.BytesIO(raw))
        if reader.is_encrypted:
            try:
                ok = reader.decrypt("")
            except Exception as exc:  # pypdf raises several types for unsupported crypto
                raise LoadError(source, "PDF is versleuteld en kan niet worden gelezen") from exc
            if not ok:
                raise LoadError(source, "PDF is versleuteld met een wachtwoord")
        headings = frozenset(_outline_titles(reader.outline))
        blocks: list[Block] = []
        for number, page in enumerate(reader.pages, start=1):
            blocks.extend(_text_blocks(page.extract_text() or "", number, headings))
        info = reader.metadata or {}
    except LoadError:
        raise
    except LimitReachedError as exc:  # pypdf's own cap on inflating a stream
        raise LoadError(source, "PDF bevat een stroom die te groot uitpakt; mogelijk een zip-bom, niet verwerkt") from exc
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise LoadError(source, f"PDF is beschadigd of onleesbaar ({exc})") from exc
    meta = {}
    if info and info.get("/Title"):
        meta["title"] = str(info.get("/Title"))
    return meta, blocks


def _outline_titles(outline) -> list[str]:
    titles: list[str] = []
    for item in outline or []:
        if isinstance(item, list):
            titles.extend(_outline_titles(item))
        elif getattr(item, "title", None):
            titles.append(" ".join(str(item.title).split()).lower())
    return titles


def _load_docx(raw: bytes, source: str, max_bytes: int | None = None) -> tuple[dict[str, Any], list[Block]]:
    if not zipfile.is_zipfile(io.BytesIO(raw)):
        raise LoadError(source, "is geen DOCX (de inhoud past niet bij de extensie .docx)")
    # Before python-docx inflates anything. Images barely compress: a larger upload limit
    # (MAATWERK_MAX_UPLOAD_MB) allows proportionally more; the ratio limit still stops XML bombs.
    check_zip(raw, source, max(ZIP_MAX_UNCOMPRESSED, 2 * max_bytes) if max_bytes else ZIP_MAX_UNCOMPRESSED)
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(io.BytesIO(raw))
    except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise LoadError(source, f"DOCX is beschadigd of onleesbaar ({exc})") from exc
    blocks: list[Block] = []
    for para in document.paragraphs:
        text = para.text.strip()
        if not text:
            continue
        style = (para.style.name if para.style is not None else "") or ""
        m = re.match(r"(?:Heading|Kop)\s*(\d)", style)
        if m or style == "Title":
            blocks.append(Block(text, level=int(m.group(1)) if m else 1))
        elif ARTICLE_HEADING.match(text) and len(text) < 120:
            blocks.append(Block(text, level=2))
        else:
            blocks.append(Block(text))
    for table in document.tables:
        for row in table.rows:
            cells = [c.text.strip() for c in row.cells if c.text.strip()]
            if cells:
                blocks.append(Block(" | ".join(dict.fromkeys(cells))))
    meta = {}
    if document.core_properties.title:
        meta["title"] = document.core_properties.title
    return meta, blocks


def check_zip(raw: bytes, source: str, max_uncompressed: int = ZIP_MAX_UNCOMPRESSED) -> None:
    """Refuse a ZIP container (DOCX) whose parts would inflate past the limits above, before
    anything is decompressed. The sizes checked are the ones the archive declares; zipfile never
    inflates a part beyond its declared size (the CRC check fails first), so a lying archive
    cannot get past these limits either."""
    eocd = raw.rfind(b"PK\x05\x06", max(0, len(raw) - 65_557))
    if eocd >= 0 and eocd + 22 <= len(raw):
        declared = struct.unpack_from("<H", raw, eocd + 10)[0]  # entries in the central directory
        if declared > ZIP_MAX_ENTRIES:  # 0xFFFF (ZIP64) included: counted before reading them all
            raise LoadError(source, f"DOCX bevat te veel onderdelen (meer dan {ZIP_MAX_ENTRIES}); "
                                    "mogelijk een zip-bom, niet verwerkt")
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, struct.error) as exc:
        raise LoadError(source, f"DOCX is beschadigd of onleesbaar ({exc})") from exc
    if len(infos) > ZIP_MAX_ENTRIES:
        raise LoadError(source, f"DOCX bevat te veel onderdelen ({len(infos)}; maximaal {ZIP_MAX_ENTRIES}); "
                                "mogelijk een zip-bom, niet verwerkt")
    total = sum(i.file_size for i in infos)
    if total > max_uncompressed:
        raise LoadError(source, f"DOCX pakt uit tot {total / 1e6:.0f} MB (maximaal {max_uncompressed / 1e6:.0f} MB); "
                                "mogelijk een zip-bom, niet verwerkt")
    for info in infos:
        if info.file_size > ZIP_RATIO_FROM and info.file_size > ZIP_MAX_RATIO * max(info.compress_size, 1):
            raise LoadError(source, f"DOCX-onderdeel {info.filename} is {info.file_size / max(info.compress_size, 1):.0f} "
                                    f"keer samengeperst (maximaal {ZIP_MAX_RATIO}); mogelijk een zip-bom, niet verwerkt")


def _load_html(text: str, source: str) -> tuple[dict[str, Any], list[Block]]:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(text, "html.parser")
    for tag in soup(["script", "style", "nav", "header", "footer"]):
        tag.decompose()
    meta = {}
    if soup.title and soup.title.string:
        meta["title"] = soup.title.string.strip()
    blocks: list[Block] = []
    for el in soup.find_all(["h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "td"]):
        if el.name in ("p", "li", "td") and el.find_parent(["li", "td"]) is not None:
            continue  # nested: its text is part of the parent's
        txt = " ".join(el.get_text(" ").split())
        if not txt:
            continue
        level = int(el.name[1]) if el.name.startswith("h") else 0
        blocks.append(Block(txt, level=level))
    return meta, blocks
