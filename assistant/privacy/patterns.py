"""The patterns of Dutch personal data: checksums (elfproef, IBAN), numbers, e-mail and phone,
addresses and postcodes, dates of birth, licence plates and document numbers, and the rules
that find names (titles, initials, roles)."""

from __future__ import annotations

import re

from stdnum import iban as _stdnum_iban
from stdnum.nl import bsn as _stdnum_bsn


# The kinds of personal data, each replaced by its own placeholder ([BSN-1], [NAAM-2], ...).
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


# --------------------------------------------------------------------------- checksums


def elfproef(digits: str) -> bool:
    """BSN check (python-stdnum): 9 digits (an 8-digit BSN is read with a leading zero),
    weights 9..2 and -1; separators (spaces, dots, dashes) are ignored."""
    compact = re.sub(r"[\s.-]", "", digits)
    if not compact.isdigit() or len(compact) not in (8, 9) or not compact.strip("0"):
        return False
    return _stdnum_bsn.is_valid(compact)


IBAN_LENGTHS = {
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
EMAIL_RE = re.compile(r"(?<![\w.+-])[\w.+-]+@(?=[\w-]*[A-Za-z])[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}(?![\w-])")

# Obfuscated addresses as people type them to dodge spam filters: "j.smit at ziggo punt nl",
# "p.devries[at]hotmail[dot]com", "k.bakker (at) kpnmail (punt) nl", "s.yilmaz @ outlook . com".
# A known top-level domain at the end keeps "at" (also a Dutch verb form) from matching prose.
_OBF_AT = r"(?:\s*@\s*|\s*[\[({]\s*(?:at|apenstaartje)\s*[\])}]\s*|\s+(?:at|apenstaartje)\s+)"
_OBF_DOT = r"(?:\s*\.\s*|\s*[\[({]\s*(?:dot|punt)\s*[\])}]\s*|\s+(?:dot|punt)\s+)"
_OBF_TLD = r"(?:nl|com|be|org|net|eu|de|info|fr|uk|biz|online|email|me|io|co)"
OBF_AT_WORD_RE = re.compile(r"(?i)\b(?:at|apenstaartje)\b")
OBF_EMAIL_RE = re.compile(
    rf"(?i)(?<![\w.+@-])[\w+-]+(?:(?:\.|\s+punt\s+|\s*[\[(]\s*(?:dot|punt)\s*[\])]\s*)[\w+-]+)*"
    rf"{_OBF_AT}[\w-]+(?:{_OBF_DOT}[\w-]+)*?{_OBF_DOT}{_OBF_TLD}(?![\w])"
)

# Country code and check digits, optionally spaced ("NL 78 SNSB ..." only in capitals).
IBAN_START_RE = re.compile(r"(?<![A-Za-z0-9])(?:[A-Za-z]{2}-?\d{2}|[A-Z]{2} \d{2})(?=[ -]?[A-Za-z0-9])")

# Nine digits in any grouping with one kind of separator ("253-082-043", "4863 98 584",
# "734 18 35 62", "403.378.783"); the elfproef decides. Not glued to other digit groups.
BSN_RE = re.compile(r"(?<![\w.,/-])(?<!\d[ .-])(\d(?:[ .-]?\d){7,8})(?![\w/-]|[.,]\d|[ .-]\d)")
AMOUNT_BEFORE_RE = re.compile(r"(?i)(?:€|\beur|\beuro|\bbedrag(?:\s+van)?)\s*$")
BSN_CONTEXT_RE = re.compile(r"(?i)\b(?:bsn|burgerservicenummer|sofi-?nummer|sofinr)\b[^\n\d]{0,30}$")

# A phone candidate is any run of digits with phone separators starting like a
# Dutch or international number; validity is decided on the digit count below.
PHONE_RE = re.compile(
    r"(?<![\w+/.,-])(?:(?:\+|00)\s?\d{2,3}\s?(?:\(0\)\s?)?[-\s]?|\(0\d{1,3}\)\s?|0)"
    r"\d(?:(?:\s?[-.]\s?|\s)?\d){6,12}(?![\w])"
)

POSTCODE_RE = re.compile(r"(?<![\w/-])([1-9]\d{3}) ?(?!SA|SD|SS|BW)([A-Z]{2})(?![\w-])")
# "sinds 2024 HO", "per 2026 WW": a year after a word of time, with an abbreviation after it (HO is
# huishoudelijke ondersteuning), is not a postcode.
YEAR_BEFORE_RE = re.compile(r"\b(?:sinds|vanaf|per|in|tot|t/m|na|voor|begin|eind|medio|jan\w*|feb\w*|maart|mrt|"
                            r"apr\w*|mei|jun\w*|jul\w*|aug\w*|sep\w*|okt\w*|oct\w*|nov\w*|dec\w*)\.?\s+$", re.I)

_STREET_SUFFIXES = (
    "straat", "weg", "laan", "plein", "gracht", "kade", "singel", "dijk", "hof", "pad",
    "dreef", "steeg", "markt", "steenweg", "plantsoen", "park", "erf", "baan", "wal",
    "haven", "ring", "boulevard", "dam", "dwarsstraat", "kwartier", "hoven", "kamp",
    "veld", "straatweg", "zijde", "burg", "hage", "akker", "hoek",
)
_TUSSEN = r"(?:van|de|der|den|het|ter|ten|'t|in\s+'t|v\.d\.)"
STREET_RE = re.compile(
    rf"(?<![\w-])((?:(?:[{_UP}][\w'.-]*|\d+e|Sint|St\.)\s+(?:{_TUSSEN}\s+)*){{0,3}}"
    rf"[{_UP}][\w'’-]*(?:{'|'.join(_STREET_SUFFIXES)}))"
    rf"\s+(\d{{1,5}}(?:[-\s]?(?:I{{1,3}}|IV|hs|bis|bg|huis|[a-zA-Z])(?![\w])|-\d{{1,3}}(?!\d))?)(?![\w,.]\d|\w|-\d)"
)

_STREET_WORDS = "Laan|Weg|Plein|Kade|Singel|Dijk|Markt|Gracht|Straat|Pad|Hof|Dreef|Steeg|Wal|Haven|Ring|Dam|Plantsoen|Park"
STREET_PREFIX_RE = re.compile(
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
CONTEXT_STREET_RE = re.compile(rf"{_ADDR_CONTEXT}(?:[^.\n;:]{{0,30}}?[\s,(])?\s*{_STREET_PHRASE}\s+{_HOUSE_NO}")
POSTCODE_STREET_RE = re.compile(
    rf"(?<![\w-]){_STREET_PHRASE}\s+{_HOUSE_NO}(?=\s*,?\s*[1-9]\d{{3}} ?[A-Z]{{2}}(?![\w-]))"
)
# Leading words that belong to a street name even though they are stopwords elsewhere.
STREET_LEADS = {"de", "het", "van", "ter", "ten", "den", "op", "in", "achter", "over", "'t"}

MONTHS = (
    "januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
    "september", "oktober", "november", "december",
)
_MONTH_ABBR = ("jan", "feb", "mrt", "apr", "jun", "jul", "aug", "sep", "sept", "okt", "nov", "dec")
DATE_RE = re.compile(
    r"(?<![\w/.-])(?:\d{1,2}[-/.]\d{1,2}[-/.](?:19|20)?\d{2}|(?:19|20)\d{2}-\d{1,2}-\d{1,2}"
    rf"|\d{{1,2}}\s+(?:{'|'.join(MONTHS + _MONTH_ABBR)})\.?\s+(?:19|20)\d{{2}})(?![\w/-]|\.\d)",
    re.IGNORECASE,
)
# "geboren in maart 1979": a month and year only, after the word "geboren".
BORN_MONTH_RE = re.compile(
    rf"(?i)\b(?:geboren|geb\.?)\s+(?:in\s+|op\s+)?((?:{'|'.join(MONTHS + _MONTH_ABBR)})\.?\s+(?:19|20)\d{{2}})(?![\w/-])"
)
DOB_CONTEXT_RE = re.compile(
    r"(?i)(?:\bgeboren\b|\bgeb\b\.?|\bgeboortedatum\b|\bgeb\.datum\b|\bd\.o\.b\.?)[^\n.;]{0,30}$"
)

CASE_NO_RE = re.compile(
    r"(?i)\b(?:dossier(?:nummer|nr|-?id)?|klant(?:nummer|nr|-?id)|cli[eë]nt(?:nummer|nr|-?id)|zaak(?:nummer|nr|-?id)?"
    r"|relatie(?:nummer|nr)|registratie(?:nummer|nr)|kenmerk|referentie(?:nummer|nr)?|debiteur(?:nummer|nr)"
    r"|inschrijf(?:nummer|nr)|polis(?:nummer|nr)|contract(?:nummer|nr))\b\.?"
    r"(?:[\s:#,]*(?:nummer|nr\.?|is|was|van))*[\s:#]*"
    r"((?:[A-Z]{1,3}[/-]?)?\d[\d/-]*\d)(?![\w/-])"
)
ZAAK_RE = re.compile(r"(?<![\w/])[A-Z]{1,3}/\d{2,4}/\d{3,}(?![\w/])")
# The product's own precedent numbers (corpus besluiten "MB-2025-030", promoted cases
# "MB-2025-C012") identify a published, pseudonymised decision, not a person: they stay.
PRECEDENT_REF_RE = re.compile(r"MB-(?:19|20)\d{2}-C?\d{3,}")

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
PLATE_RE = re.compile(rf"(?<![\w-])(?:{_PLATE_DASHED})(?![\w-])")
PLATE_LOOSE_RE = re.compile(rf"(?i)(?<![\w-])(?:{_PLATE_DASHED}|{_PLATE_COMPACT})(?![\w-])")
PLATE_WORD_RE = re.compile(
    r"(?i)\b(?:kenteken\w*|auto|voertuig\w*|bus|bestelbus|bestelauto|scooter|brommer|motor\w*|aanhang\w*"
    r"|camper|caravan|wagen|rijdt|rdw\S*)\b"
)
PLATE_CONTEXT_RE = re.compile(
    r"(?i)\b(?:kenteken\w*|auto|voertuig\w*|bus|bestelbus|bestelauto|scooter|brommer|motor\w*|aanhang\w*"
    r"|camper|caravan|wagen|rijdt|rdw\S*)\b[^\n.;]{0,30}$"
)

# Passport / identity card (2 letters, 6 letters or digits, 1 digit; checked by python-stdnum),
# driving licence and V-number (10 digits): only after a word naming the document.
DOC_CONTEXT_RE = re.compile(
    r"(?i)\b(?:paspoort\w*|reisdocument\w*|identiteitskaart\w*|id-kaart\w*|identiteitsbewijs\w*|id"
    r"|legitimatie\w*|documentnummer|document|rijbewijs\w*|vreemdelingennummer|v-nummer"
    r"|verblijfsdocument\w*|verblijfspas\w*)\b[^\n;]{0,25}$"
)
DOC_NO_RE = re.compile(r"(?<![\w-])([A-Za-z]{2}[A-Za-z0-9]{6}\d|\d{10})(?![\w-])")

# --------------------------------------------------------------------------- name rules

TITLES = (
    r"mevrouw|mevr\.?|mw\.?|mej\.?|mejuffrouw|meneer|mijnheer|m\.?h\.?|dhr\.?|de\s+heer|heer"
    r"|mr\.?|dr\.?|drs\.?|ir\.?|ing\.?|prof\.?|fam\.?|familie|echtpaar"
)
ROLES = (
    "zoon|dochter|zonen|dochters|broer|broertje|zus|zusje|zuster|moeder|vader|ouders|partner"
    "|echtgenoot|echtgenote|vrouw|man|kind|kinderen|kindje|baby|vriend|vriendin|ex|ex-partner|ex-man"
    "|ex-vrouw|oma|opa|neef|nicht|tante|oom|stiefvader|stiefmoeder|stiefzoon|stiefdochter|pleegkind"
    "|pleegzoon|pleegdochter|pleegmoeder|pleegvader|kleinzoon|kleindochter|schoonzoon|schoondochter"
    "|schoonmoeder|schoonvader|mantelzorger|huurder|verhuurder|cli[eë]nt|klant|jongere|jeugdige"
    "|vrijwilliger|bewindvoerder|mentor|curator|buurman|buurvrouw|huisgenoot|kostganger|voogd"
    "|contactpersoon|aanvrager|belanghebbende|betrokkene|medebewoner"
)
_INITIALS = rf"(?:[{_UP}]\.\s?){{1,5}}"
TUSSEN_NAME = r"(?:[vV]an|[dD]e|[dD]er|[dD]en|[tT]er|[tT]en|[hH]et|'[tT]|[iI]n|'[sS]|[vV]on|[lL]e|[lL]a|[dD]i|[dD]a|[dD]u|[dD]os|[eE]l|[aA]l|[bB]in|[bB]en|[aA]it|[aA]bou|[uU]it)"
NAME_WORD = rf"[{_UP}][{_LO}'’]+(?:-(?:{TUSSEN_NAME}\s+)*[{_UP}][{_LO}'’]+)*"
# A full name: optional initials, tussenvoegsels only when a capitalised part follows.
_NAME_BODY = rf"(?:{_INITIALS})?(?:{TUSSEN_NAME}\s+)*{NAME_WORD}(?:\s+(?:{TUSSEN_NAME}\s+)*{NAME_WORD}){{0,2}}"

TITLE_NAME_RE = re.compile(rf"(?i:\b(?:{TITLES}))\s+(?i:(?:en\s+(?:{TITLES})\s+))?({_NAME_BODY})")
INITIAL_NAME_RE = re.compile(
    rf"(?<![\w.])((?:[{_UP}]\.\s?){{1,5}}(?:{TUSSEN_NAME}\s+)*{NAME_WORD}(?:-{NAME_WORD})?)"
)
# After a role word a lowercase "van" is a preposition ("de moeder van Noah"), so the name must start capitalised.
ROLE_NAME_RE = re.compile(rf"(?i:\b(?:{ROLES}))(?:\s*[,:]\s*|\s+)((?=[{_UP}]){_NAME_BODY})")
CAP_WORD_RE = re.compile(rf"(?<![\w'’-]){NAME_WORD}(?![\w'’])")
LOWER_TITLE_NAME_RE = re.compile(
    r"(?i:\b(?:mevrouw|mevr\.?|mw\.?|meneer|mijnheer|dhr\.?|de\s+heer))\s+"
    r"((?:(?:van|de|der|den|ter|ten)\s+)*[a-zß-öø-ÿ][a-zß-öø-ÿ'-]{2,})(?![\w-])"
)
# A whole name in lower case without a title: "piet de boer", "henk van der linden".
LOWER_FULL_NAME_RE = re.compile(
    r"(?<![\w'’-])([a-zß-öø-ÿ][a-zß-öø-ÿ'-]{1,})\s+((?:(?:van|de|der|den|ter|ten|el|al|in\s+'t)\s+)*)"
    r"([a-zß-öø-ÿ][a-zß-öø-ÿ'-]{2,})(?![\w'’-])"
)
# A name in capitals after initials: "M. JANSEN-DE GROOT".
CAPS_NAME_RE = re.compile(
    r"(?<![\w.])((?:[A-Z]\.\s?){1,5}(?:(?:VAN|DE|DER|DEN|TER|TEN)\s+)*[A-Z][A-Z'’]+"
    r"(?:-(?:(?:VAN|DE|DER|DEN|TER|TEN)\s+)*[A-Z][A-Z'’]+)*)(?![\w])"
)
# A bare surname opening a sentence is taken only before a verb that reports what a person did.
_REPORT_VERBS = (
    "belde|belt|mailde|mailt|meldt|meldde|vraagt|vroeg|heeft|had|wil|wilde|komt|kwam|zegt|zei|geeft|gaf"
    "|vertelt|vertelde|woont|woonde|werkt|werkte|stuurt|stuurde|ontvangt|ontving|krijgt|kreeg|dient|diende"
    "|verzoekt|verzocht|tekent|tekende|verscheen|verschijnt|reageert|reageerde|liet|laat"
)
INITIAL_SURNAME_RE = re.compile(rf"(?:^|(?<=[.!?\n]))(\s*)({NAME_WORD})\s+(?=(?:{_REPORT_VERBS})\b)")
# "Wet Mulder", "Wet Hillen": a law named after a person is legal text.
LAW_NAME_BEFORE_RE = re.compile(r"(?i)\bwet\s+$")

# Lowercase words after a title that are also surnames in the lexicon.
LOWER_NOT_NAMES = {"geeft", "belt", "heeft", "was", "wil", "komt", "zegt", "vertelt", "woont", "is", "en", "of"}
COMPANY_AFTER_RE = re.compile(r"^\s*(?:B\.?V\.?|N\.?V\.?|V\.?O\.?F\.?|C\.?V\.?|Holding|Groep)\b")
COORD_RE = re.compile(rf"^\s*(?:\([^()]{{0,20}}\)\s*)?(?:en|&)\s+({_NAME_BODY})")

# Capitalised words that look like names but are (part of) legal terms, institutions,
# roles, months or sentence starters in this domain.
STOPWORDS = {
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
