"""Named simulation sizes, so CI, demos and benchmarks agree on what "small" means."""

from __future__ import annotations

import datetime
from dataclasses import dataclass


@dataclass(frozen=True)
class Preset:
    clients: int
    days: int


PRESETS: dict[str, Preset] = {
    "ci": Preset(clients=2_000, days=180),
    "demo": Preset(clients=10_000, days=365),
    "bench": Preset(clients=200_000, days=365),
}

# A fixed default start keeps every run (and every test fixture) on the same calendar.
DEFAULT_START = datetime.date(2025, 6, 1)
