"""One base for every error a user can cause: a Dutch message, and the inputs it is about.

A domain module never names a command-line flag or a form label. Where its message refers to an
input, it writes a placeholder such as ``{valid_from}`` and lists the field ids; each front end
words them: the command line as ``--valid-from`` (exit code 2, set in one place in
``assistant.cli.common``), the app as the form's label ("‘Geldig vanaf’").
"""

from __future__ import annotations

from typing import Callable, Iterable

# How the app names the inputs that error messages refer to (field id -> label on the form).
FIELD_LABELS = {
    "valid_from": "‘Geldig vanaf’",
    "valid_to": "‘Geldig tot’",
    "per": "‘Vervalt per’",
    "citation": "‘Citeertitel’",
    "van": "‘Van’",
    "tot": "‘Tot en met’",
    "out": "‘Uitvoerbestand’",
    "datum": "‘Datum van de toestand’",
}


def cli_flag(field: str) -> str:
    """The command line's name of an input: valid_from -> --valid-from."""
    return "--" + field.replace("_", "-")


def form_label(field: str) -> str:
    return FIELD_LABELS.get(field, f"‘{field}’")


class MaatwerkError(Exception):
    """An error with a Dutch message for the person who caused it (never a traceback).

    ``message`` may hold ``{field}`` placeholders for the ids in ``fields``; ``str(exc)`` words them
    as the command line does, ``exc.worded(form_label)`` as the app does."""

    def __init__(self, message: str = "", *, fields: Iterable[str] = ()):
        self.message = message
        self.fields = tuple(fields)
        super().__init__(message)

    def worded(self, name_of: Callable[[str], str] = cli_flag) -> str:
        text = self.message
        for f in self.fields:  # plain replacement: the rest of the message may hold user text with braces
            text = text.replace("{" + f + "}", name_of(f))
        return text

    def __str__(self) -> str:
        return self.worded(cli_flag)
