"""The training budget: how many label rows a model trains on, taken as whole clients, before the join.

Training reads a sample of the label rows, never all of them: the cost of the point-in-time read and
of training then stays flat as the book grows, while the test dates stay whole so every head is graded
on the same rows as before. The sample is of **whole clients** (all their rows on the fitting dates, or
none), chosen by a stable hash of ``client_id``: the same book gives the same sample on every run and
every machine, a larger budget holds every client of a smaller one (the learning curve's samples are
nested), and no client's history is split between sampled and unsampled.

Only the fitting dates (train and validation) are sampled; the test dates, the latest as-of dates, are
kept whole. Each model's default budget is in its config (measured by ``benchmarks/learning_curve.py``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import pandas as pd

from models.config import ModelConfig
from models.training import ENTITY_KEY, TIMESTAMP, split_dates
from wealthpulse.settings import VARIABLES, SettingsError, parse_training_rows


def client_order(client_ids: pd.Series) -> pd.Series:
    """Each distinct client's place in the sampling order: a stable 64-bit hash of its id.

    blake2b, not Python's ``hash`` (salted per process) nor pandas' hash (an implementation detail),
    so the order is the same in every process, version and machine.
    """
    unique = pd.unique(client_ids.astype(str))
    keys = [int.from_bytes(hashlib.blake2b(c.encode(), digest_size=8).digest(), "big") for c in unique]
    return pd.Series(np.asarray(keys, dtype=np.uint64), index=unique, name="order")


@dataclass(frozen=True)
class Sample:
    """Which label rows training reads, and how many of how many."""

    labels: pd.DataFrame
    fit_rows: int
    fit_rows_total: int
    clients: int
    clients_total: int
    test_rows: int
    budget: int | None

    def describe(self) -> dict[str, object]:
        return {
            "budget": self.budget,
            "fit_rows": self.fit_rows,
            "fit_rows_total": self.fit_rows_total,
            "clients": self.clients,
            "clients_total": self.clients_total,
            "test_rows": self.test_rows,
        }


def sample_labels(labels: pd.DataFrame, config: ModelConfig, budget: int | None) -> Sample:
    """The label rows training reads: every row on the test dates, and on the fitting dates the rows of
    whole clients, in stable hash order, as long as their rows fit in ``budget`` (None: all of them).

    ``labels`` is a label frame (``client_id``, ``event_timestamp``, labels). The rows keep their order.
    """
    missing = {ENTITY_KEY, TIMESTAMP} - set(labels.columns)
    if missing:
        raise ValueError(f"label frame lacks columns {sorted(missing)}")
    if budget is not None and budget < 1:
        raise ValueError(f"training budget must be at least 1 row, got {budget}")
    _, test_from = split_dates(labels[TIMESTAMP].unique(), config)
    on_test = (labels[TIMESTAMP] >= test_from).to_numpy()
    fitting = labels.loc[~on_test, ENTITY_KEY].astype(str)
    rows_per_client = fitting.value_counts()
    clients_total = len(rows_per_client)
    if budget is None or len(fitting) <= budget:
        keep = np.ones(len(labels), dtype=bool)
        chosen = clients_total
    else:
        order = client_order(pd.Series(rows_per_client.index))
        ranked = rows_per_client.reindex(order.sort_values(kind="stable").index)
        within = ranked.cumsum() <= budget
        chosen_ids = ranked.index[within.to_numpy()]
        chosen = len(chosen_ids)
        keep = on_test | labels[ENTITY_KEY].astype(str).isin(chosen_ids).to_numpy()
    sampled = labels[keep]
    return Sample(
        labels=sampled,
        fit_rows=int((~on_test & keep).sum()),
        fit_rows_total=len(fitting),
        clients=chosen,
        clients_total=clients_total,
        test_rows=int(on_test.sum()),
        budget=budget,
    )


def training_budget(config: ModelConfig, raw: str | None, known: tuple[str, ...] = ()) -> int | None:
    """The budget of one model: its entry in the setting, else the setting's bare count, else the
    config's measured default. ``known``: the model names a per-model entry may name."""
    budgets = parse_training_rows(raw)
    unknown = sorted(name for name in budgets if name is not None and known and name not in known)
    if unknown:
        raise SettingsError(
            f"{VARIABLES['training_rows']}={raw!r}: no model named {', '.join(unknown)} (models: {', '.join(known)})"
        )
    if config.name in budgets:
        return budgets[config.name]
    if None in budgets:
        return budgets[None]
    return config.training_rows
