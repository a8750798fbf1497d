"""The simulator's figures: a markdown table and PNG plots (matplotlib)."""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from pathlib import Path
from typing import Any

from kiosco.insights.ladder import DAY
from kiosco.insights.sim.model import Outcome

CAUSES = ("simultaneous reading", "lingering tab", "unreleased lease", "hidden load")
GAPS = ((0, 10), (10, 60), (60, 300), (300, math.inf))
PREVALENCES = (0.10, 0.26, 0.40)
Z = 1.96  # 95 % intervals


def wilson(hits: int, n: int) -> tuple[float, float, float]:
    """The share and its Wilson 95 % interval (sound at 0 and at n)."""
    if n == 0:
        return (math.nan, math.nan, math.nan)
    p = hits / n
    centre = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
    half = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / (1 + Z * Z / n)
    return p, max(0.0, centre - half), min(1.0, centre + half)


def precision(prevalence: float, tpr: float, fpr: float) -> float:
    flagged = prevalence * tpr + (1 - prevalence) * fpr
    return prevalence * tpr / flagged if flagged else math.nan


def flagged_in_time(outcome: Outcome, limit: float = 7 * DAY) -> bool:
    return (
        outcome.sharer_at is not None
        and outcome.notice_at is not None
        and outcome.notice_at - outcome.sharer_at <= limit
    )


