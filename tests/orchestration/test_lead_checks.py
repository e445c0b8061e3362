"""The lead list through its asset: the blocking checks stop the run (a lead the suitability check cannot
verify keeps everything downstream of the list from being built), and two nightly lists make one queue."""

from datetime import date

import dagster as dg
import pandas as pd

from orchestration.defs.serving.assets import lead_list, lead_suitability, lead_table_reconciles
from orchestration.partitions import AS_OF_DAYS
from orchestration.resources import MartsResource, PlatformResource
from serving.lead_rules import DEFAULT_RULES, NEEDS
from wealthpulse.settings import Settings

DAY = date(2025, 11, 27)
CLIENTS = ["C0000001", "C0000002", "C0000003"]


@dg.asset(
    key=["test", "after_leads"],
    deps=[lead_list],
    partitions_def=AS_OF_DAYS,
    backfill_policy=dg.BackfillPolicy.single_run(),
)
def after_leads() -> None:
    """Stands for whatever reads the lead list (the conversion report, an export)."""


def _state(home, product_code: float | None) -> None:
    marts = home / "marts"
    marts.mkdir(parents=True)
    (home / "warehouse").mkdir()
    pd.DataFrame(
        {
            "client_id": CLIENTS,
            "as_of_date": DAY,
            "advisor_id": "A0001",
            "value_tier": "T3",
            "allowed_risk_rating_code": 3,
            "needs_reassessment": False,
            "is_do_not_contact": False,
        }
    ).to_parquet(marts / "client_suitability.parquet")
    pd.DataFrame(
        {
            "product_id": ["P1", "P2"],
            "need": ["fixed_income", "equity_fund"],
            "risk_rating": ["R1", "R2"],
            # The equity fund's code is what the check looks the rating up by.
            "risk_rating_code": pd.array([1, product_code], dtype="Int64"),
        }
    ).to_parquet(marts / "products.parquet")
    pd.DataFrame(
        {"client_id": ["C0000009"], "need": ["options"], "contacted_on": [DAY], "campaign_ends_on": [DAY]}
    ).to_parquet(marts / "campaign_outcomes.parquet")
    scores = pd.DataFrame({"client_id": CLIENTS, **{f"intent_{need}": 0.9 for need in NEEDS}})
    file = Settings(home=home).scores_file(DAY)
    file.parent.mkdir(parents=True)
    scores.to_parquet(file)


def _run(home) -> dg.ExecuteInProcessResult:
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions(AS_OF_DAYS.name, [DAY.isoformat()])
    return dg.materialize(
        [lead_list, lead_suitability, lead_table_reconciles, after_leads],
        partition_key=DAY.isoformat(),
        instance=instance,
        resources={
            "platform": PlatformResource(home=str(home), preset="ci", seed=7),
            "marts": MartsResource(path=str(home / "marts")),
        },
        raise_on_error=False,
    )


def _materialized(result) -> set[str]:
    return {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}


def _checks(result) -> dict[str, bool]:
    return {e.check_name: e.passed for e in result.get_asset_check_evaluations()}


def test_the_checks_pass_on_a_sound_list_and_the_run_goes_on(tmp_path):
    _state(tmp_path, product_code=2)
    result = _run(tmp_path)
    assert result.success
    assert _checks(result) == {"suitability": True, "table_reconciles": True}
    assert _materialized(result) == {"serving/lead_list", "test/after_leads"}


def test_a_product_the_check_cannot_rate_fails_it_and_stops_the_run(tmp_path):
    # The equity fund has a rating (R2, offered to R3 clients) but no rating code: the check cannot verify
    # its offers, so they count as unsuitable and nothing downstream of the list is built.
    _state(tmp_path, product_code=None)
    result = _run(tmp_path)
    assert not result.success
    assert _checks(result)["suitability"] is False
    assert _materialized(result) == {"serving/lead_list"}
    evaluation = next(e for e in result.get_asset_check_evaluations() if e.check_name == "suitability")
    assert evaluation.metadata["unknown_product"].value == len(CLIENTS)


