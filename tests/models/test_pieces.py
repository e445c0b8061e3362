"""A training set written, read and graded a piece at a time gives what the set held whole gives."""

import numpy as np
import pandas as pd
import pytest

from models.artifacts import ModelArtifacts
from models.champion import Candidate, compare_on_holdout, compare_with_champion
from models.config import CHURN, TIERING
from models.fit import fit_model, fit_model_on
from models.onnx_export import export_onnx
from models.registry import Champion, frame_fingerprint
from models.summaries import TrainingSetSummary, training_set_summary
from models.training import TIMESTAMP, split_dates, time_split
from tests.models.synthetic import FEATURES, binary_frame, tier_frame

TIER_FEATURES = ["signal", "noise", "weak", "value_tier_code"]


def pieces_of(frame: pd.DataFrame, rows: int) -> list[pd.DataFrame]:
    return [frame.iloc[start : start + rows].reset_index(drop=True) for start in range(0, len(frame), rows)]


def written(tmp_path, frame: pd.DataFrame, rows: int) -> ModelArtifacts:
    store = ModelArtifacts.of(tmp_path, "m")
    store.write_training_set(iter(pieces_of(frame, rows)))
    return store


def test_a_set_written_in_pieces_reads_back_whole_and_splits_by_its_test_date(tmp_path) -> None:
    frame = binary_frame(rows_per_date=200).drop(columns="p_true")
    store = written(tmp_path, frame, 350)  # pieces cut across dates
    pd.testing.assert_frame_equal(store.read_training_set(), frame)
    _, test_from = split_dates(frame[TIMESTAMP].unique(), CHURN)
    split = time_split(frame, CHURN)
    fitting = pd.concat([split.train, split.validation], ignore_index=True)
    pd.testing.assert_frame_equal(store.read_fitting(test_from), fitting)
    pieces = list(store.test_pieces(test_from))
    assert len(pieces) > 1 and max(len(p) for p in pieces) <= 350
    pd.testing.assert_frame_equal(pd.concat(pieces, ignore_index=True), split.test.reset_index(drop=True))


def test_the_test_rows_are_read_without_the_row_groups_before_them(tmp_path, monkeypatch) -> None:
    frame = binary_frame(rows_per_date=200).drop(columns="p_true")
    store = written(tmp_path, frame, 200)  # a date a row group
    _, test_from = split_dates(frame[TIMESTAMP].unique(), CHURN)
    read = []
    original = type(store)._training_set_file

    def counting(self):
        file = original(self)
        inner = file.read_row_group
        file.read_row_group = lambda index, *a, **k: read.append(index) or inner(index, *a, **k)
        return file

    monkeypatch.setattr(type(store), "_training_set_file", counting)
    list(store.test_pieces(test_from))
    assert read == [8, 9]  # the test dates are the last two of ten


def test_a_piece_of_other_columns_is_a_clear_error(tmp_path) -> None:
    frame = binary_frame(rows_per_date=50).drop(columns="p_true")
    odd = frame.iloc[50:].assign(signal=lambda f: f["signal"].astype(str))
    with pytest.raises(ValueError, match="differs from the first in its columns"):
        ModelArtifacts.of(tmp_path, "m").write_training_set(iter([frame.iloc[:50], odd]))
    assert not (tmp_path / "m" / "training_set.parquet").exists()


def test_a_set_without_a_piece_is_a_clear_error(tmp_path) -> None:
    with pytest.raises(ValueError, match="no piece to write"):
        ModelArtifacts.of(tmp_path, "m").write_training_set(iter([]))


@pytest.mark.parametrize("config,make", [(CHURN, binary_frame), (TIERING, tier_frame)])
def test_the_summary_of_pieces_is_the_summary_of_the_whole(config, make) -> None:
    frame = make(rows_per_date=100).drop(columns="p_true", errors="ignore")
    summary = TrainingSetSummary(config)
    for piece in pieces_of(frame, 130):
        assert summary.add(piece) is piece
    assert summary.result() == training_set_summary(frame, config)


@pytest.mark.parametrize(
    "config,make,features", [(CHURN, binary_frame, FEATURES), (TIERING, tier_frame, TIER_FEATURES)]
)
def test_a_model_graded_in_pieces_equals_one_graded_whole(tmp_path, config, make, features) -> None:
    frame = make(rows_per_date=300).drop(columns="p_true", errors="ignore")
    whole = fit_model(frame, config, features)
    store = written(tmp_path, frame, 170)
    val_from, test_from = split_dates(store.read_training_set([TIMESTAMP])[TIMESTAMP].unique(), config)
    in_pieces = fit_model_on(store.read_fitting(test_from), store.test_pieces(test_from), val_from, config, features)
    for head in config.heads:
        one, other = whole.heads[head], in_pieces.heads[head]
        np.testing.assert_array_equal(one.card.scores, other.card.scores)
        assert one.summary["metrics"] == other.summary["metrics"]
        assert one.summary["split"] == other.summary["split"]
    # The fingerprint is the training set's, as if read whole.
    assert in_pieces.heads[next(iter(config.heads))].summary["fingerprint"] == frame_fingerprint(frame)


def test_candidate_and_champion_compared_in_pieces_as_on_the_whole_holdout() -> None:
    frame = binary_frame(rows_per_date=300).drop(columns="p_true")
    older = binary_frame(rows_per_date=300, seed=11).drop(columns="p_true")
    candidate = export_onnx(fit_model(frame, CHURN, FEATURES).heads["churn"].booster, name="churn")
    weaker = FEATURES[1:]
    champion_booster = fit_model(older, CHURN, weaker).heads["churn"].booster
    champion = Champion("churn:old", export_onnx(champion_booster, name="churn"), {"feature_names": weaker})
    test = time_split(frame, CHURN).test.reset_index(drop=True)
    whole = compare_with_champion(CHURN, "churn", candidate, FEATURES, test, champion, parity_passed=True)
    pieces = compare_on_holdout(
        CHURN, {"churn": Candidate(candidate, FEATURES, True)}, {"churn": champion}, iter(pieces_of(test, 111))
    )["churn"]
    assert pieces == whole
    assert whole.champion is not None and whole.candidate > whole.champion


def test_the_parity_sample_is_every_kth_test_row_and_at_most_the_rows_asked(tmp_path) -> None:
    frame = binary_frame(rows_per_date=200).drop(columns="p_true")
    store = written(tmp_path, frame, 150)
    _, test_from = split_dates(frame[TIMESTAMP].unique(), CHURN)
    test = time_split(frame, CHURN).test.reset_index(drop=True)  # 400 rows
    sample = store.test_sample(test_from, 130)
    pd.testing.assert_frame_equal(sample, test.iloc[::4].reset_index(drop=True))
    pd.testing.assert_frame_equal(store.test_sample(test_from, 1000), test)
