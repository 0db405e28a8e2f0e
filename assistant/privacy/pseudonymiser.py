"""Detection and pseudonymisation of Dutch personal data before text is stored, indexed, logged or sent to an LLM.

Kept as one module (about 680 lines; the patterns and name lists live in patterns.py and names.py):
the Pseudonymiser's passes (numbers, addresses, dates, plates, names) feed one resolution of
overlapping findings, and reading them together is how a reviewer checks that no kind of personal
data slips between two passes.
"""

from __future__ import annotations

import functools
import re
import unicodedata
import warnings
from collections import Counter
from dataclasses import dataclass
from typing import Iterable

from stdnum.nl import identiteitskaartnummer as _stdnum_nl_id

from assistant.privacy.patterns import (
    KINDS,
    AMOUNT_BEFORE_RE,
    BORN_MONTH_RE,
    BSN_CONTEXT_RE,
    BSN_RE,
    CAPS_NAME_RE,
    CAP_WORD_RE,
    CASE_NO_RE,
    COMPANY_AFTER_RE,
    CONTEXT_STREET_RE,
    COORD_RE,
    DATE_RE,
    DOB_CONTEXT_RE,
    DOC_CONTEXT_RE,
    DOC_NO_RE,
    EMAIL_RE,
    IBAN_LENGTHS,
    IBAN_START_RE,
    INITIAL_NAME_RE,
    INITIAL_SURNAME_RE,
    LAW_NAME_BEFORE_RE,
    LOWER_FULL_NAME_RE,
    LOWER_NOT_NAMES,
    LOWER_TITLE_NAME_RE,
    MONTHS,
    NAME_WORD,
    OBF_AT_WORD_RE,
    OBF_EMAIL_RE,
    PHONE_RE,
    PLATE_CONTEXT_RE,
    PLATE_LOOSE_RE,
    PLATE_RE,
    PLATE_WORD_RE,
    POSTCODE_RE,
    YEAR_BEFORE_RE,
    POSTCODE_STREET_RE,
    PRECEDENT_REF_RE,
    ROLE_NAME_RE,
    STOPWORDS,
    STREET_LEADS,
    STREET_PREFIX_RE,
    STREET_RE,
    TITLE_NAME_RE,
    TUSSEN_NAME,
    ZAAK_RE,
    elfproef,
    iban_valid,
)
from assistant.privacy.names import (
    TITLE_PREFIX_RE,
    builtin_first_names,
    builtin_surnames,
    deduce_first_names,
    deduce_surnames,
    load_deduce_model,
    norm_key,
)
from assistant.privacy.corpus import (
    strip_corpus_placeholders,
)



# Overlaps are resolved by this order: checksum-verified and highly structured
# patterns are more trustworthy than the context-driven name rules.
_PRIORITY = {
    "EMAIL": 0,
    "IBAN": 1,
    "DOSSIERNUMMER": 2,
    "BSN": 3,
    "DOCUMENTNUMMER": 4,
    "TELEFOON": 5,
    "KENTEKEN": 6,
    "GEBOORTEDATUM": 7,
    "POSTCODE": 8,
    "ADRES": 9,
    "NAAM": 10,
}

PLACEHOLDER_RE = re.compile(r"\[(?:%s)-\d+\]" % "|".join(KINDS))


@dataclass(frozen=True)
class Finding:
    kind: str
    start: int
    end: int
    value: str


# --------------------------------------------------------------------------- normalisation


