"""Deterministic synthetic securities brokerage (wealth-management clients).

``simulate`` returns the six landing tables as pandas frames; ``write_landing`` writes
them as hive-partitioned daily parquet (``<table>/dt=YYYY-MM-DD/part-0.parquet``).
"""

from simulator.brokerage import simulate
from simulator.landing import write_landing
from simulator.presets import DEFAULT_START, PRESETS, Preset
from simulator.schema import SCHEMAS, TABLES

__all__ = ["DEFAULT_START", "PRESETS", "SCHEMAS", "TABLES", "Preset", "simulate", "write_landing"]
