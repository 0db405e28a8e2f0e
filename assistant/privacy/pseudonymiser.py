"""Detection and pseudonymisation of Dutch personal data before text is stored, indexed, logged or sent to an LLM."""

from __future__ import annotations

import functools
import re
import threading
import unicodedata
import warnings
from collections import Counter
from dataclasses import dataclass
from importlib import resources
from typing import Iterable

from stdnum import iban as _stdnum_iban
from stdnum.nl import bsn as _stdnum_bsn
from stdnum.nl import identiteitskaartnummer as _stdnum_nl_id

KINDS = (
    "BSN",
    "IBAN",
    "TELEFOON",
    "EMAIL",
    "ADRES",
    "POSTCODE",
    "GEBOORTEDATUM",
    "NAAM",
    "DOSSIERNUMMER",
    "KENTEKEN",
    "DOCUMENTNUMMER",
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


# --------------------------------------------------------------------------- checksums


def elfproef(digits: str) -> bool:
    """BSN check (python-stdnum): 9 digits (an 8-digit BSN is read with a leading zero),
    weights 9..2 and -1; separators (spaces, dots, dashes) are ignored."""
    compact = re.sub(r"[\s.-]", "", digits)
    if not compact.isdigit() or len(compact) not in (8, 9) or not compact.strip("0"):
        return False
    return _stdnum_bsn.is_valid(compact)


_IBAN_LENGTHS = {
    "AD": 24, "AT": 20, "BA": 20, "BE": 16, "BG": 22, "CH": 21, "CY": 28, "CZ": 24,
    "DE": 22, "DK": 18, "EE": 20, "ES": 24, "FI": 18, "FR": 27, "GB": 22, "GR": 27,
    "HR": 21, "HU": 28, "IE": 22, "IS": 26, "IT": 27, "LI": 21, "LT": 20, "LU": 20,
    "LV": 21, "MA": 28, "MC": 27, "MT": 31, "NL": 18, "NO": 15, "PL": 28, "PT": 25,
    "RO": 24, "RS": 22, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SR": 18, "TN": 24,
    "TR": 26, "UA": 29,
}


def iban_valid(iban: str) -> bool:
    """IBAN check (python-stdnum): mod-97 and the country's length and BBAN format; spaces and
    dashes are ignored. The national check digits (Belgium) are not demanded: a number that
    passes mod-97 but not its bank's own check is a typo of an account, still personal data."""
    compact = re.sub(r"[\s-]", "", iban).upper()
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}", compact):
        return False
    return _stdnum_iban.is_valid(compact, check_country=False)


# --------------------------------------------------------------------------- patterns

_UP = "A-ZÀ-ÖØ-Þ"
_LO = "a-zß-öø-ÿ"

# The domain's first label must hold a letter: "regels@2025-01-01.md" is a file name, not mail.
_EMAIL_RE = re.compile(r"(?<![\w.+-])[\w.+-]+@(?=[\w-]*[A-Za-z])[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}(?![\w-])")

# Obfuscated addresses as people type them to dodge spam filters: "j.smit at ziggo punt nl",
# "p.devries[at]hotmail[dot]com", "k.bakker (at) kpnmail (punt) nl", "s.yilmaz @ outlook . com".
# A known top-level domain at the end keeps "at" (also a Dutch verb form) from matching prose.
_OBF_AT = r"(?:\s*@\s*|\s*[\[({]\s*(?:at|apenstaartje)\s*[\])}]\s*|\s+(?:at|apenstaartje)\s+)"
_OBF_DOT = r"(?:\s*\.\s*|\s*[\[({]\s*(?:dot|punt)\s*[\])}]\s*|\s+(?:dot|punt)\s+)"
_OBF_TLD = r"(?:nl|com|be|org|net|eu|de|info|fr|uk|biz|online|email|me|io|co)"
_OBF_AT_WORD_RE = re.compile(r"(?i)\b(?:at|apenstaartje)\b")
_OBF_EMAIL_RE = re.compile(
    rf"(?i)(?<![\w.+@-])[\w+-]+(?:(?:\.|\s+punt\s+|\s*[\[(]\s*(?:dot|punt)\s*[\])]\s*)[\w+-]+)*"
    rf"{_OBF_AT}[\w-]+(?:{_OBF_DOT}[\w-]+)*?{_OBF_DOT}{_OBF_TLD}(?![\w])"
)

# Country code and check digits, optionally spaced ("NL 78 SNSB ..." only in capitals).
_IBAN_START_RE = re.compile(r"(?<![A-Za-z0-9])(?:[A-Za-z]{2}-?\d{2}|[A-Z]{2} \d{2})(?=[ -]?[A-Za-z0-9])")

# Nine digits in any grouping with one kind of separator ("253-082-043", "4863 98 584",
# "734 18 35 62", "403.378.783"); the elfproef decides. Not glued to other digit groups.
_BSN_RE = re.compile(r"(?<![\w.,/-])(?<!\d[ .-])(\d(?:[ .-]?\d){7,8})(?![\w/-]|[.,]\d|[ .-]\d)")
_AMOUNT_BEFORE_RE = re.compile(r"(?i)(?:€|\beur|\beuro|\bbedrag(?:\s+van)?)\s*$")
_BSN_CONTEXT_RE = re.compile(r"(?i)\b(?:bsn|burgerservicenummer|sofi-?nummer|sofinr)\b[^\n\d]{0,30}$")

# A phone candidate is any run of digits with phone separators starting like a
# Dutch or international number; validity is decided on the digit count below.
_PHONE_RE = re.compile(
    r"(?<![\w+/.,-])(?:(?:\+|00)\s?\d{2,3}\s?(?:\(0\)\s?)?[-\s]?|\(0\d{1,3}\)\s?|0)"
    r"\d(?:(?:\s?[-.]\s?|\s)?\d){6,12}(?![\w])"
)

