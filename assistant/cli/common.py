"""What every command of the `maatwerk` CLI shares: the group that finds its commands, the one
place where a domain error becomes a Dutch message with exit code 2, and input parsing."""

from __future__ import annotations

import datetime as dt
import importlib

import click

from assistant.app import App
from assistant.corpus.documents import SOURCE_TYPES

from assistant.errors import MaatwerkError

class UserError(click.ClickException):
    """A clear Dutch message and exit code 2."""

    exit_code = 2

    def format_message(self) -> str:
        return self.message

    def show(self, file=None) -> None:
        click.echo(f"Fout: {self.format_message()}", err=True)

def parse_peildatum(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise UserError(f"'{value}' is geen geldige peildatum; gebruik JJJJ-MM-DD, bijv. 2026-03-01") from None

def parse_types(value: str | None) -> list[str] | None:
    if not value:
        return None
    types = [t.strip().lower() for t in value.split(",") if t.strip()]
    unknown = [t for t in types if t not in SOURCE_TYPES]
    if unknown:
        raise UserError(f"onbekend type: {', '.join(unknown)} (kies uit: {', '.join(SOURCE_TYPES)})")
    return types

pass_app = click.make_pass_decorator(App)

class LazyGroup(click.Group):
    """A group whose commands live in the modules of assistant.cli (answers, cases, ...) and are
    imported by name only when used: `maatwerk search` does not pay for loading the case log or
    the UI."""

    def __init__(self, *args, lazy: dict[str, str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.lazy = lazy or {}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *self.lazy])

    def get_command(self, ctx: click.Context, name: str):
        if name in self.lazy:
            module, attr = self.lazy[name].split(":")
            return getattr(importlib.import_module(module), attr)
        return super().get_command(ctx, name)

PLUGIN_COMMANDS = "maatwerk.commands"

class MainGroup(LazyGroup):
    """The top-level group. Besides its own commands it offers those that installed packages
    register under the entry-point group ``maatwerk.commands`` (this project's evals register
    `eval` and `bench` that way, so assistant never imports evals); a gemeente adds a command
    the same way, without forking.

    It is also the one place where an error a user caused becomes a Dutch message and exit
    code 2: every MaatwerkError raised by any command, its inputs worded as flags."""

    def _plugins(self) -> dict:
        from importlib.metadata import entry_points

        return {ep.name: ep for ep in entry_points(group=PLUGIN_COMMANDS) if ep.name not in self.lazy}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self._plugins()})

    def get_command(self, ctx: click.Context, name: str):
        command = super().get_command(ctx, name)
        if command is None and name in (plugins := self._plugins()):
            command = plugins[name].load()
        return command

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except MaatwerkError as exc:
            raise UserError(str(exc)) from exc
