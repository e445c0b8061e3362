"""Fold app events into today's live counters, the rows pushed to Feast's live_app_events source."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

COUNTER = {
    "login": "live_logins_today",
    "product_page_view": "live_product_views_today",
    "search": "live_searches_today",
}
COUNTERS = tuple(COUNTER.values())


def fold_events(
    current: dict[str, dict[str, float | None]], events: list[tuple[str, str]], now: datetime, current_day: dict
) -> dict[str, dict[str, float]]:
    """New counter rows per client: today's stored counts (zero when stored on an earlier day) plus the events.

    current: client -> stored counter values; current_day: client -> date of the stored row (or None).
    """
    rows: dict[str, dict[str, float]] = {}
    added: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(COUNTERS, 0))
    logged_in = set()
    for client_id, event_type in events:
        added[client_id][COUNTER[event_type]] += 1
        if event_type == "login":
            logged_in.add(client_id)
    for client_id, increments in added.items():
        stored = current.get(client_id, {})
        same_day = current_day.get(client_id) == now.date()
        row = {name: (float(stored.get(name) or 0.0) if same_day else 0.0) + increments[name] for name in COUNTERS}
        last_login = stored.get("live_last_login_epoch") if same_day else None
        row["live_last_login_epoch"] = now.timestamp() if client_id in logged_in else last_login
        rows[client_id] = row
    return rows