def _normalise(kind: str, value: str) -> str:
    """Key under which variants of the same value share one placeholder."""
    v = unicodedata.normalize("NFC", value).strip()
    if kind in ("BSN", "IBAN", "POSTCODE", "DOSSIERNUMMER", "KENTEKEN", "DOCUMENTNUMMER"):
        v = re.sub(r"[\s.]", "", v).upper()
        if kind in ("BSN", "IBAN", "KENTEKEN"):
            v = v.replace("-", "")
        if kind == "BSN" and len(v) == 8:
            v = "0" + v
        return v
    if kind == "TELEFOON":
        digits = re.sub(r"\D", "", v.replace("(0)", ""))
        if digits.startswith("0031"):
            digits = "0" + digits[4:]
        elif digits.startswith("31") and v.lstrip().startswith("+"):
            digits = "0" + digits[2:]
        elif digits.startswith("00"):
            digits = "+" + digits[2:]
        elif v.lstrip().startswith("+"):
            digits = "+" + digits
        return digits
    if kind == "EMAIL":
        v = re.sub(r"(?i)\s*[\[({]?\s*\b(?:at|apenstaartje)\b\s*[\])}]?\s*", "@", v) if "@" not in v else v
        v = re.sub(r"(?i)\s*[\[({]\s*(?:dot|punt)\s*[\])}]\s*|\s+(?:dot|punt)\s+", ".", v)
        return re.sub(r"\s+", "", v).casefold()
    if kind == "EMAIL":
        return v.casefold()
    if kind == "GEBOORTEDATUM":
        return _normalise_date(v)
    return re.sub(r"\s+", " ", re.sub(r"\s*-\s*", "-", v)).casefold()


def _normalise_date(value: str) -> str:
    m = re.fullmatch(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{2,4})", value)
    iso = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", value)
    month_year = re.fullmatch(r"([A-Za-z]+)\.?\s+(\d{4})", value)
    if iso:
        y, mo, d = (int(x) for x in iso.groups())
    elif month_year:
        return f"{month_year.group(2)}-{_month_number(month_year.group(1)):02d}"
    elif m:
        d, mo, y = (int(x) for x in m.groups())
    else:
        m = re.fullmatch(r"(\d{1,2})\s+([A-Za-z]+)\.?\s+(\d{4})", value)
        if not m:
            return value.casefold()
        d, mo, y = int(m.group(1)), _month_number(m.group(2)), int(m.group(3))
    if y < 100:
        y += 1900 if y > 30 else 2000
    return f"{y:04d}-{mo:02d}-{d:02d}"


def _month_number(word: str) -> int:
    months = {name: i + 1 for i, name in enumerate(MONTHS)}
    months.update({"jan": 1, "feb": 2, "mrt": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
                   "sept": 9, "okt": 10, "nov": 11, "dec": 12})
    return months.get(word.casefold(), 0)


# --------------------------------------------------------------------------- placeholder map


class PlaceholderMap:
    """Per-case mapping value -> placeholder. Lives in memory only: it is the key back
    to the real data, so it must not end up next to the pseudonymised text."""

    def __init__(self) -> None:
        self._by_key: dict[tuple[str, str], str] = {}
        self._originals: dict[str, str] = {}
        self._counters: dict[str, int] = {}

    def placeholder(self, kind: str, value: str) -> str:
        key = (kind, _normalise(kind, value))
        existing = self._by_key.get(key)
        if existing is not None:
            return existing
        self._counters[kind] = self._counters.get(kind, 0) + 1
        placeholder = f"[{kind}-{self._counters[kind]}]"
        self._by_key[key] = placeholder
        self._originals[placeholder] = value
        return placeholder

    def original(self, placeholder: str) -> str | None:
        """First value seen for a placeholder, for re-identification on the professional's screen."""
        return self._originals.get(placeholder)

    def reidentify(self, text: str) -> str:
        return PLACEHOLDER_RE.sub(lambda m: self._originals.get(m.group(0), m.group(0)), text)

    def __len__(self) -> int:
        return len(self._by_key)

    def __contains__(self, placeholder: object) -> bool:
        return placeholder in self._originals

    def __repr__(self) -> str:
        # Never show the values: this object may end up in a log line or traceback.
        return f"PlaceholderMap({len(self)} waarden)"

    def __reduce__(self):
        # Refuse pickling so the map cannot silently land in a cache, queue or DB.
        raise TypeError("PlaceholderMap wordt bewust niet opgeslagen (AVG); bewaar alleen gepseudonimiseerde tekst")


# --------------------------------------------------------------------------- detector


