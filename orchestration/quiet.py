"""Library output kept off the terminal while `wealthpulse run` runs, and kept in full in a file.

dbt's per-model lines, Feast's materialize banners and progress bars, LightGBM's and Spark's chatter and
libraries' `DeprecationWarning`s are written by C code and subprocesses as often as by Python, so
the process's own standard output and error (file descriptors 1 and 2) go to the run's log file. Dagster
copies each run's output into its instance as it does today (the UI shows it under the run), and keeps
every event; the person at the terminal gets a stream of their own for the stage lines and the report.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO


@contextmanager
def output_to(log_path: Path) -> Iterator[TextIO]:
    """Within the block, whatever the process writes to its standard output or error goes to `log_path`
    (appended); the block gets a text stream to where standard output went before."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    streams = sys.stdout, sys.stderr
    terminal = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8", errors="replace")
    try:
        with open(log_path, "ab") as log:
            os.dup2(log.fileno(), 1)
            os.dup2(log.fileno(), 2)
            # Python's own streams write to those descriptors too, even where something had replaced them.
            sys.stdout = open(1, "w", buffering=1, encoding="utf-8", errors="replace", closefd=False)  # noqa: SIM115
            sys.stderr = open(2, "w", buffering=1, encoding="utf-8", errors="replace", closefd=False)  # noqa: SIM115
            try:
                yield terminal
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                sys.stdout, sys.stderr = streams
                os.dup2(saved[0], 1)
                os.dup2(saved[1], 2)
    finally:
        terminal.close()
        for fd in saved:
            os.close(fd)
