"""App events of one day: sessions that start with a login and continue with page views.

A client with an active need logs in more often and keeps visiting the pages of that need
(codes.NEED_EVENTS) until it resolves: the behavioural signal of intent.
"""

from __future__ import annotations

import numpy as np

from simulator.codes import LOGIN, NEED_EVENTS, NEED_PRODUCT_TYPES, PRODUCT_VIEW
from simulator.shelf import Shelf
from simulator.state import ClientState

LOGIN_RATE = 0.16  # daily login probability at engagement 1 on a weekday
WEEKEND_FACTOR = 0.45
NEED_LOGIN_LIFT = 0.8  # per active need
NEED_VIEWS = 2.5  # mean extra page views per session and active need


def app_events_today(
    rng: np.random.Generator,
    state: ClientState,
    shelf: Shelf,
    act: np.ndarray,
    active: np.ndarray,
    allowed: np.ndarray,
    weekday: bool,
) -> dict[str, np.ndarray]:
    n_active = active.sum(axis=1)
    p_login = np.clip(LOGIN_RATE * state.engagement * (1.0 + NEED_LOGIN_LIFT * n_active), 0.003, 0.9)
    p_login *= act * (1.0 if weekday else WEEKEND_FACTOR)
    sess_client = np.flatnonzero(rng.random(state.n) < p_login)
    n_sess = sess_client.size
    mean_extra = np.clip(1.0 + 0.8 * state.engagement[sess_client], 1.0, 6.0) * (0.3 + 0.7 * act[sess_client])
    generic = rng.poisson(mean_extra)
    need_counts = rng.poisson(NEED_VIEWS * active[sess_client].astype(float))  # (S, 6)
    size = 1 + generic + need_counts.sum(axis=1)
    sess = np.repeat(np.arange(n_sess), size)
    first = np.cumsum(size) - size
    pos = np.arange(sess.size) - first[sess]
    client = sess_client[sess]

    etype = np.full(sess.size, LOGIN, dtype=np.int8)
    product = np.full(sess.size, -1, dtype=np.int64)
    is_generic = (pos >= 1) & (pos <= generic[sess])
    gi = np.flatnonzero(is_generic)
    u = rng.random(gi.size, dtype=np.float32)
    etype[gi] = 1 + (u[:, None] > state.event_mix[client[gi]]).sum(axis=1)
    views = gi[etype[gi] == PRODUCT_VIEW]
    product[views] = shelf.browse(rng.random(views.size), allowed[client[views]])

    # Need-driven views fill the rest of each session, need by need.
    offset = 1 + generic
    for k, types in NEED_EVENTS.items():
        count = need_counts[:, k]
        if not count.any():
            continue
        k_sess = np.repeat(np.arange(n_sess), count)
        k_pos = first[k_sess] + offset[k_sess] + (np.arange(k_sess.size) - (np.cumsum(count) - count)[k_sess])
        offset = offset + count
        kind = np.array(types, dtype=np.int8)[rng.integers(0, len(types), k_sess.size)]
        etype[k_pos] = kind
        if k in NEED_PRODUCT_TYPES:
            pv = k_pos[kind == PRODUCT_VIEW]
            product[pv] = shelf.browse(rng.random(pv.size), allowed[client[pv]], need=k)

    # Shuffle the views after the login, then space them out from a login time of day.
    key = np.where(pos == 0, -1.0, rng.random(sess.size))
    order = _order_within_sessions(sess, key)
    etype, product = etype[order], product[order]
    comp = rng.choice(3, n_sess, p=[0.40, 0.25, 0.35])
    hour = np.array([9.6, 12.5, 20.5])[comp] + np.array([0.5, 0.7, 1.5])[comp] * rng.standard_normal(n_sess)
    login_sec = np.clip(hour, 6.0, 23.5) * 3600
    gaps = np.where(pos == 0, 0.0, 5.0 + rng.exponential(50.0, sess.size))
    elapsed = np.cumsum(gaps)
    elapsed -= elapsed[first][sess]
    second = np.minimum(elapsed + login_sec[sess], 86_399).astype(np.int64)
    return {"client": client, "second": second, "etype": etype, "product": product}


def _order_within_sessions(sess: np.ndarray, key: np.ndarray) -> np.ndarray:
    """``np.lexsort((key, sess))`` for non-decreasing ``sess`` and ``key`` in [-1, 1), faster.

    ``2 * sess + key`` orders the rows the same way (rounding is monotonic) and is nearly sorted
    already, which a stable sort exploits; should rounding make two values equal, the exact
    lexsort decides instead.
    """
    combined = 2.0 * sess + key
    order = np.argsort(combined, kind="stable")
    ranked = combined[order]
    if ranked.size > 1 and not np.all(ranked[1:] > ranked[:-1]):
        return np.lexsort((key, sess))
    return order