_POSTCODE_RE = re.compile(r"(?<![\w/-])([1-9]\d{3}) ?(?!SA|SD|SS|BW)([A-Z]{2})(?![\w-])")

_STREET_SUFFIXES = (
    "straat", "weg", "laan", "plein", "gracht", "kade", "singel", "dijk", "hof", "pad",
    "dreef", "steeg", "markt", "steenweg", "plantsoen", "park", "erf", "baan", "wal",
    "haven", "ring", "boulevard", "dam", "dwarsstraat", "kwartier", "hoven", "kamp",
    "veld", "straatweg", "zijde", "burg", "hage", "akker", "hoek",
)
_TUSSEN = r"(?:van|de|der|den|het|ter|ten|'t|in\s+'t|v\.d\.)"
_STREET_RE = re.compile(
    rf"(?<![\w-])((?:(?:[{_UP}][\w'.-]*|\d+e|Sint|St\.)\s+(?:{_TUSSEN}\s+)*){{0,3}}"
    rf"[{_UP}][\w'’-]*(?:{'|'.join(_STREET_SUFFIXES)}))"
    rf"\s+(\d{{1,5}}(?:[-\s]?(?:I{{1,3}}|IV|hs|bis|bg|huis|[a-zA-Z])(?![\w])|-\d{{1,3}}(?!\d))?)(?![\w,.]\d|\w|-\d)"
)

_STREET_WORDS = "Laan|Weg|Plein|Kade|Singel|Dijk|Markt|Gracht|Straat|Pad|Hof|Dreef|Steeg|Wal|Haven|Ring|Dam|Plantsoen|Park"
_STREET_PREFIX_RE = re.compile(
    rf"(?<![\w-])((?:[{_UP}][\w'-]*\s+)?(?:{_STREET_WORDS})(?:\s+(?:{_TUSSEN}\s+)*[{_UP}][\w'’-]*)?)"
    rf"\s+(\d{{1,5}}(?:[-\s]?(?:I{{1,3}}|IV|hs|bis|bg|huis|[a-zA-Z])(?![\w])|-\d{{1,3}}(?!\d))?)(?![\w,.]\d|\w|-\d)"
)

# A street without a known suffix ("Brink 7", "Achter de Kerk 3", "Lange Voorhout 9") is taken
# when the context says it is an address, or when a postcode follows it.
_ADDR_CONTEXT = (
    r"(?i:(?:\b(?:woon|brief|post|verblijfs|correspondentie|bezoek|nieuw|oud|huidig)?adres(?:sen)?\b\s*:?"
    r"|\bwoon(?:t|de|achtig)\b[^.\n;]{0,30}?\b(?:op|aan|in|te)\b"
    r"|\bwonende\b(?:\s+(?:op|aan|te))?|\bverhui\w*\b[^.\n;]{0,30}?\bnaar\b|\bwoning\s+(?:aan|op)\b"
    r"|\bhuisbezoek\w*\b[^.\n;]{0,30}?\b(?:op|aan|bij)\b|\bingeschreven\b[^.\n;]{0,20}?\b(?:op|aan)\b))"
)
_STREET_PHRASE = (
    rf"((?:[{_UP}][\w'’-]*)(?:\s+(?:(?:van|de|der|den|het|'t|ter|ten|op|aan|in|bij|over)\s+)*[{_UP}][\w'’-]*){{0,3}})"
)
_HOUSE_NO = (
    r"(\d{1,5}(?:[-\s]?(?:I{1,3}|IV|hs|bis|bg|huis|[a-zA-Z])(?![\w])|-\d{1,3}(?!\d))?)(?![\w,.]\d|\w|-\d)"
    r"(?!\s*(?:jaar|jaren|maand|maanden|week|weken|dag|dagen|keer|uur|euro|kinderen|personen|procent|%))"
)
_CONTEXT_STREET_RE = re.compile(rf"{_ADDR_CONTEXT}(?:[^.\n;:]{{0,30}}?[\s,(])?\s*{_STREET_PHRASE}\s+{_HOUSE_NO}")
_POSTCODE_STREET_RE = re.compile(
    rf"(?<![\w-]){_STREET_PHRASE}\s+{_HOUSE_NO}(?=\s*,?\s*[1-9]\d{{3}} ?[A-Z]{{2}}(?![\w-]))"
)
# Leading words that belong to a street name even though they are stopwords elsewhere.
_STREET_LEADS = {"de", "het", "van", "ter", "ten", "den", "op", "in", "achter", "over", "'t"}

_MONTHS = (
    "januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
    "september", "oktober", "november", "december",
)
_MONTH_ABBR = ("jan", "feb", "mrt", "apr", "jun", "jul", "aug", "sep", "sept", "okt", "nov", "dec")
_DATE_RE = re.compile(
    r"(?<![\w/.-])(?:\d{1,2}[-/.]\d{1,2}[-/.](?:19|20)?\d{2}|(?:19|20)\d{2}-\d{1,2}-\d{1,2}"
    rf"|\d{{1,2}}\s+(?:{'|'.join(_MONTHS + _MONTH_ABBR)})\.?\s+(?:19|20)\d{{2}})(?![\w/-]|\.\d)",
    re.IGNORECASE,
)
# "geboren in maart 1979": a month and year only, after the word "geboren".
_BORN_MONTH_RE = re.compile(
    rf"(?i)\b(?:geboren|geb\.?)\s+(?:in\s+|op\s+)?((?:{'|'.join(_MONTHS + _MONTH_ABBR)})\.?\s+(?:19|20)\d{{2}})(?![\w/-])"
)
_DOB_CONTEXT_RE = re.compile(
    r"(?i)(?:\bgeboren\b|\bgeb\b\.?|\bgeboortedatum\b|\bgeb\.datum\b|\bd\.o\.b\.?)[^\n.;]{0,30}$"
)

