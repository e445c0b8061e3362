"""Which reasons `/score` gives: the share of sampled clients with each feature among a score's top three.

    WEALTHPULSE_API_KEY=... make serve        # in one terminal, on a materialized state
    WEALTHPULSE_API_KEY=... WEALTHPULSE_HOME=... uv run --frozen python -m benchmarks.reasons [--clients 200]

Clients are sampled from the newest day's batch scores and scored over HTTP, as an app would. A reason
an advisor cannot act on is a point in time (a feature named ``*_epoch``): the share of clients given
one is printed first, then each model's most frequent reasons.
"""

from __future__ import annotations

import argparse
import json
import os
import urllib.request
from collections import Counter

import pandas as pd

from wealthpulse.settings import API_KEY_ENV, Settings

TOP = 3


def sample_ids(settings: Settings, clients: int, seed: int) -> list[str]:
    days = sorted(p.parent.name for p in settings.scores_dir.glob("*/scores.parquet"))
    if not days:
        raise SystemExit(f"no batch scores under {settings.scores_dir}: materialize the state first (make run)")
    ids = pd.read_parquet(settings.scores_dir / days[-1] / "scores.parquet", columns=["client_id"])["client_id"]
    return ids.sample(n=min(clients, len(ids)), random_state=seed).tolist()


def score(url: str, key: str, ids: list[str]) -> list[dict]:
    body = json.dumps({"client_ids": ids}).encode()
    request = urllib.request.Request(
        f"{url}/score",
        data=body,
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as answer:
        return json.loads(answer.read())["scores"]


def top_reasons(entries: list[dict]) -> dict[str, Counter]:
    """Per reason key (churn, tiering, intent), how many scored clients have each feature in the top three."""
    counts: dict[str, Counter] = {}
    for entry in entries:
        for model, reasons in (entry.get("reasons") or {}).items():
            counts.setdefault(model, Counter()).update({r["feature"] for r in reasons[:TOP]})
    return counts


def point_in_time_share(entries: list[dict]) -> float:
    scored = [e for e in entries if not e.get("error")]
    flagged = sum(
        any(r["feature"].endswith("_epoch") for reasons in e["reasons"].values() for r in reasons[:TOP]) for e in scored
    )
    return flagged / max(len(scored), 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:3000")
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    key = os.environ.get(API_KEY_ENV)
    if not key:
        raise SystemExit(f"{API_KEY_ENV} is not set: use the key the service was started with")
    entries = score(args.url, key, sample_ids(Settings.from_env(), args.clients, args.seed))
    scored = sum(not e.get("error") for e in entries)
    print(f"{scored} of {len(entries)} sampled clients scored")
    print(f"clients with a point in time among a score's top {TOP} reasons: {point_in_time_share(entries):.1%}")
    for model, counts in sorted(top_reasons(entries).items()):
        print(f"\n{model}\n\n| feature | clients with it in the top {TOP} |\n|---|---|")
        for feature, n in counts.most_common(8):
            print(f"| `{feature}` | {n / scored:.0%} |")


if __name__ == "__main__":
    main()
