"""Legal references in Dutch regulation text: "artikel 58, achtste lid, van de wet", "de artikelen
35, 48, 51 en 57 van de Participatiewet", "artikel 4:84 Awb", "bedoeld in artikel 3". Pure text
parsing; which regulation a name stands for is resolved by the rule model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ORDINAL_WORDS = {
    "eerste": "1", "tweede": "2", "derde": "3", "vierde": "4", "vijfde": "5", "zesde": "6",
    "zevende": "7", "achtste": "8", "negende": "9", "tiende": "10", "elfde": "11", "twaalfde": "12",
    "dertiende": "13", "veertiende": "14", "vijftiende": "15", "zestiende": "16",
}
_NUM = r"\d+[a-z]{0,2}(?:[:.]\d+[a-z]{0,2})*"
_LID = r"(?:(?P<lidw>" + "|".join(ORDINAL_WORDS) + r")\s+lid|lid\s+(?P<lidn>\d+))"
# A regulation named after the article: "van de wet", "van de Participatiewet", "Awb",
# "van de Verordening maatschappelijke ondersteuning Lindewaarde 2023". Names are matched by the
# model against the regulations it knows, so the pattern only has to find where a name could be.
_LAW_NAME = (
    r"(?P<law>(?:de\s+)?(?:wet\b|Participatiewet|Awb|Algemene wet bestuursrecht|Wmo(?:\s*2015)?|"
    r"Wet maatschappelijke ondersteuning(?:\s*2015)?|Jeugdwet|Wgs|Wet gemeentelijke schuldhulpverlening|"
    r"Gemeentewet|Wetboek van Burgerlijke Rechtsvordering|Wet structuur uitvoeringsorganisatie werk en inkomen|"
    r"(?:Verordening|Beleidsregels?)\s+[A-Z][\w\-]*(?:\s+[\w\-]+){0,8}?\s+\d{4}|"
    r"(?:Verordening|Beleidsregels?)\s+(?:[\w\-]+\s+){0,6}?Lindewaarde(?:\s+\d{4})?|"
    r"deze (?:verordening|beleidsregels?)))"
)
_SINGLE = re.compile(
    rf"\bart(?:ikel|\.)\s*(?P<num>{_NUM})(?![\w:])"
    rf"(?:\s*,?\s*{_LID})?"
    rf"(?:\s*,?\s*onderde(?:el|len)\s+(?P<ond>[a-z]{{1,2}}))?"
    rf"(?:\s*,?\s*(?:van\s+)?{_LAW_NAME})?",
    re.I,
)
_PLURAL = re.compile(
    rf"\bde\s+artikelen\s+(?P<list>{_NUM}(?:\s*(?:,\s*(?:\w+\s+lid\s*,\s*)?|\s+en\s+|\s+tot\s+en\s+met\s+){_NUM})*)"
    rf"(?:\s*,?\s*(?:van\s+)?{_LAW_NAME})?",
    re.I,
)
_TITLE_REF = re.compile(r"\btitel\s+(?P<num>\d+\.\d+)\s+(?:van\s+)?(?:de\s+)?(?P<law>Algemene wet bestuursrecht|Awb)", re.I)


@dataclass(frozen=True)
class Ref:
    """One reference as written: article (as the text numbers it), lid and onderdeel where
    given, the regulation name as written (None: no name, so the same document), the span."""

    article: str
    lid: str | None
    onderdeel: str | None
    law: str | None
    start: int
    end: int
    text: str


def _lid(m: re.Match) -> str | None:
    if m.group("lidw"):
        return ORDINAL_WORDS[m.group("lidw").lower()]
    return m.group("lidn")


def _expand(listing: str) -> list[str]:
    """'35, 48, 51 en 57' -> four numbers; '58 tot en met 60' -> 58, 59, 60 (plain integers)."""
    out: list[str] = []
    listing = re.sub(r"\s+tot\s+en\s+met\s+", "..", listing)
    for part in re.split(r"\s*,\s*(?:\w+\s+lid\s*,\s*)?|\s+en\s+", listing):
        part = part.strip()
        lo, sep, hi = part.partition("..")
        if sep and lo.isdigit() and hi.isdigit():
            out.extend(str(i) for i in range(int(lo), int(hi) + 1))
        elif sep:
            out.extend([lo, hi])
        elif part:
            out.append(part)
    return out


def _law(m: re.Match) -> str | None:
    law = (m.group("law") or "").strip()
    return re.sub(r"^(?:de|het)\s+", "", law) or None


def find_refs(text: str) -> list[Ref]:
    refs: list[Ref] = []
    taken: list[tuple[int, int]] = []
    for m in _PLURAL.finditer(text):
        law = _law(m)
        for num in _expand(m.group("list")):
            refs.append(Ref(num.lower(), None, None, law, m.start(), m.end(), m.group(0)))
        taken.append((m.start(), m.end()))
    for m in _SINGLE.finditer(text):
        if any(a <= m.start() < b for a, b in taken):
            continue
        law = _law(m)
        refs.append(Ref(m.group("num").lower(), _lid(m), (m.group("ond") or None), law,
                        m.start(), m.end(), m.group(0)))
    for m in _TITLE_REF.finditer(text):
        refs.append(Ref(f"titel {m.group('num')}", None, None, m.group("law"), m.start(), m.end(), m.group(0)))
    refs.sort(key=lambda r: r.start)
    return refs


_GELET_OP = re.compile(r"\bgelet op\b(?P<body>[^;]*(?:;|$))", re.I | re.S)


def grondslag_refs(preamble: str) -> list[Ref]:
    """The references of a regeling's 'gelet op ...;' preamble: what it is based on."""
    out: list[Ref] = []
    for m in _GELET_OP.finditer(preamble):
        out.extend(find_refs(m.group("body")))
    return out