class Pseudonymiser:
    """Finds personal data in Dutch case text and replaces it by stable placeholders.

    use_deduce: None = use the deduce name lists shipped in assistant/data/deduce/ (if present)
    (decided on the eval, see evals/RESULTS-privacy.md); "full" additionally runs the
    complete deduce pipeline for persons (slow to load, no gain on our eval); False = rules only.
    """

    def __init__(self, detect_names: bool = True, use_deduce: bool | str | None = None) -> None:
        self.detect_names = detect_names
        self._first_names: frozenset[str] = frozenset()
        self._surnames: frozenset[str] = frozenset()
        self._use_full_deduce = False
        if detect_names:
            lexicon = None
            if use_deduce is not False:
                lexicon = deduce_first_names()
                if lexicon is None:
                    if use_deduce:
                        raise ImportError("deduce's name lists are missing from this install "
                                          "(assistant/data/deduce/)")
                    warnings.warn(
                        "deduce name lists not installed: person names are detected by rules and a small "
                        "built-in first-name list only (lower recall)",
                        RuntimeWarning,
                        stacklevel=2,
                    )
            self._first_names = lexicon or builtin_first_names()
            self._surnames = (deduce_surnames() if lexicon else None) or builtin_surnames()
            self._use_full_deduce = use_deduce == "full"
        self.name_backend = (
            "off" if not detect_names
            else "rules+deduce-pipeline" if self._use_full_deduce
            else "rules+deduce-lexicon" if use_deduce is not False and deduce_first_names() is not None
            else "rules"
        )

    # ------------------------------------------------------------------ public API

    def find(self, text: str, kinds: Iterable[str] | None = None) -> list[Finding]:
        """Personal data in text, overlaps resolved. kinds: only these kinds are looked for (the
        others do not compete for overlaps either, so a BSN inside a case number is still found)."""
        if not text:
            return []
        masked = strip_corpus_placeholders(strip_placeholders(text))
        candidates: list[Finding] = []
        candidates += self._emails(masked)
        candidates += self._ibans(masked)
        candidates += self._case_numbers(masked)
        candidates += self._bsns(masked)
        candidates += self._documents(masked)
        candidates += self._phones(masked)
        candidates += self._plates(masked)
        candidates += self._birth_dates(masked)
        candidates += self._postcodes(masked)
        candidates += self._addresses(masked)
        wanted = set(KINDS if kinds is None else kinds)
        if self.detect_names and "NAAM" in wanted:
            candidates += self._names(masked, candidates)
        return _resolve([c for c in candidates if c.kind in wanted], text)

    def scrub(self, text: str, kinds: Iterable[str] | None = None) -> tuple[str, Counter]:
        """Text for the corpus index: every finding of the given kinds replaced by an unnumbered
        placeholder ("[BSN]"). Unnumbered on purpose: a passage's "[NAAM]" must never be read as
        the "[NAAM-1]" of the question's own map (which re-identifies answers on screen).
        Returns the text and the number of replacements per kind."""
        counts: Counter = Counter()
        if not text:
            return text, counts
        out: list[str] = []
        pos = 0
        for f in self.find(text, kinds):
            out.append(text[pos : f.start])
            out.append(f"[{f.kind}]")
            counts[f.kind] += 1
            pos = f.end
        out.append(text[pos:])
        return "".join(out), counts

    def pseudonymise(self, text: str, mapping: PlaceholderMap | None = None) -> str:
        if not text:
            return text
        mapping = mapping if mapping is not None else PlaceholderMap()
        out: list[str] = []
        pos = 0
        for f in self.find(text):
            out.append(text[pos : f.start])
            out.append(mapping.placeholder(f.kind, f.value))
            pos = f.end
        out.append(text[pos:])
        return "".join(out)

    def pseudonymise_fields(
        self, fields: dict[str, str | None], mapping: PlaceholderMap | None = None
    ) -> dict[str, str | None]:
        # One mapping across all fields so "[NAAM-1]" means the same person in every field.
        mapping = mapping if mapping is not None else PlaceholderMap()
        return {k: (self.pseudonymise(v, mapping) if isinstance(v, str) else v) for k, v in fields.items()}

    # ------------------------------------------------------------------ detectors

    @staticmethod
    def _emails(text: str) -> list[Finding]:
        found = [Finding("EMAIL", m.start(), m.end(), m.group(0)) for m in EMAIL_RE.finditer(text)]
        if "@" in text or OBF_AT_WORD_RE.search(text):
            found += [Finding("EMAIL", m.start(), m.end(), m.group(0)) for m in OBF_EMAIL_RE.finditer(text)]
        return found

    @staticmethod
    def _ibans(text: str) -> list[Finding]:
        found = []
        for m in IBAN_START_RE.finditer(text):
            country = m.group(0)[:2].upper()
            if country not in IBAN_LENGTHS:
                continue
            # Walk the BBAN allowing a single space or dash between characters until the
            # country's length is reached, then demand a boundary and a valid checksum.
            need = IBAN_LENGTHS[country] - 4
            i, taken = m.end(), 0
            while i < len(text) and taken < need:
                ch = text[i]
                if ch.isalnum() and ch.isascii():
                    taken += 1
                    i += 1
                elif ch in " -" and i + 1 < len(text) and text[i + 1].isalnum() and text[i - 1] not in " -":
                    i += 1
                else:
                    break
            if taken != need or (i < len(text) and text[i].isalnum()):
                continue
            value = text[m.start() : i]
            if iban_valid(value):
                found.append(Finding("IBAN", m.start(), i, value))
        return found

    @staticmethod
    def _bsns(text: str) -> list[Finding]:
        found = []
        for m in BSN_RE.finditer(text):
            value = m.group(1)
            digits = re.sub(r"\D", "", value)
            groups = re.split(r"[ .-]", value)
            if len(set(re.findall(r"[ .-]", value))) > 1 or (len(groups) > 1 and min(map(len, groups)) < 2):
                continue  # mixed separators or one-digit groups: a date, an amount, a list
            if len(digits) == 8 and not BSN_CONTEXT_RE.search(text[: m.start()]):
                continue  # 8 digits are too common to accept without a BSN label
            if "." in value and AMOUNT_BEFORE_RE.search(text[: m.start()]):
                continue  # "€ 123.456.789"
            if elfproef(digits):
                found.append(Finding("BSN", m.start(1), m.end(1), value))
        return found

    @staticmethod
    def _documents(text: str) -> list[Finding]:
        found = []
        for m in DOC_NO_RE.finditer(text):
            value = m.group(1)
            if not DOC_CONTEXT_RE.search(text[: m.start()]):
                continue
            if not value.isdigit() and not _stdnum_nl_id.is_valid(value.upper()):
                continue
            found.append(Finding("DOCUMENTNUMMER", m.start(1), m.end(1), value))
        return found

    @staticmethod
    def _plates(text: str) -> list[Finding]:
        found = [Finding("KENTEKEN", m.start(), m.end(), m.group(0)) for m in PLATE_RE.finditer(text)]
        if not PLATE_WORD_RE.search(text):
            return found
        for m in PLATE_LOOSE_RE.finditer(text):
            if PLATE_CONTEXT_RE.search(text[: m.start()]) and any(c.isalpha() for c in m.group(0)):
                found.append(Finding("KENTEKEN", m.start(), m.end(), m.group(0)))
        return found

    @staticmethod
    def _phones(text: str) -> list[Finding]:
        found = []
        for m in PHONE_RE.finditer(text):
            value = m.group(0)
            # Trim trailing groups until the digit count fits (a following number may be glued on).
            while value:
                if _valid_phone(value):
                    found.append(Finding("TELEFOON", m.start(), m.start() + len(value), value))
                    break
                cut = max(value.rfind(" "), value.rfind("-"), value.rfind("."))
                if cut <= 0:
                    break
                value = value[:cut].rstrip(" -.")
        return found

    @staticmethod
    def _case_numbers(text: str) -> list[Finding]:
        found = []
        for m in CASE_NO_RE.finditer(text):
            value = m.group(1)
            digits = re.sub(r"\D", "", value)
            if len(digits) < 5 or re.fullmatch(r"(?:19|20)\d{2}", value) or PRECEDENT_REF_RE.fullmatch(value):
                continue
            found.append(Finding("DOSSIERNUMMER", m.start(1), m.end(1), value))
        for m in ZAAK_RE.finditer(text):
            found.append(Finding("DOSSIERNUMMER", m.start(), m.end(), m.group(0)))
        return found

    @staticmethod
    def _birth_dates(text: str) -> list[Finding]:
        found = []
        for m in DATE_RE.finditer(text):
            before = text[: m.start()]
            if DOB_CONTEXT_RE.search(before) or _date_after_name(text, m.start(), m.end()):
                found.append(Finding("GEBOORTEDATUM", m.start(), m.end(), m.group(0)))
        for m in BORN_MONTH_RE.finditer(text):
            found.append(Finding("GEBOORTEDATUM", m.start(1), m.end(1), m.group(1)))
        return found

    @staticmethod
    def _postcodes(text: str) -> list[Finding]:
        return [Finding("POSTCODE", m.start(), m.end(), m.group(0)) for m in POSTCODE_RE.finditer(text)
                if not (1900 <= int(m.group(1)) <= 2099 and YEAR_BEFORE_RE.search(text[max(0, m.start() - 12):m.start()])
                        and not re.match(r"\s+[A-Z][a-z]", text[m.end():]))]  # (a place name after it: a postcode)

    def _addresses(self, text: str) -> list[Finding]:
        found = []
        for m in [*STREET_RE.finditer(text), *STREET_PREFIX_RE.finditer(text)]:
            # Leading capitalised words are kept only when they belong to the street name
            # ("Van Goghlaan", "Prins Hendrikkade"), not a sentence starter or a name before it.
            words = list(re.finditer(r"\S+", m.group(1)))
            while (
                len(words) > 1
                and norm_key(words[0].group(0)) in STOPWORDS
                and words[0].group(0) not in ("Van", "Ter", "Ten")  # Van Goghlaan, Ter Haarstraat
            ) or (len(words) > 1 and norm_key(words[0].group(0)) in self._first_names):
                words.pop(0)
            if norm_key(words[-1].group(0)) in STOPWORDS:
                continue
            start = m.start(1) + words[0].start()
            found.append(Finding("ADRES", start, m.end(2), text[start : m.end(2)]))
        for m in [*CONTEXT_STREET_RE.finditer(text), *POSTCODE_STREET_RE.finditer(text)]:
            words = list(re.finditer(r"\S+", m.group(1)))
            if all(norm_key(w.group(0)) in STOPWORDS for w in words):
                continue  # "Utrecht 3", "Postbus 12", "Artikel 4"
            trimmed = list(words)
            while trimmed and norm_key(trimmed[0].group(0)) in STOPWORDS and norm_key(trimmed[0].group(0)) not in STREET_LEADS:
                trimmed.pop(0)
            # "Hof van Egmond": a stopword before a lowercase tussenvoegsel is part of the street.
            if trimmed and trimmed[0].group(0)[:1].isupper():
                words = trimmed
            start = m.start(1) + words[0].start()
            found.append(Finding("ADRES", start, m.end(2), text[start : m.end(2)]))
        return found

    def _names(self, text: str, others: list[Finding]) -> list[Finding]:
        spans: list[tuple[int, int]] = []

        def add(start: int, end: int) -> None:
            tokens = list(re.finditer(r"[^\s]+", text[start:end]))
            # Trim stopwords at the edges ("Lisa Participatiewet") rather than dropping the name.
            while tokens and norm_key(tokens[0].group(0).rstrip(".,")) in STOPWORDS:
                # "De Vries", "Van der Linden": a tussenvoegsel before a capitalised part belongs to the name.
                if re.fullmatch(TUSSEN_NAME, tokens[0].group(0)) and len(tokens) > 1:
                    break
                tokens.pop(0)
            while tokens and norm_key(tokens[-1].group(0).rstrip(".,")) in STOPWORDS:
                tokens.pop()
            while tokens and re.fullmatch(TUSSEN_NAME, tokens[-1].group(0)):
                tokens.pop()
            if not tokens:
                return
            s, e = start + tokens[0].start(), start + tokens[-1].end()
            caps = [
                t.group(0) for t in tokens
                if t.group(0)[:1].isupper() and not re.fullmatch(TUSSEN_NAME, t.group(0))
            ]
            if not caps or any(norm_key(t.rstrip(".,")) in STOPWORDS for t in caps):
                return
            if all(t.isupper() and len(t) > 1 for t in caps):
                return  # abbreviations such as UWV, CAK
            if COMPANY_AFTER_RE.match(text[e:]) or LAW_NAME_BEFORE_RE.search(text[:s]):
                return
            spans.append((s, e))

        for rx in (TITLE_NAME_RE, INITIAL_NAME_RE, ROLE_NAME_RE):
            for m in rx.finditer(text):
                add(m.start(1), m.end(1))

        # Known first names, optionally followed by tussenvoegsels + surname(s).
        for m in CAP_WORD_RE.finditer(text):
            word = m.group(0)
            first = word.split("-")[0]
            if norm_key(word) in self._first_names or (
                "-" in word and norm_key(first) in self._first_names
            ):
                if norm_key(word) in STOPWORDS:
                    continue
                tail = re.match(
                    rf"(?:\s+(?:{TUSSEN_NAME}\s+)*{NAME_WORD}){{0,2}}", text[m.end() :]
                )
                end = m.end() + (len(tail.group(0)) if tail else 0)
                add(m.start(), end)

        # Known surnames mid-sentence ("terugbelverzoek van Hofman"); at a sentence start a
        # capitalised word is too often an ordinary word, so there we rely on the other rules.
        for m in CAP_WORD_RE.finditer(text):
            if norm_key(m.group(0)) not in self._surnames or norm_key(m.group(0)) in STOPWORDS:
                continue
            if re.search(r"(?:^|[.!?\n])\s*(?:[\"'(]\s*)?$", text[: m.start()]):
                continue
            start = m.start()
            # A lone lowercase "van"/"uit" before a surname is usually a preposition ("brief van
            # Jansen"); "de", "van der", "ter" are taken as part of the name.
            lead = re.search(r"(?<![\w'])(?:van\s+(?:de|der|den)|de|ter|ten|in\s+'t)\s+$", text[:start])
            if lead:
                start = lead.start()
            else:
                # "Sanne Wolters", "(Erwin Koopman)": a capitalised word right before a known surname.
                first = re.search(rf"(?<![\w'’-])({NAME_WORD})\s+$", text[:start])
                if first and norm_key(first.group(1)) not in STOPWORDS:
                    start = first.start(1)
            add(start, m.end())

        # A whole name typed in lower case: a known first name, then (tussenvoegsels and) a known
        # surname. Without a tussenvoegsel both words must be names ("piet jansen").
        for w in re.finditer(r"(?<![\w'’-])[a-zß-öø-ÿ]", text):
            m = LOWER_FULL_NAME_RE.match(text, w.start())
            if m is None:
                continue
            first, tussen, last = norm_key(m.group(1)), m.group(2), norm_key(m.group(3))
            if first not in self._first_names or last not in self._surnames:
                continue
            if {first, last} & (STOPWORDS | LOWER_NOT_NAMES) or LAW_NAME_BEFORE_RE.search(text[: m.start()]):
                continue
            spans.append((m.start(1), m.end(3)))

        # Names in capitals after initials, when a part is a known name.
        for m in CAPS_NAME_RE.finditer(text):
            parts = [p for p in re.split(r"[\s.-]+", m.group(1)) if len(p) > 2]
            if any(norm_key(p) in self._surnames or norm_key(p) in self._first_names for p in parts):
                spans.append((m.start(1), m.end(1)))

        # "Hofstede belde vandaag": a known surname opening a sentence, before a reporting verb.
        for m in INITIAL_SURNAME_RE.finditer(text):
            key = norm_key(m.group(2))
            if (key in self._surnames or key in self._first_names) and key not in STOPWORDS:
                add(m.start(2), m.end(2))

        # Professionals often type names in lowercase after a title: "mevrouw jansen".
        for m in LOWER_TITLE_NAME_RE.finditer(text):
            last = m.group(1).split()[-1]
            key = norm_key(last)
            if key in (self._surnames | self._first_names) and key not in STOPWORDS and key not in LOWER_NOT_NAMES:
                spans.append((m.start(1), m.end(1)))

        if self._use_full_deduce:
            for start, end in _deduce_person_spans(text):
                add(start, end)

        # "Sem (08-06-2015) en Julia": a coordinated capitalised word after a name is a name too.
        for start, end in list(spans):
            m = COORD_RE.match(text[end:])
            if m:
                add(end + m.start(1), end + m.end(1))

        spans = _merge(spans)
        # Every other occurrence of a detected name (or its surname) is the same person.
        extra: list[tuple[int, int]] = []
        for start, end in spans:
            value = text[start:end]
            parts = {value}
            last = value.split()[-1]
            if len(last) > 2 and norm_key(last) not in STOPWORDS:
                parts.add(last)
            for part in parts:
                for m in re.finditer(rf"(?<![\w'’-]){re.escape(part)}(?![\w'’-])", text):
                    extra.append((m.start(), m.end()))
        spans = _merge(spans + extra)
        return [Finding("NAAM", s, e, text[s:e]) for s, e in spans]


