"""The Bento ships every champion: built from a registry holding all eight, then served from its own
model store (a fresh BENTOML_HOME holding only that Bento and the models it carries) and asked to
score one client over HTTP.

Built from the serving fixture's registry: the smallest real model store with a champion of every
served model (real ONNX exports and LightGBM texts of synthetic rows, real Feast online store).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import bentoml
import httpx
import pytest

from tests.serving.http_server import free_port, stop, wait_ready
from wealthpulse.domain import NEEDS, TIERS

ROOT = Path(__file__).resolve().parents[2]
REQUIREMENTS = ROOT / "serving" / "bento-requirements.txt"
pytestmark = pytest.mark.http


def _run(command: list[str], env: dict[str, str], cwd: Path = ROOT) -> str:
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, f"{command}:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result.stdout


def _packages(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def test_the_bento_pins_the_packages_of_the_lock():
    uv = shutil.which("uv")
    assert uv, "uv is needed to compare the Bento's requirements with uv.lock"
    exported = _run([uv, "export", "--frozen", "--no-dev", "--no-hashes", "--no-emit-project"], dict(os.environ))
    assert _packages(REQUIREMENTS.read_text()) == _packages(exported), "run `make bento` to export the lock again"


@pytest.fixture(scope="module")
def bento(serving_state) -> bentoml.Bento:
    output = _run([sys.executable, "-m", "wealthpulse.cli", "bento", "--output", "tag"], dict(os.environ))
    tag = output.strip().splitlines()[-1].removeprefix("__tag__:")
    return bentoml.bentos.get(tag)


def test_the_bento_holds_every_champion(bento, serving_state):
    assert len(serving_state.model_tags) == 2 + len(NEEDS)
    assert sorted(str(model.tag) for model in bento.info.all_models) == sorted(serving_state.model_tags.values())


def test_the_bento_serves_all_eight_models_from_its_own_store(bento, serving_state, tmp_path):
    # Exported (an archive with its models, what an image is built from) and imported into an empty
    # BENTOML_HOME: that store then holds the Bento and the models it brought, nothing else.
    archive = bento.export(str(tmp_path / "wealthpulse.bento"))
    fresh = tmp_path / "bentoml"
    env = {**os.environ, "BENTOML_HOME": str(fresh), "WEALTHPULSE_API_WORKERS": "1"}
    _run([sys.executable, "-m", "bentoml", "import", archive], env)
    listed = json.loads(_run([sys.executable, "-m", "bentoml", "models", "list", "-o", "json"], env))
    assert sorted(model["tag"] for model in listed) == sorted(serving_state.model_tags.values())
    port = free_port()
    # Started outside the project, so the Bento's own copy of the code is what runs.
    process = subprocess.Popen(
        [sys.executable, "-m", "bentoml", "serve", str(bento.tag), "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(process, url)
        auth = {"Authorization": f"Bearer {serving_state.api_key}"}
        client = serving_state.known_clients[0]
        response = httpx.post(f"{url}/score", json={"client_ids": [client]}, headers=auth, timeout=60)
        assert response.status_code == 200, response.text
        body = response.json()
        (entry,) = body["scores"]
        assert body["model_versions"] == serving_state.model_tags
        assert entry["error"] is None and 0.0 <= entry["churn_probability"] <= 1.0
        assert set(entry["intent"]) == set(NEEDS) and all(0.0 <= p <= 1.0 for p in entry["intent"].values())
        assert entry["tier_90d"] in TIERS and set(entry["tier_probabilities"]) == set(TIERS)
    finally:
        output = stop(process)
    assert "Traceback" not in output, output[-3000:]
