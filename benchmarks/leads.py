"""The lead backtest: how precise the daily lead list is, from the campaign outcomes of a platform state.

Over the state in WEALTHPULSE_HOME (after `wealthpulse run`): every past campaign contact scored by its need's
intent from the features of the day before it (the `serving/lead_conversion` asset's file, or scored here
when it is missing), then

- each need's score bands (top 1%, next 1%, ...) with their conversion and expected conversion, from the
  contacts whose outcome was known before the newest as-of day;
- the bands and thresholds `conversion_bands` picks there at the default min lift (the values of
  `serving/lead_rules.py`), with the conversion of the contacts at or above the thresholds;
- the walk-forward backtest by threshold setting: the later half of the contact days graded week by week,
  each week by the rule chosen from the outcomes known before it (volume on the newest day's batch scores);
- the newest day's lead list rebuilt with those rules (suitability, do-not-contact, cool-down, campaigns and
  capacity applied): its volume and expected conversions per need, and what its assigned leads expect.

Prints Markdown with the machine, the preset and the date; record it in benchmarks/README.md.
Run: `uv run --frozen python -m benchmarks.leads`.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform

import pandas as pd

from serving.batch import intent_of
from serving.lead_feedback import (
    BACKTEST_LIFTS,
    backtest,
    conversion_bands,
    graded_days,
    known_before,
    need_bands,
    outcome_known_on,
    thresholds_of,
)
from serving.lead_rules import DEFAULT_RULES, NEEDS, LeadRules
from serving.leads import day_figures, leads_from_marts
from wealthpulse.settings import Settings, days_written, export_tool_environment

CONTACT_SCORES = "contact_scores.parquet"


def scored_contacts(settings) -> pd.DataFrame:
    """The scored contacts with the day each outcome became known (a file written before they carried it
    gets it from the campaign outcomes)."""
    path = settings.leads_dir / CONTACT_SCORES
    outcomes = pd.read_parquet(settings.marts_dir / "campaign_outcomes.parquet")
    if path.exists():
        scored = pd.read_parquet(path)
        return scored if "known_on" in scored.columns else outcome_known_on(scored, outcomes)
    from features.store import open_store
    from serving.contact_scores import score_contacts

    scored = outcome_known_on(score_contacts(open_store(settings), outcomes), outcomes)
    path.parent.mkdir(parents=True, exist_ok=True)
    scored.to_parquet(path, index=False)
    return scored


def newest_scores(settings) -> tuple[datetime.date, pd.DataFrame]:
    """The newest as-of day's intent scores: its batch scores, or, before the batch has run, the intent
    champions over that day's point-in-time features (what the batch computes for the intent columns)."""
    days = days_written(settings.scores_file)
    if days:
        return days[-1], intent_of(pd.read_parquet(settings.scores_file(days[-1])))
    from features.store import open_store
    from models.training import TIMESTAMP, training_frame
    from serving.batch import intent_scores
    from serving.served_models import INTENT_HEADS, load_served

    suitability = pd.read_parquet(
        settings.marts_dir / "client_suitability.parquet", columns=["client_id", "as_of_date"]
    )
    as_of = pd.to_datetime(suitability["as_of_date"]).dt.date
    day = max(as_of)
    entity = suitability.loc[as_of == day, ["client_id"]].assign(**{TIMESTAMP: pd.Timestamp(day, tz="UTC")})
    heads = {name: model for name in INTENT_HEADS if (model := load_served(name)) is not None}
    service = next(iter(heads.values())).feature_service
    return day, intent_scores(training_frame(open_store(settings), service, entity), heads)


def threshold_table(scored: pd.DataFrame, thresholds: dict[str, float]) -> pd.DataFrame:
    base = float(scored["is_converted"].mean())
    rows = []
    for need in NEEDS:
        mine = scored[scored["need"] == need]
        listed = mine[mine["probability"] >= thresholds[need]]
        need_base = float(mine["is_converted"].mean()) if len(mine) else float("nan")
        conversion = float(listed["is_converted"].mean()) if len(listed) else float("nan")
        rows.append(
            {
                "need": need,
                "contacts": len(mine),
                "need_base": need_base,
                "threshold": thresholds[need],
                "listed_contacts": len(listed),
                "conversion": conversion,
                "lift_over_need_base": conversion / need_base if need_base else float("nan"),
                "lift_over_base": conversion / base if base else float("nan"),
            }
        )
    return pd.DataFrame(rows)


