"""Landing columns from the simulator's numeric rows: ids, client ids, timestamps, labels.

Rows carry local client indices and day offsets; here they get their global ids and their
sequential row ids (numbered on from ``counters``, so a later day or chunk continues them).
"""

from __future__ import annotations

import datetime

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from simulator.campaigns import Calendar, campaign_names
from simulator.codes import (
    BANK_DIRECTIONS,
    CAMPAIGN_CHANNELS,
    DNC_REASONS,
    EVENT_TYPES,
    LANGUAGES,
    NEEDS,
    ORDER_SIDES,
    OUTCOMES,
    SERVICE_CHANNELS,
)
from simulator.population import AGE_BANDS, CHANNELS
from simulator.state import ClientState
from simulator.strings import IdTable, fixed_width_ids, pick

US_PER_DAY = 86_400 * 1_000_000
# Row-id column, prefix and digits per table that has one.
ROW_IDS: dict[str, tuple[str, str, int]] = {
    "risk_assessments": ("assessment_id", "RA", 8),
    "trades": ("trade_id", "T", 10),
    "app_events": ("event_id", "E", 12),
    "bank_transfers": ("transfer_id", "BT", 10),
    "product_orders": ("order_id", "PO", 10),
    "service_interactions": ("interaction_id", "SI", 10),
    "campaign_contacts": ("contact_id", "CC", 10),
}


def dates(start: datetime.date, day: np.ndarray) -> pa.Array:
    return pa.array(np.datetime64(start, "D") + np.asarray(day, dtype=np.int64).astype("timedelta64[D]"))


def timestamps(start: datetime.date, day: np.ndarray, second: np.ndarray) -> np.ndarray:
    base = np.datetime64(start, "us").astype(np.int64)
    micros = base + np.asarray(day, np.int64) * US_PER_DAY + np.asarray(second, np.int64) * 1_000_000
    return micros.view("datetime64[us]")


def _advisor_ids(advisor: np.ndarray, valid: np.ndarray) -> pa.Array:
    return pc.if_else(
        pa.array(valid & (advisor >= 0)),
        fixed_width_ids("A", np.maximum(advisor, 0) + 1, 4),
        pa.scalar(None, pa.large_string()),
    )


class ColumnBuilder:
    def __init__(
        self, start: datetime.date, first_id: int, state: ClientState, calendar: Calendar, symbols: pa.Array
    ) -> None:
        self.symbols = symbols
        self.start = start
        self.first_id = first_id
        self.state = state
        self.calendar = calendar
        self._client_ids: IdTable | None = None

    def client_ids(self, client: np.ndarray) -> pa.Array:
        if self._client_ids is None:  # built once per chunk, then gathered for every table
            self._client_ids = IdTable("C", self.first_id + 1, self.state.n, 7)
        return self._client_ids.take(client)

    def clients(self) -> dict[str, object]:
        s = self.state
        return {
            "client_id": self.client_ids(np.arange(s.n)),
            "name": pa.array(s.name, pa.large_string()),
            "phone": pa.array(s.phone, pa.large_string()),
            "branch": fixed_width_ids("BR", s.branch.astype(np.int64) + 1, 2),
            "age_band": pick(AGE_BANDS, s.age_band),
            "channel": pick(CHANNELS, s.channel),
            "advisor_id": _advisor_ids(s.advisor, np.ones(s.n, bool)),
            "opened_at": dates(self.start, s.opened_day),
        }

    def table(self, name: str, rows: dict[str, np.ndarray], first_row: int) -> dict[str, object]:
        """Columns of a daily table from its rows (``client``, ``day`` and the table's own)."""
        client = rows["client"].astype(np.int64)
        day = rows["day"]
        out: dict[str, object] = {}
        if name in ROW_IDS:
            key, prefix, width = ROW_IDS[name]
            out[key] = fixed_width_ids(prefix, first_row + np.arange(1, client.size + 1), width)
        out["client_id"] = self.client_ids(client)
        ts = timestamps(self.start, day, rows["second"]) if "second" in rows else None
        product_ids = lambda idx: fixed_width_ids("P", np.maximum(idx, 0) + 1, 4)  # noqa: E731
        if name == "risk_assessments":
            out["risk_level"] = pick([f"C{k}" for k in range(1, 6)], rows["level"] - 1)
            out["assessed_at"] = dates(self.start, day)
        elif name == "asset_snapshots":
            out["snapshot_date"] = dates(self.start, day)
            for col in ("cash", "equity", "fund", "bond", "wealth_product", "margin_debt", "aum"):
                out[col] = rows[col]
        elif name == "trades":
            out |= {"traded_at": ts, "side": pick(("buy", "sell"), rows["side"])}
            out["symbol"] = self.symbols.take(pa.array(rows["symbol"].astype(np.int64)))
            for col in ("quantity", "price", "amount", "commission"):
                out[col] = rows[col]
        elif name == "app_events":
            out |= {"event_at": ts, "event_type": pick(EVENT_TYPES, rows["etype"])}
            product = rows["product"].astype(np.int64)
            out["product_id"] = pc.if_else(
                pa.array(product >= 0), product_ids(product), pa.scalar(None, pa.large_string())
            )
        elif name == "bank_transfers":
            out |= {
                "transferred_at": ts,
                "direction": pick(BANK_DIRECTIONS, rows["direction"]),
                "amount": rows["amount"],
            }
        elif name == "product_orders":
            out |= {"product_id": product_ids(rows["product"].astype(np.int64)), "ordered_at": ts}
            out |= {"side": pick(ORDER_SIDES, rows["side"]), "amount": rows["amount"], "fee": rows["fee"]}
        elif name == "service_interactions":
            out["advisor_id"] = _advisor_ids(self.state.advisor[client], rows["advised"].astype(bool))
            out |= {"occurred_at": ts, "channel": pick(SERVICE_CHANNELS, rows["channel"])}
            out |= {
                "language": pick(LANGUAGES, rows["language"]),
                "transcript": pa.array(rows["transcript"], pa.large_string()),
            }
        elif name == "campaign_contacts":
            campaign = rows["campaign"].astype(np.int64)
            out["campaign_id"] = fixed_width_ids("CP", campaign + 1, 4)
            out["advisor_id"] = _advisor_ids(self.state.advisor[client], rows["advised"].astype(bool))
            out |= {"contacted_at": ts, "need": pick(NEEDS, self.calendar.need[campaign])}
            out["outcome"] = pick(OUTCOMES, rows["outcome"])
        elif name == "do_not_contact":
            out |= {"flagged_at": dates(self.start, day), "reason": pick(DNC_REASONS, rows["reason"])}
        return out


def campaign_columns(calendar: Calendar, start: datetime.date) -> dict[str, object]:
    k = calendar.need.size
    return {
        "campaign_id": fixed_width_ids("CP", np.arange(1, k + 1), 4),
        "name": pa.array(campaign_names(calendar, start), pa.large_string()),
        "need": pick(NEEDS, calendar.need),
        "channel": pick(CAMPAIGN_CHANNELS, calendar.channel),
        "start_date": dates(start, calendar.start),
        "end_date": dates(start, calendar.end),
    }
