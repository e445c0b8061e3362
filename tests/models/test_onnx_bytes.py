"""The model store's versions are content hashes of the ONNX bytes: one model, one byte string."""

import os
import subprocess
import sys

# A tiny deterministic model exported in a fresh process; prints the hash of the ONNX bytes.
EXPORT = """
import hashlib
import lightgbm as lgb
import numpy as np
from models.onnx_export import export_onnx
rng = np.random.default_rng(0)
x = rng.normal(size=(500, 3))
y = (x[:, 0] + rng.normal(size=500) > 0).astype(int)
params = {"objective": "binary", "num_leaves": 7, "verbose": -1, "seed": 1, "deterministic": True, "num_threads": 1}
booster = lgb.train(params, lgb.Dataset(x, label=y), num_boost_round=5)
print(hashlib.sha256(export_onnx(booster, "model")).hexdigest())
"""


def test_the_same_model_exports_the_same_bytes_in_every_process():
    # String hashing is seeded per process and the converter lists the opset domains in set order,
    # so a re-run could register the same model under a new version. Under these two hash seeds the
    # converter's own order differs.
    hashes = set()
    for seed in ("1", "20"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = subprocess.run([sys.executable, "-c", EXPORT], env=env, capture_output=True, text=True, check=True)
        hashes.add(out.stdout.strip())
    assert len(hashes) == 1, hashes
