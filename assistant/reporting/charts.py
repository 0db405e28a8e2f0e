"""The report's charts (matplotlib, PNG): deviations per rule, per month, outcomes."""

from __future__ import annotations


import io
import re
import textwrap

from assistant.reporting.model import KnelpuntenReport, UITKOMST_ORDER, month_label

# --------------------------------------------------------------------------- charts

_PALETTE = {"afgeweken": "#1f6f8b", "gedeeltelijk": "#7fb3c8", "niet afgeweken": "#c9c9c9", "knelpunt": "#c0504d"}


def _short_rule(citation: str, width: int = 40) -> str:
    text = re.sub(r"^artikel\s+", "art. ", citation, flags=re.I)
    return "\n".join(textwrap.wrap(text, width=width)[:2])


def render_charts(report: KnelpuntenReport) -> dict[str, bytes]:
    """PNG charts: deviations per rule, cases per month, outcomes (matplotlib, Agg backend)."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    plt.rcParams.update({"font.family": "DejaVu Sans", "font.size": 9, "axes.spines.top": False,
                         "axes.spines.right": False})

    def png(fig) -> bytes:
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=150, bbox_inches="tight")
        plt.close(fig)
        return buf.getvalue()

    charts: dict[str, bytes] = {}
    rules = sorted(report.rules, key=lambda r: (-r.cases, r.citation))[:10][::-1]
    fig, ax = plt.subplots(figsize=(7.2, 0.42 * max(len(rules), 3) + 1.0))
    left = [0] * len(rules)
    labels = [_short_rule(r.citation) for r in rules]
    for uitkomst in UITKOMST_ORDER:
        values = [r.uitkomsten.get(uitkomst, 0) for r in rules]
        ax.barh(labels, values, left=left, color=_PALETTE[uitkomst], label=uitkomst, height=0.65)
        left = [a + b for a, b in zip(left, values)]
    for i, r in enumerate(rules):
        if r.knelt:
            ax.text(left[i] + 0.3, i, "knelt", va="center", ha="left", fontsize=8, color=_PALETTE["knelpunt"],
                    fontweight="bold")
    ax.set_xlabel("aantal goedgekeurde casussen")
    ax.set_title("Casussen per regel, naar uitkomst (top 10)", loc="left", fontsize=10)
    ax.legend(loc="lower right", frameon=False, fontsize=8)
    ax.set_xlim(0, max(left + [1]) * 1.15)
    ax.tick_params(axis="y", labelsize=8)
    charts["regels"] = png(fig)

    fig, ax = plt.subplots(figsize=(7.2, 2.5))
    names = [month_label(m.name) for m in report.months]
    short = [f"{n.split()[0][:3]} {n.split()[1][2:]}" for n in names]
    ax.bar(short, [m.cases for m in report.months], color="#d9e6ee", label="goedgekeurde casussen")
    ax.bar(short, [m.deviated for m in report.months], color=_PALETTE["afgeweken"], width=0.5, label="waarvan afgeweken")
    ax.plot(short, [m.knelpunten for m in report.months], color=_PALETTE["knelpunt"], marker="o", linewidth=1.5,
            label="knelpunt gemeld")
    ax.set_title("Casussen per maand", loc="left", fontsize=10)
    ax.legend(frameon=False, fontsize=8, ncol=3, loc="upper left", bbox_to_anchor=(0, -0.12))
    ax.tick_params(axis="x", labelsize=7.5)
    ax.set_ylim(0, max([m.cases for m in report.months] + [1]) * 1.15)
    charts["maanden"] = png(fig)

    fig, ax = plt.subplots(figsize=(7.2, 1.8))
    items = [(u, n) for u, n in report.uitkomsten.items() if n or u in UITKOMST_ORDER]
    total = max(report.total_cases, 1)
    ax.barh([u for u, _ in items][::-1], [n for _, n in items][::-1],
            color=[_PALETTE.get(u, "#999999") for u, _ in items][::-1], height=0.6)
    for i, (u, n) in enumerate(items[::-1]):
        ax.text(n + total * 0.01, i, f"{n} ({round(100 * n / total)}%)", va="center", fontsize=8)
    ax.set_xlim(0, max([n for _, n in items] + [1]) * 1.2)
    ax.set_title("Uitkomsten", loc="left", fontsize=10)
    ax.set_xlabel("aantal goedgekeurde casussen")
    charts["uitkomsten"] = png(fig)
    return charts


CHART_CAPTIONS = {
    "regels": "Casussen per regel, naar uitkomst. ‘knelt’: het signaal ‘dit artikel knelt’ is afgegeven.",
    "maanden": "Goedgekeurde casussen per maand, het deel waarin is afgeweken, en het aantal knelpuntmeldingen.",
    "uitkomsten": "Uitkomsten van alle goedgekeurde casussen in de periode.",
}
