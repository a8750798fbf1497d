"""``make sim``: the sharing simulator. ``python -m kiosco.insights.sim.run --help``.

Accounts are independent and each has its own seed (``seed:index``), so the figures
are identical on 1 or 2 workers. Writes ``var/sim/report.md`` and PNG plots.
"""

from __future__ import annotations

import argparse
import multiprocessing
import tomllib
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

from tqdm import tqdm

from kiosco.insights.ladder import ANY, CONTESTED, DAY, LadderPolicy
from kiosco.insights.sim import report
from kiosco.insights.sim.model import Outcome, simulate
from kiosco.leases.results import Policy
from kiosco.leases.timing import timing

CONFIG = Path(__file__).with_name("population.toml")
DEFAULT_POLICY, DEFAULT_LADDER = Policy(), LadderPolicy()


def load_config(path: Path = CONFIG) -> dict[str, Any]:
    with path.open("rb") as file:
        return tomllib.load(file)


def segment_of(index: int, segments: dict[str, Any]) -> str:
    """Deterministic, proportional to the shares: account i's segment."""
    names = list(segments)
    total = sum(segments[name]["share"] for name in names)
    point = ((index * 0.6180339887498949) % 1.0) * total  # golden-ratio low discrepancy
    for name in names:
        point -= segments[name]["share"]
        if point < 0:
            return name
    return names[-1]


def _one(index: int, *, seed: int, cfg: dict[str, Any], options: dict[str, Any]) -> Outcome:
    return simulate(seed, index, segment_of(index, cfg["segments"]), cfg, **options)


def run(
    accounts: int,
    days: int,
    *,
    seed: int = 14,
    workers: int = 1,
    policy: Policy = DEFAULT_POLICY,
    ladder: LadderPolicy = DEFAULT_LADDER,
    release_on_hide: bool | None = None,
    progress: bool = True,
    cfg: dict[str, Any] | None = None,
    page: dict[str, Any] | None = None,
) -> list[Outcome]:
    """``page`` overrides timing.json's values (an ablation of the page script's timing)."""
    cfg = cfg or load_config()
    values = replace(timing(), **(page or {}))
    hide = values.release_on_hide if release_on_hide is None else release_on_hide
    options = dict(timing=values, policy=policy, ladder=ladder, release_on_hide=hide, days=days)
    work = partial(_one, seed=seed, cfg=cfg, options=options)
    bar = tqdm(total=accounts, unit="account", disable=not progress)
    if workers <= 1:
        outcomes = []
        for index in range(accounts):
            outcomes.append(work(index))
            bar.update()
    else:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            outcomes = []
            for outcome in pool.imap(work, range(accounts), chunksize=16):  # keeps order
                outcomes.append(outcome)
                bar.update()
    bar.close()
    return outcomes


def overridden(cfg: dict[str, Any], assignments: list[str]) -> dict[str, Any]:
    """``section.key=value`` (a TOML value: 0.02, [0, 30]) over the population."""
    for assignment in assignments:
        path, _, raw = assignment.partition("=")
        *sections, key = path.split(".")
        table = cfg
        for section in sections:
            table = table[section]
        if key not in table:
            raise SystemExit(f"--population: no value {path} in population.toml")
        table[key] = tomllib.loads(f"v = {raw}")["v"]
    return cfg


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--accounts", type=int, default=2000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--ttl", type=float, help="lease TTL, seconds (engine default 180)")
    parser.add_argument("--idle", type=float, help="idle threshold, seconds (default 180)")
    parser.add_argument("--no-release-on-hide", action="store_true")
    parser.add_argument(
        "--heartbeat", type=float, help="the page's heartbeat, seconds (timing.json: 60)"
    )
    parser.add_argument(
        "--release-after-idle",
        type=float,
        help="a visible page frees its slot after this long without input, seconds; 0: never "
        "(timing.json's release_after_idle_seconds)",
    )
    parser.add_argument(
        "--population",
        action="append",
        default=[],
        metavar="SECTION.KEY=VALUE",
        help="override one value of population.toml, e.g. client.locked_without_hide=0",
    )
    parser.add_argument("--counting", choices=[CONTESTED, ANY], default=CONTESTED)
    parser.add_argument("--contested-idle", type=float, default=LadderPolicy.contested_idle)
    parser.add_argument("--k", type=int, default=LadderPolicy.collisions)
    parser.add_argument("--window-days", type=float, default=LadderPolicy.window / DAY)
    parser.add_argument("--merge-minutes", type=float, default=LadderPolicy.merge / 60)
    parser.add_argument("--out", type=Path, default=Path("var/sim"))
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse(argv)
    policy = Policy()
    policy = replace(policy, ttl=args.ttl) if args.ttl else policy
    policy = replace(policy, idle=args.idle) if args.idle else policy
    ladder = LadderPolicy(
        contested_idle=args.contested_idle,
        collisions=args.k,
        window=args.window_days * DAY,
        counting=args.counting,
        merge=args.merge_minutes * 60,
    )
    page = {
        name: value
        for name, value in (
            ("heartbeat_seconds", args.heartbeat),
            ("release_after_idle_seconds", args.release_after_idle),
        )
        if value is not None
    }
    outcomes = run(
        args.accounts,
        args.days,
        seed=args.seed,
        workers=args.workers,
        policy=policy,
        ladder=ladder,
        release_on_hide=False if args.no_release_on_hide else None,
        cfg=overridden(load_config(), args.population),
        page=page,
    )
    values = replace(timing(), **page)
    settings = {
        **vars(args),
        "ttl": policy.ttl,
        "idle": policy.idle,
        "heartbeat": values.heartbeat_seconds,
        "release_after_idle": values.release_after_idle_seconds,
    }
    path = report.write(outcomes, args.out, settings)
    print(path.read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
