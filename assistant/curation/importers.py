"""Official sources: a national regulation from its BWB toestand XML (wetten.overheid.nl) and a
local regulation from its CVDR XML (lokaleregelgeving.overheid.nl), split into articles with
their citations and validity, written as Markdown + front matter that the loader reads, and
registered through the Registry (all or nothing).

Fetching is a seam: `Fetcher` has a file implementation (tests, offline machines: put the XML
in a folder) and an HTTP one over urllib that only runs when a user asks for it. XML is parsed
with defusedxml when installed; without it, documents with a DTD or entities are refused.

Dates. BWB: `inwerkingtreding` (first day) and `einddatum` (last day, inclusive; 9999-12-31 or
absent = open) on <toestand>, overridable per <artikel> (also `<inwerkingtreding.datum
isodatum>` in its meta-data). CVDR: `inwerkingtredingDatum` and `uitwerkingtredingDatum` (last
day, inclusive) in <meta>. The corpus uses an exclusive valid_to, so valid_to = last day + 1.
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Protocol

import yaml

from assistant.curation.model import TYPE_DIRS, AddResult, RegistryError
from assistant.curation.registry import Registry

OPEN_END = dt.date(9999, 12, 31)
BWB_REPOSITORY = "https://repository.officiele-overheidspublicaties.nl/bwb"
CVDR_REPOSITORY = "https://repository.officiele-overheidspublicaties.nl/CVDR"
BWB_SOORT = {"wet": "wet", "amvb": "amvb", "ministeriele-regeling": "ministeriele_regeling",
             "ministeriele regeling": "ministeriele_regeling", "rijkswet": "wet", "koninklijk-besluit": "amvb"}
_BWB_ID = re.compile(r"^BWBR\d{7}$")
_CVDR_ID = re.compile(r"^(CVDR\d+)_(\d+)$")


class ImportFormatError(RegistryError):
    """The XML does not follow the BWB/CVDR format, or cannot be fetched; nothing was imported."""


# --------------------------------------------------------------------------- model


@dataclass
class Article:
    nr: str
    titel: str | None
    leden: list[tuple[str | None, list[str]]]  # (lidnr, paragraphs); lidnr None = no leden
    valid_from: dt.date
    valid_to: dt.date | None
    # The headings above the article ("Hoofdstuk 6 Terugvordering en verhaal › Paragraaf 6.4
    # Terugvordering"): most Participatiewet articles have no title of their own.
    structuur: str | None = None


@dataclass
class Regulation:
    kind: str  # "bwb" | "cvdr"
    identifier: str  # BWBR0015703 | CVDR641811_1
    title: str  # the citeertitel
    source_type: str
    valid_from: dt.date
    valid_to: dt.date | None
    official_url: str
    bevoegd_gezag: str
    articles: list[Article] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


# --------------------------------------------------------------------------- XML helpers


def _parse_xml(data: bytes, source: str):
    try:
        from defusedxml import ElementTree as SafeET  # type: ignore[import-not-found]
        from defusedxml.common import DefusedXmlException  # type: ignore[import-not-found]
    except ImportError:  # pragma: no cover - defusedxml is installed in the dev environment
        SafeET, DefusedXmlException = None, ()
        head = data[:4096].lower()
        if b"<!doctype" in head or b"<!entity" in head:
            raise ImportFormatError(f"{source}: XML met een DTD of entiteiten wordt niet ingelezen "
                                    "(installeer defusedxml om zulke bestanden veilig te lezen).")
    import xml.etree.ElementTree as ET

    try:
        if SafeET is not None:
            return SafeET.fromstring(data)
        return ET.fromstring(data)
    except ET.ParseError as exc:
        raise ImportFormatError(f"{source}: is geen geldige XML ({exc}).") from exc
    except DefusedXmlException as exc:  # type: ignore[misc]
        raise ImportFormatError(f"{source}: XML bevat een DTD of entiteiten en wordt om veiligheidsredenen "
                                f"niet ingelezen ({type(exc).__name__}).") from exc


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _find(el, name: str):
    return next((e for e in el.iter() if _local(e.tag) == name), None)


def _children(el, name: str) -> list:
    return [c for c in el if _local(c.tag) == name]


def _child(el, name: str):
    return next(iter(_children(el, name)), None)


_SKIP = {"meta-data", "redactie", "noot", "kop", "lidnr", "li.nr", "opmerkingen-inhoud"}


def _text(el) -> str:
    """Flattened text of an element without its meta-data, with whitespace normalised."""
    parts: list[str] = []

    def walk(e) -> None:
        if _local(e.tag) in _SKIP:
            if e.tail:
                parts.append(e.tail)
            return
        if e.text:
            parts.append(e.text)
        for c in e:
            walk(c)
        if e.tail:
            parts.append(e.tail)

    if el.text:
        parts.append(el.text)
    for c in el:
        walk(c)
    return " ".join("".join(parts).split())


def _paragraphs(el) -> list[str]:
    """<al> becomes a paragraph; a list item becomes 'a. text' (sub-lists follow it)."""
    out: list[str] = []
    for c in el:
        name = _local(c.tag)
        if name == "al":
            text = _text(c)
            if text:
                out.append(text)
        elif name in ("lijst", "table", "tgroup", "tbody"):
            out += _paragraphs(c)
        elif name == "li":
            nr = _text(_child(c, "li.nr")) if _child(c, "li.nr") is not None else ""
            inner = _paragraphs(c)
            if inner:
                out.append(f"{nr} {inner[0]}".strip())
                out += inner[1:]
        elif name == "row":
            cells = [_text(x) for x in c if _text(x)]
            if cells:
                out.append(" | ".join(cells))
    return out


def _iso(value: str | None, what: str, source: str) -> dt.date | None:
    if not value or not value.strip():
        return None
    try:
        return dt.date.fromisoformat(value.strip()[:10])
    except ValueError:
        raise ImportFormatError(f"{source}: {what} '{value}' is geen datum (JJJJ-MM-DD).") from None


def _end(last_day: dt.date | None) -> dt.date | None:
    """Inclusive last day (BWB/CVDR) -> exclusive valid_to (corpus)."""
    if last_day is None or last_day >= OPEN_END:
        return None
    return last_day + dt.timedelta(days=1)


def _kop(article) -> tuple[str | None, str | None]:
    kop = _child(article, "kop")
    nr = titel = None
    if kop is not None:
        nr_el, titel_el = _child(kop, "nr"), _child(kop, "titel")
        nr = _text(nr_el) if nr_el is not None else None
        titel = _text(titel_el) if titel_el is not None else None
    if not nr:
        m = re.match(r"^\s*(?:Artikel|Art\.)\s+(\S+)", article.get("label") or "", re.I)
        nr = m.group(1) if m else None
    return (nr.rstrip(".") if nr else None), (titel or None)


def _article_body(article) -> list[tuple[str | None, list[str]]]:
    leden = _children(article, "lid")
    if leden:
        out = []
        for lid in leden:
            nr_el = _child(lid, "lidnr")
            nr = _text(nr_el).rstrip(".") if nr_el is not None else None
            out.append((nr or None, _paragraphs(lid)))
        return out
    return [(None, _paragraphs(article))]


def _current_articles(root, title: str, source: str):
    """(element, nr, titel, leden, structuur) of every article below root that has not lapsed,
    in order; an article without a number breaks the format. Shared by the BWB and CVDR
    importers."""
    parents = {child: parent for parent in root.iter() for child in parent}
    for art in (e for e in root.iter() if _local(e.tag) == "artikel"):
        nr, titel = _kop(art)
        if not nr:
            raise ImportFormatError(f"{source}: een <artikel> zonder nummer (<kop><nr>) in {title}.")
        body = _article_body(art)
        if not _vervallen(art, body):
            yield art, nr, titel, body, _structure(art, parents)


def _structure(article, parents) -> str | None:
    """The kop of every division above the article (boek, hoofdstuk, titel, afdeling,
    paragraaf, ...), outermost first."""
    heads = []
    node = parents.get(article)
    while node is not None:
        kop = _child(node, "kop")
        if kop is not None:
            parts = [_text(_child(kop, tag)) for tag in ("label", "nr", "titel") if _child(kop, tag) is not None]
            head = " ".join(p.rstrip(".") if i < len(parts) - 1 else p for i, p in enumerate(parts) if p)
            if head:
                heads.append(head)
        node = parents.get(node)
    return " › ".join(reversed(heads)) or None


def _vervallen(article, body) -> bool:
    if (article.get("status") or "").lower() == "vervallen":
        return True
    text = " ".join(p for _, ps in body for p in ps).strip().lower().rstrip(".")
    return text in ("vervallen", "[vervallen]", "")


# --------------------------------------------------------------------------- BWB


def parse_bwb(data: bytes, source: str = "BWB-XML") -> Regulation:
    root = _parse_xml(data, source)
    if _local(root.tag) != "toestand":
        raise ImportFormatError(f"{source}: is geen BWB-toestand (wortelelement <{_local(root.tag)}>, verwacht <toestand>).")
    bwb_id = (root.get("bwb-id") or "").strip()
    if not _BWB_ID.match(bwb_id):
        raise ImportFormatError(f"{source}: het attribuut bwb-id ontbreekt of is ongeldig ('{bwb_id}', verwacht BWBR + 7 cijfers).")
    wetgeving = _find(root, "wetgeving")
    wettekst = _find(root, "wettekst")
    if wetgeving is None or wettekst is None:
        raise ImportFormatError(f"{source}: <wetgeving> met <wettekst> ontbreekt; dit is geen BWB-toestand.")
    cite_el = _find(wetgeving, "citeertitel")
    title = _text(cite_el) if cite_el is not None else ""
    if not title:
        raise ImportFormatError(f"{source}: de citeertitel (<citeertitel>) ontbreekt.")
    start = _iso(root.get("inwerkingtreding"), "inwerkingtreding", source)
    end = _end(_iso(root.get("einddatum"), "einddatum", source))
    soort = (wetgeving.get("soort") or "wet").strip().lower()
    reg = Regulation("bwb", bwb_id, title, BWB_SOORT.get(soort, "wet"), start or dt.date.min, end,
                     f"https://wetten.overheid.nl/{bwb_id}", "Rijk", extra={"bwb_id": bwb_id})
    for art, nr, titel, body, structuur in _current_articles(wettekst, title, source):
        meta_date = _find(art, "inwerkingtreding.datum")
        a_start = (_iso(art.get("inwerkingtreding"), f"inwerkingtreding van artikel {nr}", source)
                   or (_iso(meta_date.get("isodatum"), f"inwerkingtreding van artikel {nr}", source)
                       if meta_date is not None else None))
        # A toestand is a consolidated text valid from the toestand date; an article's own
        # (earlier) inwerkingtreding does not make this text older than the toestand.
        a_from = max(d for d in (start, a_start) if d) if (start or a_start) else None
        if a_from is None:
            raise ImportFormatError(f"{source}: de datum van inwerkingtreding ontbreekt (attribuut inwerkingtreding "
                                    f"op <toestand> of op artikel {nr}).")
        a_end = _end(_iso(art.get("einddatum"), f"einddatum van artikel {nr}", source)) or end
        if a_end and a_end <= a_from:
            raise ImportFormatError(f"{source}: artikel {nr} eindigt ({a_end}) niet na zijn inwerkingtreding ({a_from}).")
        reg.articles.append(Article(nr, titel, body, a_from, a_end, structuur))
    if not reg.articles:
        raise ImportFormatError(f"{source}: bevat geen (geldende) artikelen.")
    if start is None:
        reg.valid_from = min(a.valid_from for a in reg.articles)
    return reg


def bwb_files(reg: Regulation) -> list[tuple[str, str]]:
    """(file name, Markdown) per article, in the corpus-nl format: one article per file."""
    out = []
    for a in reg.articles:
        anchor = a.nr.replace(" ", "")
        meta = {
            "title": f"{reg.title}, artikel {a.nr}" + (f" ({a.titel})" if a.titel else ""),
            "citation": f"artikel {a.nr} {reg.title}",
            "source_type": reg.source_type,
            "bwb_id": reg.identifier,
            "valid_from": a.valid_from.isoformat(),
            "valid_to": a.valid_to.isoformat() if a.valid_to else None,
            "official_url": f"https://wetten.overheid.nl/{reg.identifier}/{a.valid_from.isoformat()}#Artikel{anchor}",
            "structuur": a.structuur,
            "bevoegd_gezag": reg.bevoegd_gezag,
            "bron": f"BWB-toestand {reg.identifier} (geldig vanaf {reg.valid_from.isoformat()})",
        }
        body = [f"# {meta['title']}", ""]
        for lidnr, paras in a.leden:
            if not paras:
                continue
            first = f"**{lidnr}** {paras[0]}" if lidnr else paras[0]
            body += [first, ""] + [p + "\n" for p in paras[1:]]
        name = "art-" + re.sub(r"[^0-9A-Za-z]+", "-", a.nr).strip("-").lower() + ".md"
        out.append((name, _front(meta) + "\n".join(body).rstrip() + "\n"))
    return out


# --------------------------------------------------------------------------- CVDR


def parse_cvdr(data: bytes, source: str = "CVDR-XML", source_type: str | None = None) -> Regulation:
    root = _parse_xml(data, source)
    if _local(root.tag) != "cvdr":
        raise ImportFormatError(f"{source}: is geen CVDR-regeling (wortelelement <{_local(root.tag)}>, verwacht <cvdr>).")
    meta = _child(root, "meta")
    if meta is None:
        raise ImportFormatError(f"{source}: <meta> ontbreekt; dit is geen CVDR-regeling.")

    def meta_text(name: str) -> str:
        el = _find(meta, name)
        return _text(el) if el is not None else ""

    identifier = meta_text("identifier")
    m = _CVDR_ID.match(identifier)
    if not m:
        raise ImportFormatError(f"{source}: dcterms:identifier ontbreekt of is ongeldig ('{identifier}', verwacht bijv. CVDR641811_1).")
    title = meta_text("title")
    if not title:
        raise ImportFormatError(f"{source}: de titel (dcterms:title) ontbreekt.")
    start = _iso(meta_text("inwerkingtredingDatum"), "inwerkingtredingDatum", source)
    if start is None:
        raise ImportFormatError(f"{source}: de datum van inwerkingtreding (inwerkingtredingDatum) ontbreekt.")
    end = _end(_iso(meta_text("uitwerkingtredingDatum"), "uitwerkingtredingDatum", source))
    if end and end <= start:
        raise ImportFormatError(f"{source}: uitwerkingtredingDatum ligt vóór inwerkingtredingDatum.")
    org = meta_text("authority") or meta_text("creator")
    body = _find(root, "regeling-tekst")
    if body is None:
        body = _find(root, "regeling")
    if body is None:
        raise ImportFormatError(f"{source}: <body><regeling><regeling-tekst> ontbreekt.")
    cite_el = _find(root, "citeertitel")
    citation = _text(cite_el) if cite_el is not None and _text(cite_el) else title
    stype = source_type or ("beleidsregel" if "beleidsregel" in title.lower() else "verordening")
    if stype not in TYPE_DIRS:
        raise ImportFormatError(f"onbekend type '{stype}'.")
    betreft = meta_text("betreft").lower()
    domain = next((d for d, hint in (("participatiewet", "participatiewet"), ("wmo", "maatschappelijke ondersteuning"),
                                     ("wmo", "wmo"), ("jeugd", "jeugdwet"), ("schuldhulp", "schuldhulp"))
                   if hint in betreft), None)
    work, version = m.group(1), m.group(2)
    reg = Regulation("cvdr", identifier, citation, stype, start, end,
                     f"https://lokaleregelgeving.overheid.nl/{work}/{version}",
                     f"gemeente {org}" if org else "gemeente",
                     extra={"cvdr_id": identifier, "gemeente": org or None, "officiele_titel": title,
                            "domain": domain})
    for _, nr, titel, leden, _structuur in _current_articles(body, title, source):
        reg.articles.append(Article(nr, titel, leden, start, end))
    if not reg.articles:
        raise ImportFormatError(f"{source}: bevat geen artikelen.")
    return reg


def cvdr_file(reg: Regulation) -> tuple[str, str]:
    """(file name, Markdown): the whole regulation in one file, '## Artikel N. Titel' per article
    and '1. ...' per lid, as the sample corpus's verordeningen and beleidsregels."""
    meta = {
        "title": reg.title,
        "citation": reg.title,
        "source_type": reg.source_type,
        "cvdr_id": reg.identifier,
        "valid_from": reg.valid_from.isoformat(),
        "valid_to": reg.valid_to.isoformat() if reg.valid_to else None,
        "official_url": reg.official_url,
        "bevoegd_gezag": reg.bevoegd_gezag,
        **{k: v for k, v in reg.extra.items() if k not in ("cvdr_id",) and v},
    }
    body = [f"# {reg.title}", ""]
    for a in reg.articles:
        body += [f"## Artikel {a.nr}" + (f". {a.titel}" if a.titel else ""), ""]
        for lidnr, paras in a.leden:
            if not paras:
                continue
            body += [f"{lidnr}. {paras[0]}" if lidnr else paras[0], ""] + [p + "\n" for p in paras[1:]]
    name = reg.identifier.split("_")[0] + ".md"
    return name, _front(meta) + "\n".join(body).rstrip() + "\n"


