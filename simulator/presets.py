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
    # The default of `make run`: the whole platform over a year of a branch's book in about 7 minutes
    # on 2 cores.
    "small": Preset(clients=10_000, days=365),
    # A year of a mid-size branch network.
    "demo": Preset(clients=50_000, days=365),
    # Four times demo: where the training budget holds training flat while the book grows.
    "large": Preset(clients=200_000, days=365),
    "bench": Preset(clients=1_000_000, days=365),
}

# A fixed default start keeps every run (and every test fixture) on the same calendar.
DEFAULT_START = datetime.date(2025, 6, 1)
# Clients are simulated in chunks of this size, each with its own random streams derived from
# (seed, chunk index): memory stays flat as clients grow. Output depends on the chunk size, so
# it is a constant, not an option.
CHUNK_CLIENTS = 50_000
# The oracle covers every client up to this many, a deterministic sample of this many above.
ORACLE_MAX_CLIENTS = 50_000