_CASE_NO_RE = re.compile(
    r"(?i)\b(?:dossier(?:nummer|nr|-?id)?|klant(?:nummer|nr|-?id)|cli[eë]nt(?:nummer|nr|-?id)|zaak(?:nummer|nr|-?id)?"
    r"|relatie(?:nummer|nr)|registratie(?:nummer|nr)|kenmerk|referentie(?:nummer|nr)?|debiteur(?:nummer|nr)"
    r"|inschrijf(?:nummer|nr)|polis(?:nummer|nr)|contract(?:nummer|nr))\b\.?"
    r"(?:[\s:#,]*(?:nummer|nr\.?|is|was|van))*[\s:#]*"
    r"((?:[A-Z]{1,3}[/-]?)?\d[\d/-]*\d)(?![\w/-])"
)
_ZAAK_RE = re.compile(r"(?<![\w/])[A-Z]{1,3}/\d{2,4}/\d{3,}(?![\w/])")
# The product's own precedent numbers (corpus besluiten "MB-2025-030", promoted cases
# "MB-2025-C012") identify a published, pseudonymised decision, not a person: they stay.
_PRECEDENT_REF_RE = re.compile(r"MB-(?:19|20)\d{2}-C?\d{3,}")

# Dutch licence plates, all 14 sidecodes (L = letter, D = digit).
_SIDECODES = (
    "LL-DD-DD", "DD-DD-LL", "DD-LL-DD", "LL-DD-LL", "LL-LL-DD", "DD-LL-LL", "DD-LLL-D",
    "D-LLL-DD", "LL-DDD-L", "L-DDD-LL", "LLL-DD-L", "L-DD-LLL", "D-LL-DDD", "DDD-LL-D",
)


def _sidecode_pattern(code: str, dash: str) -> str:
    return dash.join("".join("[A-Z]" if c == "L" else r"\d" for c in part) for part in code.split("-"))


_PLATE_DASHED = "|".join(_sidecode_pattern(c, "-") for c in _SIDECODES)
_PLATE_COMPACT = "|".join(_sidecode_pattern(c, "") for c in _SIDECODES)
# In capitals with dashes a plate is recognised anywhere; in lower case or without dashes only
# after a word about a vehicle.
_PLATE_RE = re.compile(rf"(?<![\w-])(?:{_PLATE_DASHED})(?![\w-])")
_PLATE_LOOSE_RE = re.compile(rf"(?i)(?<![\w-])(?:{_PLATE_DASHED}|{_PLATE_COMPACT})(?![\w-])")
_PLATE_WORD_RE = re.compile(
    r"(?i)\b(?:kenteken\w*|auto|voertuig\w*|bus|bestelbus|bestelauto|scooter|brommer|motor\w*|aanhang\w*"
    r"|camper|caravan|wagen|rijdt|rdw\S*)\b"
)
_PLATE_CONTEXT_RE = re.compile(
    r"(?i)\b(?:kenteken\w*|auto|voertuig\w*|bus|bestelbus|bestelauto|scooter|brommer|motor\w*|aanhang\w*"
    r"|camper|caravan|wagen|rijdt|rdw\S*)\b[^\n.;]{0,30}$"
)

# Passport / identity card (2 letters, 6 letters or digits, 1 digit; checked by python-stdnum),
# driving licence and V-number (10 digits): only after a word naming the document.
_DOC_CONTEXT_RE = re.compile(
    r"(?i)\b(?:paspoort\w*|reisdocument\w*|identiteitskaart\w*|id-kaart\w*|identiteitsbewijs\w*|id"
    r"|legitimatie\w*|documentnummer|document|rijbewijs\w*|vreemdelingennummer|v-nummer"
    r"|verblijfsdocument\w*|verblijfspas\w*)\b[^\n;]{0,25}$"
)
_DOC_NO_RE = re.compile(r"(?<![\w-])([A-Za-z]{2}[A-Za-z0-9]{6}\d|\d{10})(?![\w-])")

# --------------------------------------------------------------------------- name rules

_TITLES = (
    r"mevrouw|mevr\.?|mw\.?|mej\.?|mejuffrouw|meneer|mijnheer|m\.?h\.?|dhr\.?|de\s+heer|heer"
    r"|mr\.?|dr\.?|drs\.?|ir\.?|ing\.?|prof\.?|fam\.?|familie|echtpaar"
)
_ROLES = (
    "zoon|dochter|zonen|dochters|broer|broertje|zus|zusje|zuster|moeder|vader|ouders|partner"
    "|echtgenoot|echtgenote|vrouw|man|kind|kinderen|kindje|baby|vriend|vriendin|ex|ex-partner|ex-man"
    "|ex-vrouw|oma|opa|neef|nicht|tante|oom|stiefvader|stiefmoeder|stiefzoon|stiefdochter|pleegkind"
    "|pleegzoon|pleegdochter|pleegmoeder|pleegvader|kleinzoon|kleindochter|schoonzoon|schoondochter"
    "|schoonmoeder|schoonvader|mantelzorger|huurder|verhuurder|cli[eë]nt|klant|jongere|jeugdige"
    "|vrijwilliger|bewindvoerder|mentor|curator|buurman|buurvrouw|huisgenoot|kostganger|voogd"
    "|contactpersoon|aanvrager|belanghebbende|betrokkene|medebewoner"
)
_INITIALS = rf"(?:[{_UP}]\.\s?){{1,5}}"
_TUSSEN_NAME = r"(?:[vV]an|[dD]e|[dD]er|[dD]en|[tT]er|[tT]en|[hH]et|'[tT]|[iI]n|'[sS]|[vV]on|[lL]e|[lL]a|[dD]i|[dD]a|[dD]u|[dD]os|[eE]l|[aA]l|[bB]in|[bB]en|[aA]it|[aA]bou|[uU]it)"
_NAME_WORD = rf"[{_UP}][{_LO}'’]+(?:-(?:{_TUSSEN_NAME}\s+)*[{_UP}][{_LO}'’]+)*"
# A full name: optional initials, tussenvoegsels only when a capitalised part follows.
_NAME_BODY = rf"(?:{_INITIALS})?(?:{_TUSSEN_NAME}\s+)*{_NAME_WORD}(?:\s+(?:{_TUSSEN_NAME}\s+)*{_NAME_WORD}){{0,2}}"

