"""Marketing campaigns (one calendar per run) and the contacts they make each day.

Targeting is a mild rule of thumb (clients with the need are somewhat likelier to be picked),
so a contact list scored by a good intent model converts several times better than the base.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulator.state import ClientState
from wealthpulse.domain import NEEDS

CAMPAIGN_STREAM = 1_000_033
CONTACT_RATE = 0.0015  # daily contact probability of an eligible client per running campaign
NEED_TARGETING = 2.0  # weight of a client whose need is active (vs 1)
# Outcome probabilities (converted, interested, no_answer, declined).
OUTCOME_ACTIVE = np.array([0.50, 0.25, 0.10, 0.15])
OUTCOME_IDLE = np.array([0.01, 0.07, 0.40, 0.52])
INTEREST_SPARKS_NEED = 0.5  # an interested idle client starts to have the need
DECLINE_TO_DNC = 0.03  # annoyed clients ask not to be contacted again
_THEMES = {
    "equity_fund": "Equity fund picks",
    "fixed_income": "Steady income",
    "margin_financing": "Margin financing rate offer",
    "options": "Options starter",
    "advisory": "Advisory plan trial",
    "transfer_in": "New money bonus",
}


@dataclass(frozen=True)
class Calendar:
    need: np.ndarray  # (K,) need index
    channel: np.ndarray  # (K,) 0 app_push, 1 sms, 2 advisor_call
    start: np.ndarray  # (K,) first day
    end: np.ndarray  # (K,) last day (may lie beyond the window)

    def running(self, day: int) -> np.ndarray:
        return np.flatnonzero((self.start <= day) & (day <= self.end))


def draw_calendar(seed: int, days: int) -> Calendar:
    """About one campaign per need every 45 days, in start order, cut at the window's end."""
    rng = np.random.default_rng([seed, CAMPAIGN_STREAM])
    rows = []
    for need in range(len(NEEDS)):
        day = int(rng.integers(-20, 25))
        while True:
            length = int(rng.integers(14, 29))
            if day < days:
                rows.append((day, need, int(rng.choice(3, p=[0.4, 0.3, 0.3])), day + length - 1))
            else:
                break
            day += int(rng.integers(30, 61))
    rows.sort()
    arr = np.array(rows, dtype=np.int64).reshape(-1, 4)
    return Calendar(need=arr[:, 1], channel=arr[:, 2], start=arr[:, 0], end=arr[:, 3])


def campaign_names(calendar: Calendar, start_date: object) -> list[str]:
    import datetime

    names = []
    for need, first in zip(calendar.need, calendar.start, strict=True):
        month = (start_date + datetime.timedelta(days=int(first))).strftime("%Y-%m")
        names.append(f"{_THEMES[NEEDS[need]]} {month}")
    return names


def contacts_today(
    rng: np.random.Generator, state: ClientState, calendar: Calendar, day: int, weekday: bool, alive: np.ndarray
) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """Today's contacts, the (N, 6) conversions that fulfil a need now, and the (N, 6) needs sparked."""
    n = state.n
    convert = np.zeros((n, 6), dtype=bool)
    spark = np.zeros((n, 6), dtype=bool)
    out: dict[str, list[np.ndarray]] = {k: [] for k in ("client", "campaign", "second", "outcome", "advised")}
    if not weekday:
        return {k: np.array([], dtype=np.int64) for k in out}, convert, spark
    eligible = alive & ~state.dnc
    for c in calendar.running(day):
        need, channel = int(calendar.need[c]), int(calendar.channel[c])
        ok = eligible & (state.advisor >= 0) if channel == 2 else eligible
        active = state.need_since[:, need] >= 0
        p = CONTACT_RATE * np.where(active, NEED_TARGETING, 1.0) * ok
        client = np.flatnonzero(rng.random(n) < p)
        u = rng.random(client.size)
        act_c = active[client]
        cum_a, cum_i = np.cumsum(OUTCOME_ACTIVE), np.cumsum(OUTCOME_IDLE)
        outcome = np.where(act_c, np.searchsorted(cum_a, u, side="right"), np.searchsorted(cum_i, u, side="right"))
        outcome = np.minimum(outcome, 3)
        convert[client[outcome == 0], need] = True
        sparked = client[(outcome == 1) & ~act_c & (rng.random(client.size) < INTEREST_SPARKS_NEED)]
        spark[sparked, need] = True
        annoyed = client[(outcome == 3) & (rng.random(client.size) < DECLINE_TO_DNC)]
        state.dnc[annoyed] = True
        out["client"].append(client)
        out["campaign"].append(np.full(client.size, c))
        out["second"].append(rng.integers(9 * 3600, 20 * 3600, client.size))
        out["outcome"].append(outcome.astype(np.int8))
        out["advised"].append(np.full(client.size, channel == 2))
    rows = {k: np.concatenate(v) if v else np.array([], dtype=np.int64) for k, v in out.items()}
    return rows, convert, spark
