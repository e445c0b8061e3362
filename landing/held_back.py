"""The message of a landing day held back by files quarantined whole: each table, file and fault, and
what to do."""

from __future__ import annotations

from landing.partitions import PARTITION_PREFIX, folder_day
from landing.quarantine import FileFault, TableCheck

REBUILD = "make rebuild FROM={day} TO={day}"


def file_day(fault: FileFault) -> str | None:
    """The export day of a quarantined file, from its ``<table>/dt=YYYY-MM-DD/`` folder."""
    parts = [p for p in fault.file.split("/") if p.startswith(PARTITION_PREFIX)]
    return folder_day(parts[0]) if parts else None


def held_back_message(checks: dict[str, TableCheck]) -> str | None:
    """None when no file is quarantined whole; otherwise a message naming every table, file and fault."""
    broken = {table: check for table, check in checks.items() if check.blocking}
    if not broken:
        return None
    days = sorted({d for check in broken.values() for f in check.files if (d := file_day(f))})
    files = sum(len(check.files) for check in broken.values())
    lines = [
        f"landing day {', '.join(days) or '(every day)'} held back: {files} file(s) broke the landing contract "
        "as a whole, so the warehouse does not build until they are exported again (yesterday's models and "
        "scores keep serving; the other tables' rows are checked and wait in landing):"
    ]
    for table, check in broken.items():
        lines += [f"- {table}: landing/{f.file}: {f.fault}: {f.reason}" for f in check.files]
        lines += [f"- {table}: every file: {reason}" for reason in check.table_faults]
    rebuild = "; ".join(f"`{REBUILD.format(day=day)}`" for day in days) or "`make rebuild` over the days listed"
    lines.append(
        "What to do: have the brokerage export these files again to the same paths, then rebuild the day "
        f"({rebuild}); the quarantine of a replaced file clears on that run."
    )
    return "\n".join(lines)
