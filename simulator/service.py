"""Service interactions of one day: calls and chats, with their transcripts."""

from __future__ import annotations

import numpy as np

from simulator.codes import LANGUAGES, SERVICE_CHANNELS
from simulator.state import ClientState
from simulator.transcripts import transcript

CONTACT_RATE = 0.0025  # daily probability of a call or chat at rest
NEED_LIFT = 1.5  # per active need: clients ask before they act
LEAVING_LIFT = 3.0


def interactions_today(
    rng: np.random.Generator,
    state: ClientState,
    act: np.ndarray,
    active: np.ndarray,
    leaving: np.ndarray,
    alive: np.ndarray,
) -> dict[str, np.ndarray]:
    p = CONTACT_RATE * (1 + NEED_LIFT * active.sum(axis=1)) * (1 + LEAVING_LIFT * leaving)
    p *= np.sqrt(np.maximum(act, 0.05)) * alive
    client = np.flatnonzero(rng.random(state.n) < p)
    advised = state.advisor[client] >= 0
    channel = np.where(rng.random(client.size) < np.where(advised, 0.6, 0.35), 0, 1).astype(np.int8)
    # Calls with an assigned advisor go to that advisor; chats mostly reach the service desk.
    with_advisor = advised & ((channel == 0) | (rng.random(client.size) < 0.3))
    second = np.where(
        channel == 0, rng.integers(9 * 3600, 18 * 3600, client.size), rng.integers(8 * 3600, 22 * 3600, client.size)
    )
    language = state.language[client]
    # Plain Python values for the per-row loop: numpy scalars would cost more than the text.
    langs = [LANGUAGES[k] for k in language.tolist()]
    chans = [SERVICE_CHANNELS[k] for k in channel.tolist()]
    needs_of = active[client].tolist()
    leaves = leaving[client].tolist()
    names = state.name[client].tolist()
    phones = state.phone[client].tolist()
    text = np.array(
        [transcript(rng, langs[i], chans[i], needs_of[i], leaves[i], names[i], phones[i]) for i in range(client.size)],
        dtype=object,
    )
    return {
        "client": client,
        "second": second,
        "channel": channel,
        "language": language,
        "advised": with_advisor,
        "transcript": text,
    }