_TITLE_NAME_RE = re.compile(rf"(?i:\b(?:{_TITLES}))\s+(?i:(?:en\s+(?:{_TITLES})\s+))?({_NAME_BODY})")
_INITIAL_NAME_RE = re.compile(
    rf"(?<![\w.])((?:[{_UP}]\.\s?){{1,5}}(?:{_TUSSEN_NAME}\s+)*{_NAME_WORD}(?:-{_NAME_WORD})?)"
)
# After a role word a lowercase "van" is a preposition ("de moeder van Noah"), so the name must start capitalised.
_ROLE_NAME_RE = re.compile(rf"(?i:\b(?:{_ROLES}))(?:\s*[,:]\s*|\s+)((?=[{_UP}]){_NAME_BODY})")
_CAP_WORD_RE = re.compile(rf"(?<![\w'’-]){_NAME_WORD}(?![\w'’])")
_LOWER_TITLE_NAME_RE = re.compile(
    r"(?i:\b(?:mevrouw|mevr\.?|mw\.?|meneer|mijnheer|dhr\.?|de\s+heer))\s+"
    r"((?:(?:van|de|der|den|ter|ten)\s+)*[a-zß-öø-ÿ][a-zß-öø-ÿ'-]{2,})(?![\w-])"
)
# A whole name in lower case without a title: "piet de boer", "henk van der linden".
_LOWER_FULL_NAME_RE = re.compile(
    r"(?<![\w'’-])([a-zß-öø-ÿ][a-zß-öø-ÿ'-]{1,})\s+((?:(?:van|de|der|den|ter|ten|el|al|in\s+'t)\s+)*)"
    r"([a-zß-öø-ÿ][a-zß-öø-ÿ'-]{2,})(?![\w'’-])"
)
# A name in capitals after initials: "M. JANSEN-DE GROOT".
_CAPS_NAME_RE = re.compile(
    r"(?<![\w.])((?:[A-Z]\.\s?){1,5}(?:(?:VAN|DE|DER|DEN|TER|TEN)\s+)*[A-Z][A-Z'’]+"
    r"(?:-(?:(?:VAN|DE|DER|DEN|TER|TEN)\s+)*[A-Z][A-Z'’]+)*)(?![\w])"
)
# A bare surname opening a sentence is taken only before a verb that reports what a person did.
_REPORT_VERBS = (
    "belde|belt|mailde|mailt|meldt|meldde|vraagt|vroeg|heeft|had|wil|wilde|komt|kwam|zegt|zei|geeft|gaf"
    "|vertelt|vertelde|woont|woonde|werkt|werkte|stuurt|stuurde|ontvangt|ontving|krijgt|kreeg|dient|diende"
    "|verzoekt|verzocht|tekent|tekende|verscheen|verschijnt|reageert|reageerde|liet|laat"
)
_INITIAL_SURNAME_RE = re.compile(rf"(?:^|(?<=[.!?\n]))(\s*)({_NAME_WORD})\s+(?=(?:{_REPORT_VERBS})\b)")
# "Wet Mulder", "Wet Hillen": a law named after a person is legal text.
_LAW_NAME_BEFORE_RE = re.compile(r"(?i)\bwet\s+$")

# Lowercase words after a title that are also surnames in the lexicon.
_LOWER_NOT_NAMES = {"geeft", "belt", "heeft", "was", "wil", "komt", "zegt", "vertelt", "woont", "is", "en", "of"}
_COMPANY_AFTER_RE = re.compile(r"^\s*(?:B\.?V\.?|N\.?V\.?|V\.?O\.?F\.?|C\.?V\.?|Holding|Groep)\b")
_COORD_RE = re.compile(rf"^\s*(?:\([^()]{{0,20}}\)\s*)?(?:en|&)\s+({_NAME_BODY})")