def rebuilt_list(
    settings, day: datetime.date, scores: pd.DataFrame, rules: LeadRules
) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    suitability = pd.read_parquet(settings.marts_dir / "client_suitability.parquet")
    suitability = suitability[pd.to_datetime(suitability["as_of_date"]).dt.date == day]
    leads = leads_from_marts(
        scores,
        suitability,
        pd.read_parquet(settings.marts_dir / "products.parquet"),
        pd.read_parquet(settings.marts_dir / "campaign_outcomes.parquet"),
        day,
        rules=rules,
    )
    return day_figures(leads, len(suitability)), leads, len(suitability)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--min-lift", type=float, default=DEFAULT_RULES.min_lift)
    args = parser.parse_args()
    settings = Settings.from_env()
    export_tool_environment(settings)
    scored = scored_contacts(settings)
    day, scores = newest_scores(settings)
    clients = scores["client_id"].nunique()
    known = known_before(scored, day)
    bands = conversion_bands(known, args.min_lift)
    thresholds = thresholds_of(bands)
    graded = scored[pd.to_datetime(scored["contacted_on"]).dt.date >= graded_days(scored, 0.5)[0]]
    graded_base = float(graded["is_converted"].mean())
    print(
        f"### {datetime.date.today().isoformat()} — {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()} — preset `{settings.preset}` ({clients:,} clients scored on {day})\n"
    )
    print(
        f"{len(scored):,} campaign contacts scored ({scored['contacted_on'].min()} .. {scored['contacted_on'].max()}), "
        f"base conversion {scored['is_converted'].mean():.4f}; {len(known):,} with their outcome known before {day}; "
        f"graded from {min(graded['contacted_on'])}: {len(graded):,} contacts, base {graded_base:.4f}, "
        f"{int(graded['is_converted'].sum())} conversions.\n"
    )
    print(f"Score bands per need (outcomes known before {day}):\n")
    print(need_bands(known).to_markdown(index=False, floatfmt=".4f"))
    print(f"\nThresholds at min lift {args.min_lift:g}x (the `lead_rules.py` defaults):\n")
    print(threshold_table(known, thresholds).to_markdown(index=False, floatfmt=".4f"))
    print("\nWalk-forward backtest by threshold setting:\n")
    lifts = tuple(sorted({*BACKTEST_LIFTS, args.min_lift}))
    print(backtest(scored, scores, day, clients, lifts=lifts).to_markdown(index=False, floatfmt=".3f"))
    rules = LeadRules(conversion_bands=bands, min_lift=args.min_lift)
    figures, leads, listed_clients = rebuilt_list(settings, day, scores, rules)
    assigned = leads[leads["assignment"] == "advisor"]
    base = float(known["is_converted"].mean())
    expected = float(assigned["expected_conversion"].mean())
    print(
        f"\nThe lead list of {day} with these rules: {len(leads):,} leads for {listed_clients:,} clients "
        f"({len(leads) / max(listed_clients, 1):.4f} a client), {len(assigned):,} to advisors "
        f"({len(assigned) / max(listed_clients, 1):.4f} a client), {int((leads['assignment'] == 'deferred').sum()):,} "
        f"deferred, {int((leads['assignment'] == 'pool').sum()):,} to the pool; the assigned leads expect "
        f"{expected:.4f} conversion ({expected / base:.2f}x "
        f"the base rate {base:.4f}), all leads {leads['expected_conversion'].mean():.4f}:\n"
    )
    print(figures.to_markdown(floatfmt=".2f"))
    print("\nlead_rules.py values:")
    print("conversion_bands =", {n: tuple((round(s, 4), round(c, 4)) for s, c in steps) for n, steps in bands.items()})


if __name__ == "__main__":
    main()
