"""Deterministic synthetic securities brokerage (wealth-management clients) with ground truth.

``simulate`` returns the landing tables as pandas frames (plus ``.oracle``); ``write_landing``
writes them as hive-partitioned daily parquet (``<table>/dt=YYYY-MM-DD/part-0.parquet``);
``simulate_to_disk`` does both chunk by chunk at any scale, and ``next_day`` continues a run.
"""

from simulator.brokerage import Simulation, simulate
from simulator.codes import EVENT_TYPES, PRODUCT_TYPES
from simulator.disk import RunSummary, next_day, simulate_to_disk
from simulator.landing import write_landing, write_oracle
from simulator.presets import DEFAULT_START, PRESETS, Preset
from simulator.schema import DAILY_TABLES, ORACLE_SCHEMA, SCHEMAS, TABLES
from simulator.tiers import value_tier
from wealthpulse.domain import NEEDS

__all__ = [
    "DAILY_TABLES",
    "DEFAULT_START",
    "EVENT_TYPES",
    "NEEDS",
    "ORACLE_SCHEMA",
    "PRESETS",
    "PRODUCT_TYPES",
    "SCHEMAS",
    "TABLES",
    "Preset",
    "RunSummary",
    "Simulation",
    "next_day",
    "simulate",
    "simulate_to_disk",
    "value_tier",
    "write_landing",
    "write_oracle",
]