# Capitalised words that look like names but are (part of) legal terms, institutions,
# roles, months or sentence starters in this domain.
_STOPWORDS = {
    w.casefold()
    for w in """
    Participatiewet Awb Wmo Jeugdwet Wsnp Wet Wetten Artikel Art Lid College Gemeente Gemeenten
    Lindewaarde Lindewaardepas UWV SVB CAK CJIB DUO Belastingdienst Toeslagen Rijk Rijksoverheid
    Raad Centrale Rechtbank Gerechtshof Hof Kantonrechter Beroep Verordening Beleidsregels Richtlijn
    Regeling Regel Regels Besluit Beleidsregel Richtsnoer Werkinstructie Toelichting Opschrift
    Divosa VNG Voedselbank Stichting Leergeld Vluchtelingenwerk Veilig Thuis Juridisch Loket
    Sociale Verzekeringsbank Kinderbescherming Wijkteam Team Noord Zuid Oost West Werk Inkomen
    Albert Heijn Jumbo Lidl Aldi Action Kruidvat Hema Kamerbrief Kamer Tweede Eerste Minister
    Ministerie Tozo Bbz Ioaw Ioaz AOW ANW WW WIA WAO Wajong Zvw Wlz BRP GBA DigiD BSN IBAN
    Kerst Kerstmis Pasen Pinksteren Koningsdag Nieuwjaar Sinterklaas Ramadan Suikerfeest
    Maandag Dinsdag Woensdag Donderdag Vrijdag Zaterdag Zondag
    Januari Februari Maart April Mei Juni Juli Augustus September Oktober November December
    Mevrouw Meneer Mijnheer Heer Dhr Mw Mevr Familie Cliënt Client Klant Klantmanager Consulent
    Jeugdconsulent Wmo-consulent Schuldhulpverlener Bewindvoerder Beschermingsbewindvoerder
    Huisarts Praktijk Zoon Dochter Moeder Vader Partner Ouders Kind Kinderen Broer Zus Baby
    Jongere Vrijwilliger Echtgenoot Echtgenote Huurder Verhuurder Mentor Curator
    Het De Een Er Op In Na Bij Met Van Voor Door Om Over Uit Tot En Of Maar Als Dan Dat Dit Deze
    Die Ook Nog Wel Niet Geen Zij Hij Ze Wij We Haar Zijn Hun Mijn Onze Uw Ik Graag Volgens Zoals
    Sinds Tijdens Wegens Inmiddels Afspraak Gesprek Gesproken Contact Melding Aanvraag Besluit
    Beschikking Bezwaar Betreft Adres Postcode Telefoon Telefoonnummer Mail Email E-mail Geboren
    Geboortedatum Dossier Dossiernummer Zaaknummer Klantnummer Relatienummer Kenmerk Huisnummer
    Nederland Nederlandse Nederlands Turkije Marokko Suriname Duitsland Belgie België Polen Syrië
    Eritrea Europa Duitse Belgische Turkse Marokkaanse Poolse Syrische
    Amsterdam Rotterdam Utrecht Den Haag Midden-Nederland Gelderland Holland Brabant Limburg
    Schuldrust Inkomensgegevens Uitbetaling Betaling Stortingen Huishouden Schuldhulp
    Schuldhulpverlening Jeugdhulp Jeugdzorg Opvang Nachtopvang Postbus Noot Let Zie
    """.split()
}


def _norm_key(text: str) -> str:
    return unicodedata.normalize("NFC", text).casefold()


@functools.lru_cache(maxsize=1)
def _builtin_first_names() -> frozenset[str]:
    # Fallback lexicon when deduce is absent: frequent first names in the Netherlands
    # (all generations, incl. Moroccan, Turkish, Surinamese, Polish, Syrian and Eritrean origin).
    names = """
    Aaliyah Aaron Abdel Abdelkader Abdelkarim Abdellah Abdul Abdullah Abdullahi Adam Adil Adnan Ahmad
    Ahmed Aisha Ayse Ayşe Akif Alexander Ali Alice Alicia Amal Amina Amir Amira Amy Ana Andrea Andries
    Angela Anita Anja Anke Ann Anna Anne Anneke Annemarie Annemieke Annie Anouk Anton Ard Arie Arjan
    Arjen Arno Astrid Aylin Ayoub Bart Bas Bastiaan Bayram Beatrix Ben Bernard Bert Bilal Bram Brenda
    Bryan Burak Carla Carolien Caroline Cas Casper Cees Chantal Charlotte Chris Christiaan Christian
    Claudia Cor Corry Daan Dani Daniel Daniëlle Danny David Dennis Desiree Dewi Dick Diana Dick Dirk
    Dylan Eddy Edwin Eline Elif Elisabeth Ella Emine Emma Emre Erik Esra Esther Eva Evelien Ewa Fatima
    Fatma Femke Finn Fleur Floor Frank Frans Freek Gerard Gerda Gerrit Gert Gijs Guus Hamza Hans Hanna
    Hannah Harm Hasan Hassan Hatice Hein Hendrik Henk Henny Herman Hiba Hilde Houda Hüseyin Ibrahim
    Ilse Imane Ineke Inge Ingrid Irene Iris Isa Isabel Ismail Ivo Jaap Jacob Jacqueline Jan Jan-Willem
    Jana Janneke Jasper Jayden Jeroen Jesse Jessica Joke Joost Jordy Joris Jos José Josef Julia Julian
    Karin Karim Kees Kevin Khadija Klaas Koen Laura Lars Leila Lena Levi Lieke Linda Lisa Liam Lotte
    Lucas Luuk Maarten Malika Manon Marco Marcel Maria Marian Mariam Marieke Marije Marinus Marjan
    Marloes Martijn Martin Mateusz Mehmet Meryem Michael Michiel Mila Milan Mirjam Mo Mohamed Mohammed
    Mohammad Monique Mustafa Naima Nadia Nadir Nick Niels Nienke Noah Noor Nora Nordin Nour Olga Omar
    Otto Patrick Paul Peter Petra Piet Pieter Priscilla Rachid Rachida Ramon Ria Richard Rik Rob Robert
    Robin Roel Ronald Rosa Ruben Rutger Saar Sam Samira Sander Sandra Sara Sarah Sem Senna Sevda Sharon
    Sietse Simone Sofia Sophie Stefan Stijn Suzanne Tamara Tess Teun Thijs Thomas Tim Tom Tomasz Ton
    Tygo Vera Wendy Willem Wim Yara Yasmina Yassin Yusuf Youssef Yvonne Zeynep Zoë
    """
    return frozenset(_norm_key(n) for n in names.split())


def _deduce_lookup_dir():
    """deduce's name lists, shipped as package data (assistant/data/deduce/, LGPL-3.0-or-later;
    see the README there): deduce itself cannot be a dependency (it pins regex<2025), and only
    its lists are read. None when the data is missing from the install."""
    root = resources.files("assistant").joinpath("data", "deduce")
    return root if root.joinpath("names", "lst_first_name", "items.txt").is_file() else None


