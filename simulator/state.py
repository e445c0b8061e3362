"""The latent state of a chunk of clients: what the simulator knows and the landing data does not.

One array per field, length N (or N x k). The state at the end of a day is all that the next
day needs, so ``--next-day`` saves and reloads exactly this.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np

NEVER = -1_000_000  # day sentinel: no assessment / need idle
UNDECIDED = np.iinfo(np.int32).max  # churn_day of a client who has not decided to leave


@dataclass
class ClientState:
    # --- traits (fixed) ---
    opened_day: np.ndarray  # int32 day offset from the window start, negative = before it
    age_band: np.ndarray  # int8 index into AGE_BANDS
    channel: np.ndarray  # int8 index into CHANNELS
    branch: np.ndarray  # int8 0..19
    advisor: np.ndarray  # int32 global advisor index, -1 = unassigned
    combo: np.ndarray  # int8 trading x wealth-management combination 0..4
    style: np.ndarray  # int8 allocation style 0..2
    language: np.ndarray  # int8 0 = zh, 1 = en
    engagement: np.ndarray  # float64 lognormal, drives logins
    trade_rate: np.ndarray  # float64 expected trades per weekday at full activity
    beta: np.ndarray  # float64 equity sensitivity to the index
    favourites: np.ndarray  # (N, 4) int16 favourite symbols
    payday: np.ndarray  # int8 day of month of the salary transfer, 0 = none
    income: np.ndarray  # float64 monthly amount moved in on payday
    churn_hazard: np.ndarray  # float64 daily probability of deciding to leave
    decay_len: np.ndarray  # int32 days from the decision to leave to the exit
    drift_floor: np.ndarray  # float64 share of assets still held on the exit day's eve
    residual: np.ndarray  # float64 share left after the exit
    dormant: np.ndarray  # bool, gone before the window started
    need_base: np.ndarray  # (N, 6) float64 static part of each need's daily hazard
    event_mix: np.ndarray  # (N, 8) float32 cumulative mix of the non-login app events
    name: np.ndarray  # str, only for the occasional transcript that names the client
    phone: np.ndarray  # str
    # --- state (changes day by day) ---
    cash: np.ndarray
    equity: np.ndarray
    fund: np.ndarray
    bond: np.ndarray
    wealth: np.ndarray
    margin: np.ndarray
    risk_level: np.ndarray  # int8 1..5: the latest assessed level (or the would-be level if none)
    assessed_day: np.ndarray  # int32 day of the latest assessment, NEVER = none
    churn_day: np.ndarray  # int32 exit day once decided, UNDECIDED before
    moved_keep: np.ndarray  # float64 share of assets kept at the last outflow of a leaving client
    quiet_until: np.ndarray  # int32 end (exclusive) of a holiday-like lull
    need_since: np.ndarray  # (N, 6) int32 day a need arose, NEVER = idle
    dnc: np.ndarray  # bool on the do-not-contact list

    @property
    def n(self) -> int:
        return int(self.opened_day.size)

    def aum(self) -> np.ndarray:
        return self.cash + self.equity + self.fund + self.bond + self.wealth - self.margin

    def aum_of(self, who: np.ndarray) -> np.ndarray:
        """``aum()[who]`` without computing it for every client (the same sums, so the same values)."""
        return self.cash[who] + self.equity[who] + self.fund[who] + self.bond[who] + self.wealth[who] - self.margin[who]

    def valid_level(self, day: int) -> np.ndarray:
        """Risk level usable on ``day``: 0 when the assessment is missing or older than 24 months."""
        valid = (self.assessed_day <= day) & (day - self.assessed_day <= 730)
        return np.where(valid, self.risk_level, 0).astype(np.int8)

    def valid_level_of(self, day: int, who: np.ndarray) -> np.ndarray:
        """``valid_level(day)[who]`` for a few clients."""
        assessed = self.assessed_day[who]
        valid = (assessed <= day) & (day - assessed <= 730)
        return np.where(valid, self.risk_level[who], 0).astype(np.int8)

    def save(self, path: Path) -> None:
        np.savez(path, **{f.name: getattr(self, f.name) for f in fields(self)})

    @classmethod
    def load(cls, path: Path) -> ClientState:
        with np.load(path, allow_pickle=False) as data:
            return cls(**{f.name: data[f.name] for f in fields(cls)})
