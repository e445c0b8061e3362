"""Model cards: one self-contained HTML page with every plot embedded, plus PNG files and markdown."""

import re

import numpy as np
import pandas as pd

from models.cards import CardInputs, card_markdown, lift_by_decile, write_model_card
from models.config import TIERING


def _binary_inputs() -> CardInputs:
    rng = np.random.default_rng(0)
    scores = rng.random(2000)
    y = (rng.random(2000) < scores * 0.5).astype(int)
    return CardInputs(
        name="churn",
        task="binary",
        y_true=y,
        scores=scores,
        metrics={"auc": 0.8, "ece": 0.01},
        importance=pd.Series({"logins_30d": 10.0, "aum": 3.0}, name="gain"),
        oracle={"oracle_auc": 0.81, "auc_gap": 0.01},
        goals=[{"goal": "ece", "value": 0.01, "target": "<= 0.02", "met": True}],
    )


def _tier_inputs() -> CardInputs:
    rng = np.random.default_rng(1)
    proba = rng.dirichlet(np.ones(5), size=500)
    return CardInputs(
        name="tiering",
        task="multiclass",
        y_true=rng.integers(1, 6, size=500),
        scores=proba,
        metrics={"macro_f1": 0.5},
        importance=pd.Series({"value_tier_code": 5.0}, name="gain"),
        classes=TIERING.classes,
    )


def test_card_embeds_every_plot(tmp_path):
    paths = write_model_card(tmp_path, [_binary_inputs(), _tier_inputs()], "Model card")
    page = paths["html"].read_text()
    for plot in ("roc", "pr", "lift", "calibration", "importance"):
        assert f'alt="{plot}"' in page
        assert paths[f"churn_{plot}"].read_bytes().startswith(b"\x89PNG")
    for plot in ("confusion", "calibration", "importance"):
        assert paths[f"tiering_{plot}"].exists()
    assert len(re.findall(r'src="data:image/png;base64,', page)) == 8
    # Self-contained: no external references.
    assert "http" not in page and "<script" not in page


def test_markdown_summary_and_lift():
    text = card_markdown(_binary_inputs())
    assert "| auc | 0.8000 |" in text and "| ece | 0.0100 | <= 0.02 | yes |" in text
    lift = lift_by_decile(np.r_[np.ones(10), np.zeros(90)], np.linspace(1, 0, 100))
    assert lift[1] == 10.0 and lift[10] == 0.0


def test_plots_markdown_embeds_small_copies_of_the_main_plots():
    import base64
    import io

    from PIL import Image

    from models.cards import card_plots, plots_markdown

    cards = [_binary_inputs(), _tier_inputs()]
    plots = [card_plots(card) for card in cards]
    text = plots_markdown(cards, plots)
    assert text.splitlines()[0] == "#### churn" and "#### tiering" in text
    images = re.findall(r"!\[(\w+) (\w+)\]\(data:image/png;base64,([A-Za-z0-9+/=]+)\)", text)
    assert [(head, plot) for head, plot, _ in images] == [
        ("churn", "roc"),
        ("churn", "lift"),
        ("churn", "calibration"),
        ("churn", "importance"),
        ("tiering", "calibration"),
        ("tiering", "confusion"),
        ("tiering", "importance"),
    ]
    for head, plot, data in images:
        small = Image.open(io.BytesIO(base64.b64decode(data)))
        full = Image.open(io.BytesIO(plots[0 if head == "churn" else 1][plot]))
        # A thumbnail: smaller than the card's plot, a few kilobytes.
        assert small.width < full.width and small.height < full.height
        assert len(data) < 16_000
    # The precision-recall curve stays in the model card only.
    assert "churn pr" not in text