def _read_items(path) -> set[str]:
    if not path.is_file():
        return set()
    return {line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()}


@functools.lru_cache(maxsize=1)
def _deduce_common_words() -> frozenset[str]:
    root = _deduce_lookup_dir()
    if root is None:
        return frozenset()
    words = _read_items(root.joinpath("whitelist", "lst_common_word", "items.txt"))
    words |= _read_items(root.joinpath("whitelist", "lst_stop_word", "items.txt"))
    return frozenset(_norm_key(w) for w in words)


@functools.lru_cache(maxsize=2)
def _deduce_names(kind: str) -> frozenset[str] | None:
    """deduce's list of first names (kind 'first_name') or surnames ('surname'), minus its own
    exceptions and minus Dutch words that it also lists as names ("Roos", "Hoop"), which would
    otherwise be replaced whenever they start a sentence."""
    root = _deduce_lookup_dir()
    if root is None:
        return None
    folder = root.joinpath("names", f"lst_{kind}")
    names = _read_items(folder.joinpath("items.txt")) - _read_items(folder.joinpath("exceptions.txt"))
    common = _deduce_common_words()
    return frozenset(
        _norm_key(n) for n in names if " " not in n and len(n) > 2 and _norm_key(n) not in common
    )


def _deduce_first_names() -> frozenset[str] | None:
    return _deduce_names("first_name")


def _deduce_surnames() -> frozenset[str] | None:
    return _deduce_names("surname")


@functools.lru_cache(maxsize=1)
def _builtin_surnames() -> frozenset[str]:
    # Fallback lexicon: the most frequent surnames in the Netherlands (without tussenvoegsel).
    names = """
    Jansen Jong Vries Berg Dijk Bakker Janssen Visser Smit Meijer Boer Mulder Groot Bos Vos Peters
    Hendriks Leeuwen Dekker Brouwer Wit Dijkstra Smits Graaf Meer Linden Kok Jacobs Haan Vermeulen
    Heuvel Veen Broek Bruijn Bruin Heijden Schouten Beek Willems Vliet Ven Hoekstra Maas Verhoeven
    Koster Dam Wal Prins Blom Huisman Peeters Jonge Kuipers Kuiper Veenstra Kramer Brink Scholten
    Wijk Postma Martens Vink Ruiter Timmermans Groen Gerritsen Jonker Loon Boer Velde Willemsen
    Smeets Lange Bosch Dongen Schipper Koning Laan Velden Driessen Doorn Hermans Evers Meulen Hofman
    Bosman Wolters Sanders Horst Mol Kuijpers Molenaar Pol Leeuw Verbeek Hoek Vermeer Pietersen
    Wouters Lammers Visscher Brouwers Mertens Claassen Verhagen Dijkman Wijnands Bouwman Kaya Demir
    Yilmaz Yılmaz Şahin Sahin Çelik Celik Yildiz Yıldız Öztürk Ozturk Aydin Aydın Arslan Doğan Dogan
    Kılıç Kilic Özdemir Ozdemir Amrani Idrissi Ouali Bouzid Boukhari Haddou Tahiri Benali Ahmadi
    Mohamed Hassan Ali Kowalski Nowak Wiśniewski Lewandowski Kowalczyk Koopman Ruijter Kooistra
    """
    return frozenset(_norm_key(n) for n in names.split())


_DEDUCE_LOCK = threading.Lock()
_DEDUCE_MODEL = None


def _load_deduce_model():
    global _DEDUCE_MODEL
    with _DEDUCE_LOCK:
        if _DEDUCE_MODEL is None:
            from deduce import Deduce  # imported lazily: ~8 s to load its lookup structures

            _DEDUCE_MODEL = Deduce()
        return _DEDUCE_MODEL


