"""Past campaign contacts scored as a lead would have been: the need's intent probability from the features
known the day before the contact (point in time), by today's intent champions."""

from __future__ import annotations

import pandas as pd

from models.training import TIMESTAMP, training_frame
from serving.batch import intent_scores
from serving.served_models import INTENT_HEADS, load_served


def score_contacts(store, outcomes: pd.DataFrame) -> pd.DataFrame:
    """One row per contact of `outcomes` (client_id, need, contacted_on, is_converted) with its probability.

    A contact whose need has no intent champion, or whose client had no features yet, is left out.
    """
    heads = {name: model for name in INTENT_HEADS if (model := load_served(name)) is not None}
    if not heads:
        raise LookupError("no intent champion in the model store: contacts cannot be scored")
    contacts = outcomes.assign(
        **{TIMESTAMP: pd.to_datetime(outcomes["contacted_on"]).dt.tz_localize("UTC") - pd.Timedelta(days=1)}
    )
    # Every intent head reads the same feature service.
    service = next(iter(heads.values())).feature_service
    features = training_frame(store, service, contacts[["client_id", TIMESTAMP]].drop_duplicates())
    features[TIMESTAMP] = pd.to_datetime(features[TIMESTAMP], utc=True)
    scores = pd.concat(
        [
            intent_scores(features, {name: model}).assign(**{TIMESTAMP: features[TIMESTAMP].to_numpy()})
            for name, model in heads.items()
        ],
        ignore_index=True,
    )
    contacts[TIMESTAMP] = contacts[TIMESTAMP].astype(scores[TIMESTAMP].dtype)
    columns = ["client_id", "need", "contacted_on", "is_converted", TIMESTAMP]
    scored = contacts[columns].merge(scores, on=["client_id", "need", TIMESTAMP], how="inner", validate="many_to_one")
    return scored.drop(columns=TIMESTAMP)