def _front(meta: dict[str, Any]) -> str:
    clean = {k: v for k, v in meta.items() if v is not None}
    return "---\n" + yaml.safe_dump(clean, allow_unicode=True, sort_keys=False, width=1000) + "---\n"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "regeling"


# --------------------------------------------------------------------------- fetching


class Fetcher(Protocol):
    """Where the XML comes from. kind: "bwb" (identifier BWBR..., datum = toestand date) or
    "cvdr" (identifier CVDR<work>_<version>)."""

    def fetch(self, kind: str, identifier: str, datum: dt.date | None = None) -> bytes: ...


class FileFetcher:
    """Reads <identifier>_<datum>.xml or <identifier>.xml from a folder (offline machines)."""

    def __init__(self, directory: Path):
        self.directory = Path(directory)

    def fetch(self, kind: str, identifier: str, datum: dt.date | None = None) -> bytes:
        names = ([f"{identifier}_{datum.isoformat()}.xml"] if datum else []) + [f"{identifier}.xml"]
        for name in names:
            path = self.directory / name
            if path.is_file():
                return path.read_bytes()
        raise ImportFormatError(f"{' of '.join(names)} staat niet in {self.directory}.")


class HttpFetcher:
    """The official repository over HTTPS (urllib). Never used in tests: `opener` is the seam."""

    def __init__(self, timeout: float = 30.0, opener: Callable[..., Any] | None = None,
                 bwb_base: str = BWB_REPOSITORY, cvdr_base: str = CVDR_REPOSITORY):
        self.timeout = timeout
        self.opener = opener or urllib.request.urlopen
        self.bwb_base, self.cvdr_base = bwb_base.rstrip("/"), cvdr_base.rstrip("/")

    def url(self, kind: str, identifier: str, datum: dt.date | None = None) -> str:
        if kind == "bwb":
            if not _BWB_ID.match(identifier):
                raise ImportFormatError(f"'{identifier}' is geen BWB-id (BWBR + 7 cijfers).")
            if datum is None:
                raise ImportFormatError("Geef de datum van de toestand ({datum} JJJJ-MM-DD) om een BWB-regeling op te halen.", fields=("datum",))
            d = datum.isoformat()
            return f"{self.bwb_base}/{identifier}/{d}_0/xml/{identifier}_{d}_0.xml"
        if kind == "cvdr":
            m = _CVDR_ID.match(identifier)
            if not m:
                raise ImportFormatError(f"'{identifier}' is geen CVDR-id met versie (bijv. CVDR641811_1).")
            return f"{self.cvdr_base}/{m.group(1)}/{m.group(2)}/xml/{identifier}.xml"
        raise ImportFormatError(f"onbekende bron '{kind}' (bwb of cvdr).")

    def fetch(self, kind: str, identifier: str, datum: dt.date | None = None) -> bytes:
        url = self.url(kind, identifier, datum)
        request = urllib.request.Request(url, headers={"User-Agent": "maatwerkassistent/0.1"})
        try:
            with self.opener(request, timeout=self.timeout) as response:
                return response.read()
        except urllib.error.HTTPError as exc:
            raise ImportFormatError(f"Ophalen van {url} mislukt: HTTP {exc.code}. Bestaat deze versie?") from exc
        except (urllib.error.URLError, OSError) as exc:
            raise ImportFormatError(f"Ophalen van {url} mislukt ({getattr(exc, 'reason', exc)}). Is deze machine "
                                    "offline? Download het XML-bestand elders en importeer het als bestand.") from exc