_TITLE_PREFIX_RE = re.compile(rf"^(?i:(?:{_TITLES}|{_ROLES})\b\.?\s*)+")


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
    months = {name: i + 1 for i, name in enumerate(_MONTHS)}
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
                lexicon = _deduce_first_names()
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
            self._first_names = lexicon or _builtin_first_names()
            self._surnames = (_deduce_surnames() if lexicon else None) or _builtin_surnames()
            self._use_full_deduce = use_deduce == "full"
        self.name_backend = (
            "off" if not detect_names
            else "rules+deduce-pipeline" if self._use_full_deduce
            else "rules+deduce-lexicon" if use_deduce is not False and _deduce_first_names() is not None
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
        found = [Finding("EMAIL", m.start(), m.end(), m.group(0)) for m in _EMAIL_RE.finditer(text)]
        if "@" in text or _OBF_AT_WORD_RE.search(text):
            found += [Finding("EMAIL", m.start(), m.end(), m.group(0)) for m in _OBF_EMAIL_RE.finditer(text)]
        return found

    @staticmethod
    def _ibans(text: str) -> list[Finding]:
        found = []
        for m in _IBAN_START_RE.finditer(text):
            country = m.group(0)[:2].upper()
            if country not in _IBAN_LENGTHS:
                continue
            # Walk the BBAN allowing a single space or dash between characters until the
            # country's length is reached, then demand a boundary and a valid checksum.
            need = _IBAN_LENGTHS[country] - 4
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
        for m in _BSN_RE.finditer(text):
            value = m.group(1)
            digits = re.sub(r"\D", "", value)
            groups = re.split(r"[ .-]", value)
            if len(set(re.findall(r"[ .-]", value))) > 1 or (len(groups) > 1 and min(map(len, groups)) < 2):
                continue  # mixed separators or one-digit groups: a date, an amount, a list
            if len(digits) == 8 and not _BSN_CONTEXT_RE.search(text[: m.start()]):
                continue  # 8 digits are too common to accept without a BSN label
            if "." in value and _AMOUNT_BEFORE_RE.search(text[: m.start()]):
                continue  # "€ 123.456.789"
            if elfproef(digits):
                found.append(Finding("BSN", m.start(1), m.end(1), value))
        return found

    @staticmethod
    def _documents(text: str) -> list[Finding]:
        found = []
        for m in _DOC_NO_RE.finditer(text):
            value = m.group(1)
            if not _DOC_CONTEXT_RE.search(text[: m.start()]):
                continue
            if not value.isdigit() and not _stdnum_nl_id.is_valid(value.upper()):
                continue
            found.append(Finding("DOCUMENTNUMMER", m.start(1), m.end(1), value))
        return found

    @staticmethod
    def _plates(text: str) -> list[Finding]:
        found = [Finding("KENTEKEN", m.start(), m.end(), m.group(0)) for m in _PLATE_RE.finditer(text)]
        if not _PLATE_WORD_RE.search(text):
            return found
        for m in _PLATE_LOOSE_RE.finditer(text):
            if _PLATE_CONTEXT_RE.search(text[: m.start()]) and any(c.isalpha() for c in m.group(0)):
                found.append(Finding("KENTEKEN", m.start(), m.end(), m.group(0)))
        return found

    @staticmethod
    def _phones(text: str) -> list[Finding]:
        found = []
        for m in _PHONE_RE.finditer(text):
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
        for m in _CASE_NO_RE.finditer(text):
            value = m.group(1)
            digits = re.sub(r"\D", "", value)
            if len(digits) < 5 or re.fullmatch(r"(?:19|20)\d{2}", value) or _PRECEDENT_REF_RE.fullmatch(value):
                continue
            found.append(Finding("DOSSIERNUMMER", m.start(1), m.end(1), value))
        for m in _ZAAK_RE.finditer(text):
            found.append(Finding("DOSSIERNUMMER", m.start(), m.end(), m.group(0)))
        return found

    @staticmethod
    def _birth_dates(text: str) -> list[Finding]:
        found = []
        for m in _DATE_RE.finditer(text):
            before = text[: m.start()]
            if _DOB_CONTEXT_RE.search(before) or _date_after_name(text, m.start(), m.end()):
                found.append(Finding("GEBOORTEDATUM", m.start(), m.end(), m.group(0)))
        for m in _BORN_MONTH_RE.finditer(text):
            found.append(Finding("GEBOORTEDATUM", m.start(1), m.end(1), m.group(1)))
        return found

    @staticmethod
    def _postcodes(text: str) -> list[Finding]:
        return [Finding("POSTCODE", m.start(), m.end(), m.group(0)) for m in _POSTCODE_RE.finditer(text)]

    def _addresses(self, text: str) -> list[Finding]:
        found = []
        for m in [*_STREET_RE.finditer(text), *_STREET_PREFIX_RE.finditer(text)]:
            # Leading capitalised words are kept only when they belong to the street name
            # ("Van Goghlaan", "Prins Hendrikkade"), not a sentence starter or a name before it.
            words = list(re.finditer(r"\S+", m.group(1)))
            while (
                len(words) > 1
                and _norm_key(words[0].group(0)) in _STOPWORDS
                and words[0].group(0) not in ("Van", "Ter", "Ten")  # Van Goghlaan, Ter Haarstraat
            ) or (len(words) > 1 and _norm_key(words[0].group(0)) in self._first_names):
                words.pop(0)
            if _norm_key(words[-1].group(0)) in _STOPWORDS:
                continue
            start = m.start(1) + words[0].start()
            found.append(Finding("ADRES", start, m.end(2), text[start : m.end(2)]))
        for m in [*_CONTEXT_STREET_RE.finditer(text), *_POSTCODE_STREET_RE.finditer(text)]:
            words = list(re.finditer(r"\S+", m.group(1)))
            if all(_norm_key(w.group(0)) in _STOPWORDS for w in words):
                continue  # "Utrecht 3", "Postbus 12", "Artikel 4"
            trimmed = list(words)
            while trimmed and _norm_key(trimmed[0].group(0)) in _STOPWORDS and _norm_key(trimmed[0].group(0)) not in _STREET_LEADS:
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
            while tokens and _norm_key(tokens[0].group(0).rstrip(".,")) in _STOPWORDS:
                # "De Vries", "Van der Linden": a tussenvoegsel before a capitalised part belongs to the name.
                if re.fullmatch(_TUSSEN_NAME, tokens[0].group(0)) and len(tokens) > 1:
                    break
                tokens.pop(0)
            while tokens and _norm_key(tokens[-1].group(0).rstrip(".,")) in _STOPWORDS:
                tokens.pop()
            while tokens and re.fullmatch(_TUSSEN_NAME, tokens[-1].group(0)):
                tokens.pop()
            if not tokens:
                return
            s, e = start + tokens[0].start(), start + tokens[-1].end()
            caps = [
                t.group(0) for t in tokens
                if t.group(0)[:1].isupper() and not re.fullmatch(_TUSSEN_NAME, t.group(0))
            ]
            if not caps or any(_norm_key(t.rstrip(".,")) in _STOPWORDS for t in caps):
                return
            if all(t.isupper() and len(t) > 1 for t in caps):
                return  # abbreviations such as UWV, CAK
            if _COMPANY_AFTER_RE.match(text[e:]) or _LAW_NAME_BEFORE_RE.search(text[:s]):
                return
            spans.append((s, e))

        for rx in (_TITLE_NAME_RE, _INITIAL_NAME_RE, _ROLE_NAME_RE):
            for m in rx.finditer(text):
                add(m.start(1), m.end(1))

        # Known first names, optionally followed by tussenvoegsels + surname(s).
        for m in _CAP_WORD_RE.finditer(text):
            word = m.group(0)
            first = word.split("-")[0]
            if _norm_key(word) in self._first_names or (
                "-" in word and _norm_key(first) in self._first_names
            ):
                if _norm_key(word) in _STOPWORDS:
                    continue
                tail = re.match(
                    rf"(?:\s+(?:{_TUSSEN_NAME}\s+)*{_NAME_WORD}){{0,2}}", text[m.end() :]
                )
                end = m.end() + (len(tail.group(0)) if tail else 0)
                add(m.start(), end)

        # Known surnames mid-sentence ("terugbelverzoek van Hofman"); at a sentence start a
        # capitalised word is too often an ordinary word, so there we rely on the other rules.
        for m in _CAP_WORD_RE.finditer(text):
            if _norm_key(m.group(0)) not in self._surnames or _norm_key(m.group(0)) in _STOPWORDS:
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
                first = re.search(rf"(?<![\w'’-])({_NAME_WORD})\s+$", text[:start])
                if first and _norm_key(first.group(1)) not in _STOPWORDS:
                    start = first.start(1)
            add(start, m.end())

        # A whole name typed in lower case: a known first name, then (tussenvoegsels and) a known
        # surname. Without a tussenvoegsel both words must be names ("piet jansen").
        for w in re.finditer(r"(?<![\w'’-])[a-zß-öø-ÿ]", text):
            m = _LOWER_FULL_NAME_RE.match(text, w.start())
            if m is None:
                continue
            first, tussen, last = _norm_key(m.group(1)), m.group(2), _norm_key(m.group(3))
            if first not in self._first_names or last not in self._surnames:
                continue
            if {first, last} & (_STOPWORDS | _LOWER_NOT_NAMES) or _LAW_NAME_BEFORE_RE.search(text[: m.start()]):
                continue
            spans.append((m.start(1), m.end(3)))

        # Names in capitals after initials, when a part is a known name.
        for m in _CAPS_NAME_RE.finditer(text):
            parts = [p for p in re.split(r"[\s.-]+", m.group(1)) if len(p) > 2]
            if any(_norm_key(p) in self._surnames or _norm_key(p) in self._first_names for p in parts):
                spans.append((m.start(1), m.end(1)))

        # "Hofstede belde vandaag": a known surname opening a sentence, before a reporting verb.
        for m in _INITIAL_SURNAME_RE.finditer(text):
            key = _norm_key(m.group(2))
            if (key in self._surnames or key in self._first_names) and key not in _STOPWORDS:
                add(m.start(2), m.end(2))

        # Professionals often type names in lowercase after a title: "mevrouw jansen".
        for m in _LOWER_TITLE_NAME_RE.finditer(text):
            last = m.group(1).split()[-1]
            key = _norm_key(last)
            if key in (self._surnames | self._first_names) and key not in _STOPWORDS and key not in _LOWER_NOT_NAMES:
                spans.append((m.start(1), m.end(1)))

        if self._use_full_deduce:
            for start, end in _deduce_person_spans(text):
                add(start, end)

        # "Sem (08-06-2015) en Julia": a coordinated capitalised word after a name is a name too.
        for start, end in list(spans):
            m = _COORD_RE.match(text[end:])
            if m:
                add(end + m.start(1), end + m.end(1))

        spans = _merge(spans)
        # Every other occurrence of a detected name (or its surname) is the same person.
        extra: list[tuple[int, int]] = []
        for start, end in spans:
            value = text[start:end]
            parts = {value}
            last = value.split()[-1]
            if len(last) > 2 and _norm_key(last) not in _STOPWORDS:
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
    m = re.search(rf"({_NAME_WORD})\s*\($", text[:start])
    return bool(m) and _norm_key(m.group(1)) not in _STOPWORDS


def _deduce_person_spans(text: str) -> Iterable[tuple[int, int]]:
    doc = _load_deduce_model().deidentify(text)
    for ann in doc.annotations:
        if "persoon" not in ann.tag and "patient" not in ann.tag:
            continue
        start, end = ann.start_char, ann.end_char
        prefix = _TITLE_PREFIX_RE.match(text[start:end])
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


# --------------------------------------------------------------------------- corpus documents

# Published law, policy and case law: personal names in them are public office holders or
# already pseudonymised parties, and their citations, dates and numbers must stay intact. Only
# the kinds that never belong in such a text (a citizen's numbers and contact data) are removed.
# Everything else (besluiten, werkinstructies, overig: whatever a jurist uploads) gets all kinds.
PUBLIC_SOURCE_TYPES = frozenset(
    {"wet", "amvb", "ministeriele_regeling", "verordening", "beleidsregel", "richtsnoer", "uitspraak"}
)
NUMBER_KINDS = ("BSN", "IBAN", "TELEFOON", "EMAIL", "KENTEKEN", "DOCUMENTNUMMER")
# Bump when the corpus scrubbing changes: an index built before is scrubbed again on the next run.
CORPUS_PRIVACY_VERSION = "1"
CORPUS_PLACEHOLDER_RE = re.compile(r"\[(?:%s)\]" % "|".join(KINDS))


def corpus_kinds(source_type: str) -> tuple[str, ...]:
    """Which kinds of personal data are removed from a corpus document of this type."""
    return NUMBER_KINDS if source_type in PUBLIC_SOURCE_TYPES else KINDS


def strip_corpus_placeholders(text: str) -> str:
    return CORPUS_PLACEHOLDER_RE.sub(lambda m: " " * len(m.group(0)), text)


def format_counts(counts: dict[str, int]) -> str:
    """'2 BSN, 1 IBAN, 3 NAAM' in KINDS order; 'geen' when nothing was replaced."""
    parts = [f"{counts[k]} {k}" for k in KINDS if counts.get(k)]
    return ", ".join(parts) if parts else "geen"


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