def segment_rows(outcomes: list[Outcome]) -> list[dict[str, Any]]:
    groups: dict[str, list[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        groups[outcome.segment].append(outcome)
    return [_segment_row(name, group) for name, group in groups.items()]


def _segment_row(name: str, group: list[Outcome]) -> dict[str, Any]:
    n = len(group)
    sharers = [o for o in group if o.sharer_at is not None]
    delays = sorted(
        max(0.0, o.notice_at - o.sharer_at) / DAY
        for o in sharers
        if o.notice_at is not None and o.sharer_at is not None
    )
    row: dict[str, Any] = {
        "segment": name,
        "accounts": n,
        "dialog": sum(1 for o in group if o.dialogs) / n,
        "notice": sum(1 for o in group if o.notice_at is not None) / n,
        "sharers": len(sharers),
        "flagged_7d": (sum(map(flagged_in_time, sharers)) / len(sharers)) if sharers else math.nan,
        "median_days": statistics.median(delays) if delays else math.nan,
        "p90_days": delays[int(0.9 * (len(delays) - 1))] if delays else math.nan,
        "honest_notice": _share(
            [o for o in group if o.sharer_at is None], lambda o: o.notice_at is not None
        ),
    }
    for cause in CAUSES:
        row[cause] = sum(1 for o in group if o.dialogs.get(cause)) / n
    for low, high in GAPS:
        gaps = [hit for o in group for gap, hit in o.handoffs if low <= gap < high]
        row[f"gap {low}-{high}s"] = (sum(gaps), len(gaps))
    return row


def _share(group: list[Outcome], test: Any) -> float:
    return sum(1 for o in group if test(o)) / len(group) if group else math.nan


def detection(outcomes: list[Outcome]) -> list[dict[str, Any]]:
    """Recall (sharers flagged within 7 days) and precision at several prevalences,
    reweighting the simulated honest and sharing accounts to each prevalence."""
    sharers = [o for o in outcomes if o.sharer_at is not None]
    honest = [o for o in outcomes if o.sharer_at is None]
    tpr = wilson(sum(map(flagged_in_time, sharers)), len(sharers))
    fpr = wilson(sum(1 for o in honest if o.notice_at is not None), len(honest))
    return [
        {
            "prevalence": prevalence,
            "recall": tpr,
            "precision": (
                precision(prevalence, tpr[0], fpr[0]),
                precision(prevalence, tpr[1], fpr[2]),  # worst of both intervals
                precision(prevalence, tpr[2], fpr[1]),
            ),
            "false_positive_rate": fpr,
        }
        for prevalence in PREVALENCES
    ]


def markdown(outcomes: list[Outcome], settings: dict[str, Any]) -> str:
    rows = segment_rows(outcomes)
    lines = [
        "# Sharing simulator",
        "",
        "Settings: " + ", ".join(f"{k}={v}" for k, v in settings.items()),
        "",
    ]
    head = [
        "segment",
        "accounts",
        "ever a dialog",
        *CAUSES,
        "ever the notice",
        "honest w/ notice",
        "sharers",
        "flagged ≤7 d",
        "median d",
        "p90 d",
    ]
    lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in rows:
        cells = [
            row["segment"],
            str(row["accounts"]),
            _pct(row["dialog"]),
            *(_pct(row[c]) for c in CAUSES),
            _pct(row["notice"]),
            _pct(row["honest_notice"]),
            str(row["sharers"]),
            _pct(row["flagged_7d"]),
            _num(row["median_days"]),
            _num(row["p90_days"]),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "Hand-offs of one person between devices, challenged / all, by gap:", ""]
    gap_heads = [f"gap {low}-{high}s" for low, high in GAPS]
    lines += ["| segment | " + " | ".join(gap_heads) + " |", "|---|" + "---|" * len(GAPS)]
    for row in rows:
        lines.append(
            f"| {row['segment']} | "
            + " | ".join(f"{a}/{b}" for a, b in (row[g] for g in gap_heads))
            + " |"
        )
    lines += [
        "",
        "Detection (flagged within 7 days; 95 % Wilson intervals):",
        "",
        "| prevalence | recall | precision | honest accounts flagged |",
        "|---|---|---|---|",
    ]
    for item in detection(outcomes):
        lines.append(
            f"| {item['prevalence']:.0%} | {_ci(item['recall'])} | {_ci(item['precision'])}"
            f" | {_ci(item['false_positive_rate'], 2)} |"
        )
    lines += [
        "",
        "'hidden load': a page rendered unseen on a computer or tablet took a free slot "
        "(client.hidden_loads_per_day in population.toml, a guess).",
    ]
    return "\n".join(lines) + "\n"


def _pct(value: float, digits: int = 1) -> str:
    return "n/a" if math.isnan(value) else f"{value:.{digits}%}"


def _num(value: float) -> str:
    return "n/a" if math.isnan(value) else f"{value:.1f}"


def _ci(triple: tuple[float, float, float], digits: int = 1) -> str:
    return f"{_pct(triple[0], digits)} [{_pct(triple[1], digits)}, {_pct(triple[2], digits)}]"


def plots(outcomes: list[Outcome], out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")  # files only, no display
    import matplotlib.pyplot as plt

    rows = segment_rows(outcomes)
    names = [row["segment"] for row in rows]
    figure, axis = plt.subplots(figsize=(8, 4))
    width = 0.4
    xs = range(len(names))
    axis.bar(
        [x - width / 2 for x in xs], [row["dialog"] for row in rows], width, label="ever a dialog"
    )
    axis.bar(
        [x + width / 2 for x in xs], [row["notice"] for row in rows], width, label="ever the notice"
    )
    axis.set_xticks(list(xs), names)
    axis.set_ylabel("share of accounts, 30 days")
    axis.legend()
    figure.tight_layout()
    figure.savefig(out / "segments.png", dpi=100)
    plt.close(figure)
    delays = [
        (o.notice_at - o.sharer_at) / DAY
        for o in outcomes
        if o.notice_at is not None and o.sharer_at is not None
    ]
    figure, axis = plt.subplots(figsize=(6, 4))
    axis.hist(delays, bins=30)
    axis.set_xlabel("days from becoming a concurrent sharer to the notice")
    axis.set_ylabel("accounts")
    figure.tight_layout()
    figure.savefig(out / "time_to_notice.png", dpi=100)
    plt.close(figure)


def write(outcomes: list[Outcome], out: Path, settings: dict[str, Any]) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    path = out / "report.md"
    path.write_text(markdown(outcomes, settings), encoding="utf-8")
    plots(outcomes, out)
    return path