# --------------------------------------------------------------------------- into the corpus


def import_regulation(registry: Registry, reg: Regulation, by: str) -> AddResult:
    """Write the regulation as Markdown and register it: all articles or none. Articles whose
    text equals the registered open version are skipped (a new toestand changes a few articles,
    not all); the others become new versions that close the previous one."""
    if reg.kind == "bwb":
        files = bwb_files(reg)
        dest = f"{TYPE_DIRS.get(reg.source_type, 'wetten')}/{_slug(reg.title)}"
    else:
        files = [cvdr_file(reg)]
        dest = TYPE_DIRS.get(reg.source_type, "verordeningen")
    with tempfile.TemporaryDirectory(prefix="maatwerk-import-") as tmp:
        paths = []
        for name, text in files:
            path = Path(tmp) / name
            path.write_text(text, encoding="utf-8")
            paths.append((path, {}))
        return registry.add_many(paths, by, dest_dir=dest, skip_unchanged=True, audit_action=f"corpus.imported_{reg.kind}")


def import_bwb(registry: Registry, data: bytes, by: str, source: str = "BWB-XML") -> AddResult:
    return import_regulation(registry, parse_bwb(data, source), by)


def import_cvdr(registry: Registry, data: bytes, by: str, source: str = "CVDR-XML",
                source_type: str | None = None) -> AddResult:
    return import_regulation(registry, parse_cvdr(data, source, source_type), by)