def _valid_phone(value: str) -> bool:
    digits = re.sub(r"\D", "", value.replace("(0)", ""))
    stripped = value.lstrip()
    if stripped.startswith("+") or stripped.startswith("00"):
        digits = digits[2:] if stripped.startswith("00") else digits
        if digits.startswith("31"):  # Netherlands: 9 digits after the country code
            return len(digits) == 11 and digits[2] != "0"
        if digits.startswith("32"):  # Belgium: 8 (landline) or 9 (mobile) digits
            return len(digits) in (10, 11) and digits[2] != "0"
        return 10 <= len(digits) <= 14 and digits[0] != "0"
    return len(digits) == 10 and digits[0] == "0" and digits[1] != "0"


def _date_after_name(text: str, start: int, end: int) -> bool:
    """"Mw. Pietersen (12-09-1961)": a bracketed date right after a name is a date of birth."""
    if start == 0 or text[start - 1] != "(" or not text[end:].startswith(")"):
        return False
    m = re.search(rf"({NAME_WORD})\s*\($", text[:start])
    return bool(m) and norm_key(m.group(1)) not in STOPWORDS


def _deduce_person_spans(text: str) -> Iterable[tuple[int, int]]:
    doc = load_deduce_model().deidentify(text)
    for ann in doc.annotations:
        if "persoon" not in ann.tag and "patient" not in ann.tag:
            continue
        start, end = ann.start_char, ann.end_char
        prefix = TITLE_PREFIX_RE.match(text[start:end])
        if prefix:
            start += prefix.end()
        if end > start:
            yield start, end


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        if merged and s < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    return merged


def strip_placeholders(text: str) -> str:
    """The text with every placeholder blanked out (same length, so offsets stay valid):
    placeholders must not be read as names or numbers, nor as search words."""
    return PLACEHOLDER_RE.sub(lambda m: " " * len(m.group(0)), text)




def _resolve(candidates: list[Finding], text: str) -> list[Finding]:
    chosen: list[Finding] = []
    for f in sorted(candidates, key=lambda f: (_PRIORITY[f.kind], -(f.end - f.start), f.start)):
        if any(f.start < c.end and c.start < f.end for c in chosen):
            continue
        chosen.append(Finding(f.kind, f.start, f.end, text[f.start : f.end]))
    return sorted(chosen, key=lambda f: f.start)


@functools.lru_cache(maxsize=1)
def _default_pseudonymiser() -> Pseudonymiser:
    return Pseudonymiser()


def default_pseudonymiser() -> Pseudonymiser:
    """One shared detector (loading the name lexicons once)."""
    return _default_pseudonymiser()


def contains_personal_data(text: str) -> list[Finding]:
    """Findings left in text that should already be pseudonymised (placeholders are ignored)."""
    return _default_pseudonymiser().find(text or "")
