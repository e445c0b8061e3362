"""App events: daily sessions that start with a login and continue with a few page views."""

from __future__ import annotations

import datetime

import numpy as np

from simulator.activity import timestamps_us, weekdays
from simulator.market import Market
from simulator.population import Population
from simulator.strings import fixed_width_ids, pick

EVENT_TYPES = (
    "login",
    "quote_view",
    "product_page_view",
    "search",
    "research_read",
    "margin_page_view",
)
_PRODUCT_VIEW = EVENT_TYPES.index("product_page_view")
# Mix of the non-login events (EVENT_TYPES[1:]); margin users look at margin pages a lot.
_MIX = np.array(
    [
        [0.45, 0.20, 0.12, 0.15, 0.08],  # everyone else
        [0.42, 0.15, 0.10, 0.10, 0.23],  # margin users
    ]
)
LOGIN_RATE = 0.16  # daily login probability at engagement 1 on a weekday
WEEKEND_FACTOR = 0.45
UNSUITABLE_PRODUCT_WEIGHT = 0.25  # clients mostly browse products their risk level allows


def app_event_columns(
    rng: np.random.Generator,
    pop: Population,
    market: Market,
    act: np.ndarray,
    start: datetime.date,
) -> dict[str, object]:
    days = act.shape[0]
    p_login = np.clip(LOGIN_RATE * pop.engagement, 0.003, 0.9).astype(np.float32)
    day_f = np.where(weekdays(start, days), 1.0, WEEKEND_FACTOR).astype(np.float32)
    threshold = act * p_login[None, :]
    threshold *= day_f[:, None]
    logged_in = rng.random(act.shape, dtype=np.float32) < threshold
    del threshold
    # int32 indices: the bench preset has ~40M events and every index array counts.
    sess_day, sess_client = (a.astype(np.int32) for a in np.nonzero(logged_in))
    del logged_in
    n_sess = sess_day.size

    # Fading clients also cut their sessions short.
    mean_extra = np.clip(1.0 + 0.8 * pop.engagement, 1.0, 6.0)[sess_client]
    size = 1 + rng.poisson(mean_extra * (0.3 + 0.7 * act[sess_day, sess_client]))
    del mean_extra
    first = np.cumsum(size) - size
    sess = np.repeat(np.arange(n_sess, dtype=np.int32), size)
    pos = np.arange(sess.size, dtype=np.int64) - first[sess]
    client = sess_client[sess]
    day = sess_day[sess]

    etype = np.zeros(sess.size, dtype=np.int8)
    u = rng.random(sess.size)
    margin_user = pop.margin_user[client]
    for is_margin_user, mix in enumerate(_MIX):
        cum = np.cumsum(mix)
        cum[-1] = 1.0
        sel = np.flatnonzero((margin_user == is_margin_user) & (pos > 0))
        etype[sel] = 1 + np.searchsorted(cum, u[sel], side="right")
    del u, margin_user
    product = _browse_products(rng, pop, market, client, etype == _PRODUCT_VIEW)

    # Logins cluster before the open, at lunch and in the evening.
    comp = rng.choice(3, n_sess, p=[0.40, 0.25, 0.35])
    noise = rng.standard_normal(n_sess)
    hour = np.array([9.6, 12.5, 20.5])[comp] + np.array([0.5, 0.7, 1.5])[comp] * noise
    login_sec = np.clip(hour, 6.0, 23.5) * 3600
    gaps = np.where(pos == 0, 0.0, 5.0 + rng.exponential(50.0, sess.size))
    del pos
    elapsed = np.cumsum(gaps)
    del gaps
    elapsed -= elapsed[first][sess]
    elapsed += login_sec[sess]
    second = np.minimum(elapsed, 86_399)
    del elapsed, sess

    return {
        "event_id": fixed_width_ids("E", np.arange(1, client.size + 1), 12),
        "client_id": fixed_width_ids("C", client + 1, 7),
        "event_at": timestamps_us(start, day, second),
        "event_type": pick(EVENT_TYPES, etype),
        "product_id": pick(
            [f"P{k:04d}" for k in range(1, market.product_rating.size + 1)],
            np.maximum(product, 0),
            valid=product >= 0,
        ),
    }


def _browse_products(
    rng: np.random.Generator,
    pop: Population,
    market: Market,
    client: np.ndarray,
    is_view: np.ndarray,
) -> np.ndarray:
    """Product index per event (-1 where the event is not a product page view)."""
    product = np.full(client.size, -1, dtype=np.int16)
    views = np.flatnonzero(is_view)
    u = rng.random(views.size)
    level = pop.risk_level[client[views]]
    for lvl in range(1, 6):
        weights = market.product_popularity * np.where(market.product_rating <= lvl, 1.0, UNSUITABLE_PRODUCT_WEIGHT)
        cum = np.cumsum(weights)
        sel = level == lvl
        product[views[sel]] = np.minimum(np.searchsorted(cum, u[sel] * cum[-1]), cum.size - 1)
    return product
