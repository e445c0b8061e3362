"""The lead backtest: how precise the daily lead list is, from the campaign outcomes of a platform state.

Over the state in WEALTHPULSE_HOME (after `wealthpulse run`): every past campaign contact scored by its need's
intent from the features of the day before it (the `serving/lead_conversion` asset's file, or scored here
when it is missing), then

- the thresholds `choose_thresholds` picks at each need (min lift 2x, the default rule) with the conversion
  of the contacts at or above them: the values of `serving/lead_rules.py`;
- the backtest by threshold setting: chosen on the earlier contacts, graded on the last 20% of contact days
  (volume on the newest day's batch scores, per 1,000 clients);
- the newest day's lead list rebuilt with those thresholds (suitability, do-not-contact, cool-down,
  campaigns and capacity applied): its volume and expected conversions per need.

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
from serving.lead_feedback import backtest, choose_thresholds, contact_conversion, need_deciles, split_by_time
from serving.lead_rules import DEFAULT_RULES, NEEDS, LeadRules
from serving.leads import build_leads, campaign_exclusions, day_figures
from wealthpulse.settings import Settings, days_written, export_tool_environment

CONTACT_SCORES = "contact_scores.parquet"


def scored_contacts(settings) -> pd.DataFrame:
    path = settings.leads_dir / CONTACT_SCORES
    if path.exists():
        return pd.read_parquet(path)
    from features.store import open_store
    from serving.contact_scores import score_contacts

    scored = score_contacts(open_store(settings), pd.read_parquet(settings.marts_dir / "campaign_outcomes.parquet"))
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
    contacts = pd.read_parquet(
        settings.marts_dir / "campaign_outcomes.parquet",
        columns=["client_id", "need", "contacted_on", "campaign_ends_on"],
    )
    leads = build_leads(
        scores,
        suitability.rename(columns={"allowed_risk_rating_code": "allowed_rating"})[
            ["client_id", "advisor_id", "value_tier", "allowed_rating", "needs_reassessment"]
        ],
        pd.read_parquet(settings.marts_dir / "products.parquet"),
        day,
        do_not_contact=set(suitability.loc[suitability["is_do_not_contact"], "client_id"]),
        contacts=contacts,
        exclusions=campaign_exclusions(contacts, day),
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
    thresholds = choose_thresholds(scored, args.min_lift)
    rates = contact_conversion(scored, thresholds)
    earlier, later = split_by_time(scored, 0.2)
    cut = pd.to_datetime(later["contacted_on"]).min().date()
    print(
        f"### {datetime.date.today().isoformat()} — {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()} — preset `{settings.preset}` ({clients:,} clients scored on {day})\n"
    )
    print(
        f"{len(scored):,} campaign contacts scored ({scored['contacted_on'].min()} .. {scored['contacted_on'].max()}), "
        f"base conversion {scored['is_converted'].mean():.4f}; held out from {cut}: {len(later):,} contacts, "
        f"base {later['is_converted'].mean():.4f}.\n"
    )
    print(f"Thresholds at min lift {args.min_lift:g}x, chosen on all contacts (the `lead_rules.py` defaults):\n")
    print(threshold_table(scored, thresholds).to_markdown(index=False, floatfmt=".4f"))
    print("\nDeciles per need (all contacts):\n")
    print(need_deciles(scored).to_markdown(index=False, floatfmt=".4f"))
    print("\nBacktest by threshold setting (chosen on earlier contacts, graded on the held-out ones):\n")
    print(backtest(scored, scores, clients).to_markdown(index=False, floatfmt=".3f"))
    rules = LeadRules(thresholds=thresholds, contact_conversion=rates)
    figures, leads, listed_clients = rebuilt_list(settings, day, scores, rules)
    print(
        f"\nThe lead list of {day} with these thresholds: {len(leads):,} leads for {listed_clients:,} clients "
        f"({len(leads) / max(listed_clients, 1):.4f} a client), {int((leads['assignment'] == 'advisor').sum()):,} "
        f"to advisors, {int((leads['assignment'] == 'deferred').sum()):,} deferred, "
        f"{int((leads['assignment'] == 'pool').sum()):,} to the pool:\n"
    )
    print(figures.to_markdown(floatfmt=".2f"))
    print("\nlead_rules.py values:")
    print("thresholds =", {n: round(t, 4) for n, t in thresholds.items()})
    print("contact_conversion =", {n: round(r, 4) for n, r in rates.items()})


if __name__ == "__main__":
    main()
