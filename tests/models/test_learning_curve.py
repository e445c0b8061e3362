"""A model's learning curve, as the benchmark writes it and the model card shows it."""

import base64
import io
import json
import re
from datetime import date

import pytest
from PIL import Image

from models.cards import write_model_card
from models.learning_curve import (
    MEASURE_COMMAND,
    budget_rows,
    curve_html,
    curve_markdown,
    curve_paths,
    curve_sections,
    read_curve,
    write_curve,
)
from tests.models.test_cards import _binary_inputs

TOTAL = 321_065


def _rows(head: str, values: dict[int, float], oracle: float = 0.83) -> list[dict[str, object]]:
    """Curve rows of one binary head: sample size -> test AUC (the largest size is every row)."""
    return [
        {
            "model": "intent",
            "head": head,
            "calendar": False,
            "budget": None if size == TOTAL else size,
            "fit_rows": size,
            "fit_rows_total": TOTAL,
            "clients": size // 33,
            "test_rows": 87_755,
            "metric": "auc",
            "value": value,
            "macro_f1": None,
            "oracle_auc": oracle,
            "oracle_macro_f1": None,
            "trees": 50,
            "seconds": 3.0,
            "inputs": 199,
        }
        for size, value in values.items()
    ]


ADVISORY = _rows("intent_advisory", {24_990: 0.70, 99_980: 0.741, TOTAL: 0.7538}, oracle=0.8258)
TRANSFER = _rows("intent_transfer_in", {24_990: 0.69, 99_980: 0.722, TOTAL: 0.7231}, oracle=0.7802)


def test_the_budget_is_the_smallest_sample_close_to_the_largest_for_every_head():
    # Transfer-in is within 0.002 at 99,980 rows, advisory is not: the model's budget is every row.
    assert budget_rows(ADVISORY + TRANSFER) == TOTAL
    assert budget_rows(TRANSFER) == 99_980
    # Log-loss: lower is better, so a sample 0.001 above the largest's log-loss is close enough.
    tiering = [
        {**row, "metric": "log_loss"} for row in _rows("tiering", {25_000: 0.36, 100_000: 0.3198, 263_753: 0.3188})
    ]
    assert budget_rows(tiering) == 100_000


def test_a_written_curve_is_read_back_and_a_head_measured_again_replaces_its_rows(tmp_path):
    write_curve(tmp_path, "intent", ADVISORY, measured_on=date(2026, 12, 5))
    curve = write_curve(tmp_path, "intent", TRANSFER, measured_on=date(2026, 12, 6))
    assert {row["head"] for row in curve.rows} == {"intent_advisory", "intent_transfer_in"}
    assert curve.measured_on == ("2026-12-05", "2026-12-06")
    again = [{**row, "value": 0.75} for row in ADVISORY if row["fit_rows"] == TOTAL]
    curve = write_curve(tmp_path, "intent", again, measured_on=date(2026, 12, 6))
    advisory = {row["fit_rows"]: row["value"] for row in curve.rows if row["head"] == "intent_advisory"}
    assert advisory == {24_990: 0.70, 99_980: 0.741, TOTAL: 0.75}
    read = read_curve(tmp_path, "intent")
    assert read is not None and read.rows == curve.rows
    json_path, png_path = curve_paths(tmp_path, "intent")
    assert png_path.read_bytes().startswith(b"\x89PNG") and read.png == png_path.read_bytes()
    assert json.loads(json_path.read_text())["model"] == "intent"
    assert read_curve(tmp_path, "churn") is None
    with pytest.raises(ValueError, match="rows of intent given as the learning curve of 'churn'"):
        write_curve(tmp_path, "churn", ADVISORY)


def test_a_card_with_a_curve_embeds_its_plot_the_table_and_the_day(tmp_path):
    curve = write_curve(tmp_path / "curves", "intent", ADVISORY + TRANSFER, measured_on=date(2026, 12, 6))
    text = curve_markdown("intent", curve)
    images = re.findall(r"!\[intent learning curve\]\(data:image/png;base64,([A-Za-z0-9+/=]+)\)", text)
    assert len(images) == 1
    assert Image.open(io.BytesIO(base64.b64decode(images[0]))).format == "PNG"
    assert "Measured 2026-12-06" in text and "87,755 test rows" in text
    assert "| training rows | clients | intent_advisory AUC | intent_transfer_in AUC |" in text
    assert "| 99,980 | 3,029 | 0.7410 | 0.7220 |" in text
    assert "| 321,065 (all) | 9,729 | 0.7538 | 0.7231 |" in text
    assert "| oracle (same test rows) |  | 0.8258 | 0.7802 |" in text
    assert "Smallest sample within 0.002 of the largest: 321,065 rows" in text
    page = write_model_card(
        tmp_path / "card", [_binary_inputs()], "Model card", learning_curve=curve_html("intent", curve)
    )
    page = page["html"].read_text()
    assert '<img alt="learning curve" src="data:image/png;base64,' in page
    assert "<td>321,065 (all)</td><td>9,729</td><td>0.7538</td><td>0.7231</td>" in page
    assert "Measured 2026-12-06" in page and "uv run" not in page


def test_a_card_without_a_curve_names_the_command_that_measures_one(tmp_path):
    command = MEASURE_COMMAND.format(model="tiering")
    assert command == "uv run --frozen python -m benchmarks.learning_curve --models tiering"
    sections = curve_sections(tmp_path / "none yet", "tiering")
    assert sections.curve is None
    assert f"`{command}`" in sections.markdown and "data:image" not in sections.markdown
    page = write_model_card(tmp_path / "card", [_binary_inputs()], "Model card", learning_curve=sections.html)
    page = page["html"].read_text()
    assert "No learning curve measured for tiering" in page and command in page
    assert 'alt="learning curve"' not in page


def test_a_curve_file_that_cannot_be_read_is_said_so_in_the_card(tmp_path):
    json_path, _ = curve_paths(tmp_path, "churn")
    json_path.write_text(json.dumps({"model": "churn", "rows": [{"head": "churn"}]}))
    with pytest.raises(ValueError, match="row 0 lacks fit_rows"):
        read_curve(tmp_path, "churn")
    sections = curve_sections(tmp_path, "churn")
    assert sections.curve is None
    assert "could not be read" in sections.markdown and "row 0 lacks fit_rows" in sections.markdown
    assert MEASURE_COMMAND.format(model="churn") in sections.html
