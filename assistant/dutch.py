"""Small pieces of Dutch wording shared by the command line, the app and the reports."""

from __future__ import annotations


def plural(n: int, one: str, many: str) -> str:
    """'1 bestand', '3 bestanden'."""
    return f"{n} {one if n == 1 else many}"