def _two_days(home) -> list[str]:
    """45 clients of one advisor on two as-of days. Day 1: clients 1-40 want an equity fund alike (40 leads for
    a capacity of 30). Day 2: the same 40 scores again, clients 41-45 far likelier (the top band of the
    conversion feedback), client 46 as likely as the 40; client 1 was contacted about it on day 2."""
    marts = home / "marts"
    marts.mkdir(parents=True)
    (home / "warehouse").mkdir()
    ids = [f"C{i:07d}" for i in range(1, 47)]
    days = [DAY, date.fromordinal(DAY.toordinal() + 1)]
    pd.concat(
        pd.DataFrame(
            {
                "client_id": ids,
                "as_of_date": day,
                "advisor_id": "A0001",
                "value_tier": "T3",
                "allowed_risk_rating_code": 3,
                "needs_reassessment": False,
                "is_do_not_contact": False,
            }
        )
        for day in days
    ).to_parquet(marts / "client_suitability.parquet")
    pd.DataFrame(
        {"product_id": ["P2"], "need": ["equity_fund"], "risk_rating": ["R2"], "risk_rating_code": [2]}
    ).to_parquet(marts / "products.parquet")
    pd.DataFrame(
        {"client_id": [ids[0]], "need": ["equity_fund"], "contacted_on": [days[1]], "campaign_ends_on": [days[1]]}
    ).to_parquet(marts / "campaign_outcomes.parquet")
    likely = DEFAULT_RULES.conversion_bands["equity_fund"]
    top, lower = likely[0][0] + 0.01, likely[-1][0] + 0.01
    for day, probabilities in zip(days, ([lower] * 40 + [0.0] * 6, [lower] * 40 + [top] * 5 + [lower]), strict=True):
        scores = pd.DataFrame({"client_id": ids, **{f"intent_{need}": 0.0 for need in NEEDS}})
        scores["intent_equity_fund"] = probabilities
        file = Settings(home=home).scores_file(day)
        file.parent.mkdir(parents=True)
        scores.to_parquet(file)
    return [day.isoformat() for day in days]


def test_two_lead_days_make_one_queue(tmp_path):
    days = _two_days(tmp_path)
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions(AS_OF_DAYS.name, days)
    resources = {
        "platform": PlatformResource(home=str(tmp_path), preset="ci", seed=7),
        "marts": MartsResource(path=str(tmp_path / "marts")),
    }
    lists = []
    for day in days:  # two nightly runs, as the sensor starts them: day 2 reads day 1's list from disk
        result = dg.materialize(
            [lead_list, lead_suitability, lead_table_reconciles],
            partition_key=day,
            instance=instance,
            resources=resources,
        )
        assert _checks(result) == {"suitability": True, "table_reconciles": True}
        lists.append(pd.read_parquet(Settings(home=tmp_path).leads_file(date.fromisoformat(day))))
    first, second = (frame.set_index("client_id") for frame in lists)
    capacity = DEFAULT_RULES.capacity_per_advisor
    assert len(first) == 40 and (first["assignment"] == "advisor").sum() == capacity
    deferred = set(first.index[first["assignment"] == "deferred"])
    assert len(deferred) == 40 - capacity
    # Day 2: no client twice for the need; client 1 is cooling down after its contact; the other 39 of day 1
    # are carried with their id and opening day, none of them opened again.
    assert not lists[1].duplicated(["client_id", "need"]).any()
    assert "C0000001" not in second.index
    carried = [f"C{i:07d}" for i in range(2, 41)]
    assert (second.loc[carried, "lead_id"] == first.loc[carried, "lead_id"]).all()
    assert (pd.to_datetime(second.loc[carried, "opened_on"]).dt.date == DAY).all()
    # Weighed against the new ones by expected value: the five likelier new leads go first; at equal value
    # every carried lead, yesterday's deferred ones too, stays ahead of the new client 46.
    order = lists[1]["client_id"].tolist()
    assert order[:5] == [f"C{i:07d}" for i in range(41, 46)] and order[-1] == "C0000046"
    assert second.loc[order[:capacity], "assignment"].eq("advisor").all()
    assert second.loc[order[capacity:], "assignment"].eq("deferred").all()
    assert deferred <= set(second.index)
    assert second["priority"].is_unique
