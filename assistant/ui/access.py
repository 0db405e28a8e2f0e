"""Which role sees which page. One table, read by the navigation (what is listed) and by every
page on every run (what may render), so the two can never disagree."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from assistant.identity.auth import ROLES

_PAGES_DIR = Path(__file__).resolve().parent / "pages"


@dataclass(frozen=True)
class PageSpec:
    key: str  # also the url path
    title: str  # Dutch, as shown in the navigation
    icon: str
    name: str  # file in assistant/ui/pages/
    roles: tuple[str, ...]

    @property
    def file(self) -> str:
        # Absolute, so the pages resolve from any main script (checkout or installed package).
        return str(_PAGES_DIR / self.name)


PAGES: tuple[PageSpec, ...] = (
    PageSpec("vraag", "Vraag en casus", ":material/chat:", "vraag.py", ("professional",)),
    PageSpec("mijn-casussen", "Mijn casussen", ":material/folder_open:", "mijn_casussen.py",
             ("professional",)),
    PageSpec("beoordelen", "Beoordelen", ":material/fact_check:", "beoordelen.py", ("kwaliteit",)),
    PageSpec("knelpunten", "Knelpunten", ":material/report:", "knelpunten.py",
             ("kwaliteit", "beheerder")),
    PageSpec("corpus", "Corpus", ":material/library_books:", "corpus.py", ("jurist", "beheerder")),
    PageSpec("toets", "Uitvoeringstoets", ":material/rule:", "toets.py", ("kwaliteit", "jurist", "beheerder")),
    PageSpec("gebruikers", "Gebruikers", ":material/group:", "gebruikers.py", ("beheerder",)),
    PageSpec("verantwoording", "Verantwoording", ":material/info:", "verantwoording.py", ROLES),
)
BY_KEY = {p.key: p for p in PAGES}


def pages_for(role: str) -> list[PageSpec]:
    return [p for p in PAGES if role in p.roles]


def may_see(role: str | None, key: str) -> bool:
    return role is not None and key in BY_KEY and role in BY_KEY[key].roles
