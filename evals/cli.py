"""The evaluation commands of `maatwerk` (`eval retrieval`, `eval answers`, `bench`).

They live here, beside the evaluations they run, and reach the CLI as plugins (the entry-point
group ``maatwerk.commands`` in pyproject.toml): evals depends on assistant, never the reverse."""

from __future__ import annotations

import json
from pathlib import Path

import click

from assistant.cli.common import UserError, pass_app


@click.group("eval")
def eval_group() -> None:
    """Evaluaties op de gouden sets in evals/."""


@eval_group.command("retrieval")
@click.option("--gold", type=click.Path(exists=True, path_type=Path), multiple=True,
              default=[Path("evals/gold/retrieval.yaml")], show_default=True,
              help="Gouden set (YAML); herhaal voor meer sets: dan ook een tabel over alle vragen samen.")
@click.option("--k", default=10, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Uitvoer als JSON.")
@click.option("--verbose", is_flag=True, help="Toon per vraag de rang van de eerste relevante bron.")
@pass_app
def eval_retrieval_cmd(app, gold, k, as_json, verbose) -> None:
    """Recall@1/5/10 en MRR@10 voor lexicaal, dense en hybride, naast elkaar."""
    from evals.retrieval import combine, evaluate_modes, format_table, load_gold

    index = app.index
    if not index.count():
        raise UserError("de index is leeg: voer eerst `maatwerk index PAD` uit voor het corpus van de gouden set")
    runs = {path.name: evaluate_modes(index, load_gold(path), k=k) for path in gold}
    if len(runs) > 1:
        runs["samen"] = combine(list(runs.values()))
    if as_json:
        summaries = {name: {m: r.summary() for m, r in results.items()} for name, results in runs.items()}
        click.echo(json.dumps(summaries[gold[0].name] if len(gold) == 1 else summaries, indent=2))
        return
    for name, results in runs.items():
        if len(runs) > 1:
            click.echo(f"\n{name}")
        click.echo(format_table(results))
        if verbose and name != "samen":
            for qid, rank, q in results["hybrid"].per_question:
                other = {m: dict((i, r) for i, r, _ in res.per_question)[qid] for m, res in results.items()}
                click.echo(f"{qid:10} hybrid={rank or '-':>3} lexical={other['lexical'] or '-':>3} "
                           f"dense={other['dense'] or '-':>3}  {q[:70]}")


@click.command("bench", context_settings={"ignore_unknown_options": True})
@click.option("--sizes", default="1000,10000,100000", show_default=True, help="Aantallen passages, kommagescheiden.")
@click.option("--json", "as_json", is_flag=True, help="Uitvoer als JSON.")
def bench_cmd(sizes: str, as_json: bool) -> None:
    """Benchmark: indexeersnelheid, zoeklatentie (p50/p95) en piekgeheugen bij 1k/10k/100k passages."""
    from evals.bench import main as bench_main

    bench_main(["--sizes", sizes] + (["--json"] if as_json else []))


@eval_group.command("answers")
@click.option("--gold", type=click.Path(exists=True, path_type=Path), default=Path("evals/gold/answers.yaml"),
              show_default=True, help="Gouden set (YAML).")
@click.option("--json", "as_json", is_flag=True, help="Uitvoer als JSON.")
@click.option("--verbose", is_flag=True, help="Toon per vraag de uitkomst.")
@pass_app
def eval_answers(app, gold, as_json, verbose) -> None:
    """Citaties, citaten, afwijkingsruimte, weigeringen en latentie op de gouden set."""
    from evals.answers import evaluate, format_report, load_gold

    from assistant.cli.answers import build_assistant

    assistant = build_assistant(app)
    result = evaluate(assistant, load_gold(gold))
    if as_json:
        click.echo(json.dumps(result.summary(), ensure_ascii=False, indent=2))
        return
    click.echo(format_report(result, verbose=verbose))
