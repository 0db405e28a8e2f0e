"""Which role sees which page. One table, read by the navigation (what is listed) and by every
page on every run (what may render), so the two can never disagree."""

from __future__ import annotations

from dataclasses import dataclass

from assistant.auth import ROLES


@dataclass(frozen=True)
class PageSpec:
    key: str  # also the url path
    title: str  # Dutch, as shown in the navigation
    icon: str
    file: str  # relative to the repository root (the main script's folder)
    roles: tuple[str, ...]


PAGES: tuple[PageSpec, ...] = (
    PageSpec("vraag", "Vraag en casus", ":material/chat:", "assistant/ui/pages/vraag.py", ("professional",)),
    PageSpec("mijn-casussen", "Mijn casussen", ":material/folder_open:", "assistant/ui/pages/mijn_casussen.py",
             ("professional",)),
    PageSpec("beoordelen", "Beoordelen", ":material/fact_check:", "assistant/ui/pages/beoordelen.py", ("kwaliteit",)),
    PageSpec("knelpunten", "Knelpunten", ":material/report:", "assistant/ui/pages/knelpunten.py",
             ("kwaliteit", "beheerder")),
    PageSpec("corpus", "Corpus", ":material/library_books:", "assistant/ui/pages/corpus.py", ("jurist", "beheerder")),
    PageSpec("gebruikers", "Gebruikers", ":material/group:", "assistant/ui/pages/gebruikers.py", ("beheerder",)),
    PageSpec("verantwoording", "Verantwoording", ":material/info:", "assistant/ui/pages/verantwoording.py", ROLES),
)
BY_KEY = {p.key: p for p in PAGES}


def pages_for(role: str) -> list[PageSpec]:
    return [p for p in PAGES if role in p.roles]


def may_see(role: str | None, key: str) -> bool:
    return role is not None and key in BY_KEY and role in BY_KEY[key].roles
