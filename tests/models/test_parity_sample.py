"""The parity gate checks the export on a fixed sample of the test rows: its cost stays flat as the test
rows grow, and a faulty export is still caught on the sample."""

from models.artifacts import ModelArtifacts
from models.config import CHURN
from models.fit import fit_model
from models.onnx_export import export_onnx, parity_passed
from models.training import time_split
from tests.models.corrupt import corrupt_first_tree
from tests.models.synthetic import FEATURES, binary_frame


def _stored_model(tmp_path, corrupt: bool):
    frame = binary_frame(rows_per_date=400).drop(columns="p_true")
    fitted = fit_model(frame, CHURN, FEATURES)
    booster = fitted.heads["churn"].booster
    store = ModelArtifacts.of(tmp_path, "churn")
    store.write_booster("churn", booster)
    store.write_summary("churn", {"feature_names": FEATURES})
    model_bytes = export_onnx(booster, name="churn")
    store.write_onnx("churn", corrupt_first_tree(model_bytes) if corrupt else model_bytes)
    return store, time_split(frame, CHURN).test


def test_parity_reads_at_most_its_sample_of_the_test_rows(tmp_path):
    store, test = _stored_model(tmp_path, corrupt=False)
    assert len(test) > 300
    sampled = store.parity("churn", test, rows=300)
    assert sampled["rows"] == 300 and parity_passed(sampled)
    assert store.parity("churn", test)["rows"] == len(test)  # fewer rows than the sample: every one


def test_a_faulty_export_fails_on_the_sample_too(tmp_path):
    store, test = _stored_model(tmp_path, corrupt=True)
    assert not parity_passed(store.parity("churn", test, rows=300))


def test_registration_reads_the_parity_checked_for_the_same_export(tmp_path, monkeypatch):
    store, test = _stored_model(tmp_path, corrupt=False)
    checked = store.parity("churn", test, rows=300)

    def recomputed(*args):
        raise AssertionError("the parity of an export already checked was computed again")

    monkeypatch.setattr("models.artifacts.check_parity", recomputed)
    assert store.parity("churn", test, rows=300) == checked


def test_a_new_export_is_checked_afresh(tmp_path):
    store, test = _stored_model(tmp_path, corrupt=False)
    assert parity_passed(store.parity("churn", test, rows=300))
    # A faulty export written over the checked one: the kept result must not pass it.
    store.write_onnx("churn", corrupt_first_tree(store.onnx_bytes("churn")))
    assert not parity_passed(store.parity("churn", test, rows=300))
    # Other test rows are checked afresh too.
    assert store.parity("churn", test.iloc[:200], rows=300)["rows"] == 200
